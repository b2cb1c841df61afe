"""The anonymous final consumer (RUT 66.666.666-6) as a row, and search text for
customers written before it existed."""

import unicodedata

from django.db import migrations

FINAL_CONSUMER_RUT = "66666666-6"


def _fold(text: str) -> str:
    # A frozen copy of itplus.core.text.fold: migrations don't import app code.
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().strip()


def forwards(apps, schema_editor):
    Customer = apps.get_model("customers", "Customer")
    db = schema_editor.connection.alias
    Customer.objects.using(db).get_or_create(
        rut=FINAL_CONSUMER_RUT,
        defaults={"name": "Consumidor final", "search_text": "consumidor final"},
    )
    for customer in Customer.objects.using(db).filter(search_text=""):
        customer.search_text = _fold(customer.name)[:120]
        customer.save(update_fields=["search_text"])


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_customer_search_payment_method")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
