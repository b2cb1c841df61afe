from django.db import migrations


def create_default_warehouse(apps, schema_editor):
    Warehouse = apps.get_model("inventory", "Warehouse")
    Warehouse.objects.using(schema_editor.connection.alias).get_or_create(
        code="principal", defaults={"name": "Bodega principal", "is_default": True}
    )


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial")]

    operations = [migrations.RunPython(create_default_warehouse, migrations.RunPython.noop)]
