"""Publish terms version 2025.1 (the vendor's reinstallation terms)."""

from datetime import UTC, datetime

from django.db import migrations

from itplus.helpdesk.orders.terms import TERMS_V1


def publish(apps, schema_editor):
    TermsVersion = apps.get_model("helpdesk_orders", "TermsVersion")
    TermsVersion.objects.get_or_create(
        version=TERMS_V1["version"],
        defaults={
            "title": TERMS_V1["title"],
            "body": TERMS_V1["body"],
            "clauses": TERMS_V1["clauses"],
            "published_at": datetime(2025, 1, 1, 12, 0, tzinfo=UTC),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("helpdesk_orders", "0001_initial")]
    operations = [migrations.RunPython(publish, migrations.RunPython.noop)]
