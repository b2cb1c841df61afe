"""The inventory back-office pages: authorisation, filters, CSV, HTMX scan, forms."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from itplus.store.inventory.models import CountSheet, MovementKind, StockMovement
from itplus.store.inventory.services import count_sheet_open, default_warehouse, reorder_point_set
from tests.factories import CategoryFactory, make_product, make_user
from tests.store.inventory.factories import make_warehouse, receive, stock_of

pytestmark = pytest.mark.django_db

BASE = "/gestion/inventario/"


@pytest.fixture
def boss_client(client, supervisor):
    client.force_login(supervisor)
    return client


@pytest.fixture
def catalog(supervisor):
    drinks = CategoryFactory(name="Bebidas")
    cola = make_product(name="Bebida Cola 1,5 L", category=drinks, sku="COLA15")
    water = make_product(name="Agua Mineral", category=drinks)
    rice = make_product(name="Arroz Grado 1")
    receive(cola, 3, user=supervisor)
    receive(water, 20, user=supervisor)
    reorder_point_set(
        product=cola, warehouse=default_warehouse(), reorder_point="5", user=supervisor
    )
    return drinks, cola, water, rice


def csv_text(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_cashier_is_refused(client, cashier):
    client.force_login(cashier)
    assert client.get(BASE).status_code == 403
    assert client.get(BASE + "ajustes/nuevo/").status_code == 403


def test_stock_list_search_filters_and_flags(boss_client, catalog, terminal, cashier):
    drinks, cola, water, rice = catalog

    page = boss_client.get(BASE).content.decode()
    assert "Bebida Cola 1,5 L" in page and "Arroz Grado 1" in page

    low = boss_client.get(BASE, {"solo": "bajo"}).content.decode()
    assert "Bebida Cola 1,5 L" in low and "Agua Mineral" not in low and "Bajo" in low

    by_name = boss_client.get(BASE, {"q": "bebida"}).content.decode()
    assert "Bebida Cola" in by_name and "Agua Mineral" not in by_name
    by_code = boss_client.get(BASE, {"q": water.barcodes.first().code}).content.decode()
    assert "Agua Mineral" in by_code and "Bebida Cola" not in by_code
    by_sku = boss_client.get(BASE, {"q": "cola15"}).content.decode()
    assert "Bebida Cola" in by_sku
    by_category = boss_client.get(BASE, {"categoria": drinks.pk}).content.decode()
    assert "Arroz" not in by_category


def test_stock_list_htmx_returns_only_the_table(boss_client, catalog):
    response = boss_client.get(BASE, {"q": "agua"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="stock-table"' in body
    assert "<html" not in body and "Agua Mineral" in body


def test_stock_list_is_one_query_per_page_whatever_the_size(boss_client, catalog):
    for i in range(30):
        make_product(name=f"Extra {i}", category=catalog[0])
    with CaptureQueriesContext(connection) as few:
        boss_client.get(BASE)
    for i in range(30):
        make_product(name=f"Más {i}", category=catalog[0])
    with CaptureQueriesContext(connection) as more:
        boss_client.get(BASE)
    assert len(more) == len(few)
    rows = [q["sql"] for q in more if 'FROM "catalog_product"' in q["sql"] and "LIMIT" in q["sql"]]
    assert len(rows) == 1 and "inventory_stock" in rows[0] and "catalog_category" in rows[0]


def test_stock_list_csv(boss_client, catalog):
    text = csv_text(boss_client.get(BASE, {"solo": "bajo", "formato": "csv"}))
    lines = text.strip().splitlines()
    assert lines[0].startswith("SKU;Producto;Categoría")
    assert len(lines) == 2 and "COLA15;Bebida Cola 1,5 L;Bebidas" in lines[1]
    assert lines[1].endswith(";Bajo")


def test_negative_stock_is_flagged(boss_client, catalog, terminal, cashier, supervisor):
    from tests.factories import make_sale

    rice = catalog[3]
    make_sale(terminal=terminal, cashier=cashier, products=[rice])
    page = boss_client.get(BASE, {"solo": "negativo"}).content.decode()
    assert "Arroz Grado 1" in page and "Negativo" in page


def test_low_stock_page_and_csv(boss_client, catalog):
    page = boss_client.get(BASE + "bajo-stock/").content.decode()
    assert "Bebida Cola 1,5 L" in page and "Agua Mineral" not in page
    text = csv_text(boss_client.get(BASE + "bajo-stock/", {"formato": "csv"}))
    header, row = text.strip().splitlines()
    assert header.endswith("Cantidad sugerida a pedir")
    assert row.split(";")[-1] == "7"  # target 2 × 5 = 10, has 3


def test_product_ledger_running_balance_filters_and_csv(boss_client, catalog, supervisor):
    cola = catalog[1]
    boss_client.post(
        BASE + "ajustes/nuevo/",
        {
            "codigo": "COLA15",
            "cantidad": "-1",
            "motivo": "Botella rota",
            "bodega": default_warehouse().pk,
        },
    )
    url = f"{BASE}producto/{cola.pk}/"
    page = boss_client.get(url).content.decode()
    assert "Botella rota" in page and "Recepción de compra" in page
    only_adjust = boss_client.get(url, {"tipo": "ajuste"}).content.decode()
    assert "Botella rota" in only_adjust and "Recepción de prueba" not in only_adjust
    text = csv_text(boss_client.get(url, {"formato": "csv"}))
    rows = [r.split(";") for r in text.strip().splitlines()[1:]]
    assert [(r[2], r[3], r[4]) for r in rows] == [
        ("Ajuste", "-1", "2"),
        ("Recepción de compra", "3", "3"),
    ]


def test_reorder_point_form(boss_client, catalog):
    water = catalog[2]
    response = boss_client.post(
        f"{BASE}producto/{water.pk}/reposicion/",
        {"bodega": default_warehouse().pk, "punto": "25", "objetivo": "10"},
        follow=True,
    )
    assert "no puede ser menor que el punto" in response.content.decode()
    boss_client.post(
        f"{BASE}producto/{water.pk}/reposicion/",
        {"bodega": default_warehouse().pk, "punto": "25", "objetivo": "40"},
    )
    assert "Agua Mineral" in boss_client.get(BASE + "bajo-stock/").content.decode()


def test_adjustment_form_errors_are_shown_and_change_nothing(boss_client, catalog):
    before = StockMovement.objects.count()
    response = boss_client.post(
        BASE + "ajustes/nuevo/",
        {"codigo": "COLA15", "cantidad": "2", "motivo": "", "bodega": default_warehouse().pk},
    )
    assert "Indique el motivo" in response.content.decode()
    response = boss_client.post(
        BASE + "ajustes/nuevo/", {"codigo": "NO-EXISTE", "cantidad": "2", "motivo": "x"}
    )
    assert "Código «NO-EXISTE» no encontrado" in response.content.decode()
    assert StockMovement.objects.count() == before


def test_transfer_form(boss_client, catalog):
    cola, water = catalog[1], catalog[2]
    back = make_warehouse(name="Trastienda")
    main = default_warehouse()
    same = boss_client.post(
        BASE + "transferencias/nueva/",
        {"origen": main.pk, "destino": main.pk, "lineas": "COLA15 1"},
    )
    assert "deben ser distintas" in same.content.decode()
    response = boss_client.post(
        BASE + "transferencias/nueva/",
        {
            "origen": main.pk,
            "destino": back.pk,
            "lineas": f"COLA15 2\n{water.barcodes.first().code} 5\n",
        },
        follow=True,
    )
    assert "Transferencia registrada: 2 productos" in response.content.decode()
    assert (stock_of(cola), stock_of(cola, back), stock_of(water, back)) == (1, 2, 5)


def test_count_flow_through_the_pages(boss_client, catalog, supervisor):
    drinks, cola, water, _rice = catalog
    response = boss_client.post(
        BASE + "conteos/", {"bodega": default_warehouse().pk, "categoria": drinks.pk}
    )
    sheet = CountSheet.objects.get()
    assert response.url == f"{BASE}conteos/{sheet.pk}/"

    code = cola.barcodes.first().code
    for _ in range(4):
        scanned = boss_client.post(
            f"{BASE}conteos/{sheet.pk}/escanear/", {"codigo": code}, HTTP_HX_REQUEST="true"
        )
    body = scanned.content.decode()
    assert "«Bebida Cola 1,5 L»: contado 4" in body and "<html" not in body
    bad = boss_client.post(
        f"{BASE}conteos/{sheet.pk}/escanear/", {"codigo": "000"}, HTTP_HX_REQUEST="true"
    )
    assert "Código «000» no encontrado" in bad.content.decode()
    negative = boss_client.post(
        f"{BASE}conteos/{sheet.pk}/linea/{water.pk}/", {"contado": "-2"}, follow=True
    )
    assert "no admite valores negativos" in negative.content.decode()
    boss_client.post(f"{BASE}conteos/{sheet.pk}/linea/{water.pk}/", {"contado": "18"})

    page = boss_client.get(f"{BASE}conteos/{sheet.pk}/", {"solo": "diferencias"}).content.decode()
    assert "Bebida Cola" in page and "Agua Mineral" in page
    csv_rows = csv_text(
        boss_client.get(f"{BASE}conteos/{sheet.pk}/", {"formato": "csv"})
    ).splitlines()
    assert any(row.endswith(";4;1") for row in csv_rows)  # cola: stock 3, counted 4

    posted = boss_client.post(f"{BASE}conteos/{sheet.pk}/contabilizar/", follow=True)
    assert "Toma contabilizada: 2 productos" in posted.content.decode()
    assert (stock_of(cola), stock_of(water)) == (4, 18)
    again = boss_client.post(f"{BASE}conteos/{sheet.pk}/contabilizar/", follow=True)
    assert "ya está contabilizada" in again.content.decode()
    assert StockMovement.objects.filter(kind=MovementKind.COUNT).count() == 2

    listing = csv_text(boss_client.get(BASE + "conteos/", {"formato": "csv"}))
    assert "Contabilizada" in listing


def test_cashier_can_scan_but_not_post(client, catalog, supervisor):
    sheet = count_sheet_open(warehouse=default_warehouse(), user=supervisor)
    cashier = make_user(role="cajero")
    client.force_login(cashier)
    cola = catalog[1]
    client.post(f"{BASE}conteos/{sheet.pk}/escanear/", {"codigo": "COLA15", "cantidad": "2"})
    assert sheet.lines.get(product=cola).counted_quantity == Decimal(2)
    assert client.post(f"{BASE}conteos/{sheet.pk}/contabilizar/").status_code == 403


def test_admin_lists_are_read_only_and_exportable(boss_client, catalog):
    movements = boss_client.get("/admin/inventory/stockmovement/", {"q": "Bebida"})
    assert movements.status_code == 200 and "Bebida Cola" in movements.content.decode()
    text = csv_text(boss_client.get("/admin/inventory/stockmovement/exportar.csv"))
    assert "COLA15" in text
    movement = StockMovement.objects.first()
    assert (
        boss_client.post(f"/admin/inventory/stockmovement/{movement.pk}/delete/").status_code == 403
    )
    assert boss_client.get("/admin/inventory/warehouse/").status_code == 200
    assert boss_client.get("/admin/inventory/countsheet/exportar.csv").status_code == 200


def test_typed_quantities_read_like_every_screen(boss_client, catalog):
    cheese = make_product(name="Queso", unit="kg", sku="QUESO")
    cola = catalog[1]
    url = BASE + "ajustes/nuevo/"
    form = {"motivo": "Conteo", "bodega": default_warehouse().pk}

    refused = boss_client.post(url, form | {"codigo": "COLA15", "cantidad": "1.500"})
    boss_client.post(url, form | {"codigo": "QUESO", "cantidad": "1,5"})
    boss_client.post(url, form | {"codigo": "QUESO", "cantidad": "1.5"})

    assert "«1.500» es ambiguo: escriba 1500 o 1,5" in refused.content.decode()
    assert stock_of(cola) == 3
    assert stock_of(cheese) == Decimal("3")
