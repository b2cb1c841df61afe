"""Ids go into form field names and option values unlocalized.

es-CL groups thousands, so an id of 1234 rendered through plain ``{{ obj.pk }}`` would
become "1 234" and break the form once a store has more than 999 rows (a receive form
with ``qty_1 234`` fields loses the quantities).
"""

from itplus.store.inventory.models import Warehouse
from tests.factories import make_user


def test_warehouse_ids_above_999_are_plain_numbers(client, db):
    Warehouse.objects.create(pk=1234, code="bodega-1234", name="Bodega trasera")
    client.force_login(make_user(role="administrador"))

    page = client.get("/gestion/inventario/").content.decode()

    assert 'value="1234"' in page
    assert "1\xa0234" not in page and '1.234"' not in page
