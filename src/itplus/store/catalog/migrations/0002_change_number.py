from django.db import migrations, models
from django.db.models import F, Max


def number_existing(apps, schema_editor):
    """Every existing product gets a change number (its id), so a till's first sync
    (since=0) receives the whole catalogue."""
    Product = apps.get_model("catalog", "Product")
    CatalogCounter = apps.get_model("catalog", "CatalogCounter")
    Product.objects.update(change_number=F("id"))
    top = Product.objects.aggregate(top=Max("id"))["top"] or 0
    CatalogCounter.objects.update_or_create(pk=1, defaults={"value": top})


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="product",
            name="change_number",
            field=models.BigIntegerField(db_index=True, default=0, editable=False),
        ),
        migrations.CreateModel(
            name="CatalogCounter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("value", models.BigIntegerField(default=0)),
            ],
            options={"verbose_name": "contador de cambios del catálogo"},
        ),
        migrations.RunPython(number_existing, migrations.RunPython.noop),
    ]
