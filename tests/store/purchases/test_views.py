"""Back-office pages of purchases: create an order, print it, receive it with scans,
direct receipts, invoices, product history; the admin lists with search, filters and
CSV export."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from itplus.core.audit import run_audit
from itplus.store.inventory.models import StockMovement
from itplus.store.purchases.models import (
    GoodsReceipt,
    OrderStatus,
    ProductCost,
    PurchaseOrder,
    SupplierInvoice,
)
from tests.factories import make_product, make_user
from tests.store.purchases.factories import code_of, make_order, make_supplier, receive

pytestmark = pytest.mark.django_db

BASE = "/gestion/compras"


@pytest.fixture
def admin_user():
    return make_user(role="administrador")


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def supplier():
    return make_supplier(name="Distribuidora Andes Ltda.", rut="76.086.428-5")


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))


def test_cashier_is_refused(client, db):
    client.force_login(make_user(role="cajero"))
    assert client.get(f"{BASE}/ordenes/nueva/").status_code in (302, 403)
    assert client.get(f"{BASE}/").status_code in (302, 403)


def test_create_order_page(admin_client, supplier, admin_user):
    rice, cheese = make_product(name="Arroz"), make_product(name="Queso", unit="kg")
    page = admin_client.get(f"{BASE}/ordenes/nueva/")
    assert page.status_code == 200 and "Nueva orden de compra" in page.content.decode()

    response = admin_client.post(
        f"{BASE}/ordenes/nueva/",
        {
            "supplier": supplier.pk,
            "expected_on": "2031-03-01",
            "notes": "Entregar en la mañana",
            "code": [code_of(rice), cheese.sku, ""],
            "quantity": ["12", "2,5", ""],
            "cost": ["1033", "6590", ""],
        },
    )

    order = PurchaseOrder.objects.get()
    assert response.status_code == 302 and response.url == f"{BASE}/ordenes/{order.pk}/"
    assert order.status == OrderStatus.DRAFT and order.created_by == admin_user
    # 12 × 1.033 + 2,5 × 6.590 = 12.396 + 16.475 = 28.871; IVA 5.485,49 → 5.485
    assert (order.net_clp, order.iva_clp, order.total_clp) == (28_871, 5_485, 34_356)
    detail = admin_client.get(response.url).content.decode()
    assert "Borrador" in detail and "$34.356" in detail and "Marcar como enviada" in detail


def test_create_order_error_keeps_what_was_typed(admin_client, supplier):
    rice = make_product(name="Arroz")
    response = admin_client.post(
        f"{BASE}/ordenes/nueva/",
        {
            "supplier": supplier.pk,
            "code": [code_of(rice), "NOEXISTE"],
            "quantity": ["1", "2"],
            "cost": ["10", "10"],
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "No existe un producto activo con el código «NOEXISTE»" in page
    assert 'value="NOEXISTE"' in page
    assert PurchaseOrder.objects.count() == 0


def test_line_row_lookup_fills_name_and_last_cost(admin_client, supplier, admin_user):
    oil = make_product(name="Aceite maravilla")
    receive(supplier=supplier, user=admin_user, lines=[(oil, 5, 1_850)])
    row = admin_client.get(f"{BASE}/linea/", {"code": code_of(oil)}, HTTP_HX_REQUEST="true")
    html = row.content.decode()
    assert "Aceite maravilla" in html and 'value="1850"' in html
    assert "<html" not in html  # a partial
    unknown = admin_client.get(f"{BASE}/linea/", {"code": "ZZZ"}).content.decode()
    assert "No existe un producto activo" in unknown


def test_edit_send_and_cancel(admin_client, supplier, admin_user):
    rice = make_product()
    order = make_order(supplier=supplier, user=admin_user, lines=[(rice, 5, 100)], send=False)
    edit = admin_client.get(f"{BASE}/ordenes/{order.pk}/editar/").content.decode()
    assert f'value="{rice.sku}"' in edit
    admin_client.post(
        f"{BASE}/ordenes/{order.pk}/editar/",
        {"supplier": supplier.pk, "code": [rice.sku], "quantity": ["8"], "cost": ["100"]},
    )
    order.refresh_from_db()
    assert order.net_clp == 800

    admin_client.post(f"{BASE}/ordenes/{order.pk}/enviar/")
    order.refresh_from_db()
    assert order.status == OrderStatus.SENT
    response = admin_client.get(f"{BASE}/ordenes/{order.pk}/editar/")
    assert response.status_code == 302  # no longer editable

    admin_client.post(f"{BASE}/ordenes/{order.pk}/anular/", {"reason": ""})
    order.refresh_from_db()
    assert order.status == OrderStatus.SENT  # a reason is required
    admin_client.post(f"{BASE}/ordenes/{order.pk}/anular/", {"reason": "Precio cambió"})
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_printable_order(admin_client, supplier, admin_user):
    ham = make_product(name="Jamón pierna", unit="kg")
    order = make_order(supplier=supplier, user=admin_user, lines=[(ham, "3.250", 5_200)])
    html = admin_client.get(f"{BASE}/ordenes/{order.pk}/imprimir/").content.decode()
    assert "ORDEN DE COMPRA" in html and f"N° {order.pk}" in html
    assert "76.086.428-5" in html and "Jamón pierna" in html
    assert "3,25 kg" in html and "$16.900" in html  # 3,25 × 5.200
    assert "$3.211" in html and "$20.111" in html  # IVA 19% and total


def test_receive_page_scan_then_post(admin_client, supplier, admin_user):
    milk, bread = make_product(name="Leche"), make_product(name="Pan molde")
    order = make_order(
        supplier=supplier, user=admin_user, lines=[(milk, 24, 700), (bread, 10, 1_500)]
    )
    lines = {line.product_id: line for line in order.lines.all()}
    url = f"{BASE}/ordenes/{order.pk}/recibir/"
    page = admin_client.get(url).content.decode()
    assert "Recibir OC-" in page and "htmx-2.0.11.min.js" in page and 'hx-post="' in page

    form = {f"cost_{line.pk}": str(line.unit_cost_clp) for line in lines.values()}
    form |= {f"qty_{lines[milk.pk].pk}": "5", "action": "scan", "scan": code_of(milk)}
    scanned = admin_client.post(url, form, HTTP_HX_REQUEST="true").content.decode()
    assert f'name="qty_{lines[milk.pk].pk}" inputmode="decimal" value="6"' in scanned
    assert "Leche: 6" in scanned

    stray = make_product(name="Yogurt")
    refused = admin_client.post(url, form | {"scan": code_of(stray)}, HTTP_HX_REQUEST="true")
    assert "«Yogurt» no está en la orden" in refused.content.decode()
    accepted = admin_client.post(
        url, form | {"scan": code_of(stray), "allow_unordered": "on"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Yogurt" in accepted and "no pedido" in accepted

    post = {f"cost_{line.pk}": str(line.unit_cost_clp) for line in lines.values()}
    post |= {
        f"qty_{lines[milk.pk].pk}": "6",
        f"qty_{lines[bread.pk].pk}": "",
        "supplier_document": "G-991",
    }
    response = admin_client.post(url, post)
    receipt = GoodsReceipt.objects.get()
    assert response.status_code == 302
    assert receipt.supplier_document == "G-991"
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIAL
    assert StockMovement.objects.get(reference=receipt.reference).quantity == Decimal("6")


def test_receive_page_over_receipt_shows_spanish_error(admin_client, supplier, admin_user):
    milk = make_product(name="Leche")
    order = make_order(supplier=supplier, user=admin_user, lines=[(milk, 5, 700)])
    line = order.lines.get()
    response = admin_client.post(
        f"{BASE}/ordenes/{order.pk}/recibir/", {f"qty_{line.pk}": "7", f"cost_{line.pk}": "700"}
    )
    assert response.status_code == 400
    assert "quedan 5 por recibir, no 7" in response.content.decode()
    assert GoodsReceipt.objects.count() == 0 and StockMovement.objects.count() == 0


def test_direct_receipt_page(admin_client, supplier):
    eggs = make_product(name="Huevos")
    response = admin_client.post(
        f"{BASE}/recepciones/nueva/",
        {
            "supplier": supplier.pk,
            "code": [code_of(eggs), ""],
            "quantity": ["30", ""],
            "cost": ["150", ""],
        },
    )
    assert response.status_code == 302
    receipt = GoodsReceipt.objects.get()
    assert receipt.order is None and receipt.net_clp == 4_500
    assert ProductCost.objects.get(product=eggs).last_cost_clp == 150
    detail = admin_client.get(response.url)
    assert detail.status_code == 200 and "Huevos" in detail.content.decode()


def test_invoice_page(admin_client, supplier, admin_user):
    eggs = make_product()
    receipt = receive(supplier=supplier, user=admin_user, lines=[(eggs, 10, 1_000)])
    page = admin_client.get(f"{BASE}/facturas/nueva/").content.decode()
    assert f'hx-get="{BASE}/facturas/recepciones/"' in page
    choices = admin_client.get(
        f"{BASE}/facturas/recepciones/", {"supplier": supplier.pk}
    ).content.decode()
    assert receipt.reference in choices and "$11.900" in choices

    data = {
        "supplier": supplier.pk,
        "folio": "88123",
        "issued_on": timezone.localdate().isoformat(),
        "net": "10.000",
        "iva": "1.900",
        "total": "$11.900",
        "receipts": [receipt.pk],
    }
    assert admin_client.post(f"{BASE}/facturas/nueva/", data).status_code == 302
    invoice = SupplierInvoice.objects.get()
    assert invoice.folio == 88123 and invoice.difference_clp == 0
    receipt.refresh_from_db()
    assert receipt.invoice == invoice

    again = admin_client.post(f"{BASE}/facturas/nueva/", data)
    assert again.status_code == 400
    assert (
        "La factura folio 88123 de Distribuidora Andes Ltda. ya está registrada."
        in again.content.decode()
    )
    assert SupplierInvoice.objects.count() == 1


def test_invoice_page_records_a_botilleria_invoice_with_ila_and_exempt(
    admin_client, supplier, admin_user
):
    pisco = make_product(name="Pisco", price_clp=8_990, ila_tax="ila_315")
    ice = make_product(name="Hielo", price_clp=1_500, is_exempt=True)
    receipt = receive(supplier=supplier, user=admin_user, lines=[(pisco, 2, 5_000), (ice, 4, 500)])
    page = admin_client.get(f"{BASE}/facturas/nueva/").content.decode()
    assert 'name="ila_315"' in page and "ILA 31,5%" in page and 'name="exempt"' in page
    data = {
        "supplier": supplier.pk,
        "folio": "5501",
        "issued_on": timezone.localdate().isoformat(),
        "net": "10.000",
        "exempt": "2.000",
        "iva": "1.900",
        "ila_315": "3.150",
        "total": "17.050",
        "receipts": [receipt.pk],
    }
    bad = admin_client.post(f"{BASE}/facturas/nueva/", data | {"ila_315": "3.153"})
    assert bad.status_code == 400
    assert "suman $17.053, no el total $17.050" in bad.content.decode()
    assert admin_client.post(f"{BASE}/facturas/nueva/", data).status_code == 302
    invoice = SupplierInvoice.objects.get()
    assert (invoice.exempt_clp, invoice.ila_by_rate, invoice.difference_clp) == (
        2_000,
        {"ila_315": 3_150},
        0,
    )


def test_product_history_shows_margin(admin_client, supplier, admin_user):
    oil = make_product(name="Aceite", price_clp=2_990)
    receive(supplier=supplier, user=admin_user, lines=[(oil, 10, 1_700)])
    receive(supplier=supplier, user=admin_user, lines=[(oil, 10, 1_900)])
    html = admin_client.get(f"{BASE}/productos/{oil.pk}/").content.decode()
    # net price 2.513; average (10 × 1.700 + 10 × 1.900) / 20 = 1.800; margin 713
    assert "$2.513" in html and "$1.800" in html and "$713" in html and "28,4" in html
    assert html.count("REC-") == 2


@pytest.mark.parametrize(
    "path",
    [
        "purchases/supplier",
        "purchases/purchaseorder",
        "purchases/goodsreceipt",
        "purchases/supplierinvoice",
        "purchases/productcost",
    ],
)
def test_admin_lists_search_filter_and_export(admin_client, supplier, admin_user, path):
    milk = make_product(name="Leche")
    order = make_order(supplier=supplier, user=admin_user, lines=[(milk, 5, 700)])
    receipt = receive(order=order, user=admin_user, lines=[(milk, 5, None)])
    from itplus.store.purchases.services import supplier_invoice_record

    supplier_invoice_record(
        supplier=supplier,
        folio=77,
        issued_on=timezone.localdate(),
        net_clp=3_500,
        iva_clp=665,
        total_clp=4_165,
        receipts=[receipt],
        user=admin_user,
    )
    page = admin_client.get(
        f"/admin/{path}/", {"q": "Andes" if path != "purchases/productcost" else "Leche"}
    )
    html = page.content.decode()
    assert page.status_code == 200 and "Exportar CSV" in html and 'id="changelist-filter"' in html
    rows = _csv(admin_client.get(f"/admin/{path}/exportar.csv"))
    assert len(rows) == 2


def test_admin_never_deletes_documents(admin_client, supplier, admin_user):
    milk = make_product()
    order = make_order(supplier=supplier, user=admin_user, lines=[(milk, 5, 700)])
    receipt = receive(order=order, user=admin_user, lines=[(milk, 5, None)])
    for url in (
        f"/admin/purchases/purchaseorder/{order.pk}/delete/",
        f"/admin/purchases/goodsreceipt/{receipt.pk}/delete/",
        f"/admin/purchases/supplier/{supplier.pk}/delete/",
    ):
        assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert PurchaseOrder.objects.count() == GoodsReceipt.objects.count() == 1


def test_admin_supplier_form_validates_rut(admin_client):
    bad = admin_client.post(
        "/admin/purchases/supplier/add/",
        {"rut": "76.086.428-4", "name": "Malo", "payment_terms_days": "30", "is_active": "on"},
    )
    assert bad.status_code == 200 and "dígito verificador" in bad.content.decode()
    ok = admin_client.post(
        "/admin/purchases/supplier/add/",
        {"rut": "76.086.428-5", "name": "Bueno", "payment_terms_days": "30", "is_active": "on"},
    )
    assert ok.status_code == 302
    from itplus.store.purchases.models import Supplier

    assert Supplier.objects.get().rut == "76086428-5"


def test_audit_passes_and_catches_a_tampered_order_line(supplier, admin_user):
    milk = make_product()
    order = make_order(supplier=supplier, user=admin_user, lines=[(milk, 5, 700)])
    receive(order=order, user=admin_user, lines=[(milk, 3, None)])
    assert not [p for p in run_audit().problems if p.check == "compras"]

    order.lines.update(received_quantity=Decimal("2"))
    problems = [p for p in run_audit().problems if p.check == "compras"]
    assert [p.document for p in problems] == [f"OC-{order.pk}"]
    assert "recepciones suman 3" in problems[0].message


def test_supervisor_receives_goods_and_sees_the_link(client, supplier, admin_user):
    supervisor = make_user(role="supervisor")
    client.force_login(supervisor)
    milk = make_product()
    order = make_order(supplier=supplier, user=admin_user, lines=[(milk, 5, 700)])
    line = order.lines.get()
    assert 'id="link-compras"' in client.get("/admin/").content.decode()
    response = client.post(
        f"{BASE}/ordenes/{order.pk}/recibir/", {f"qty_{line.pk}": "5", f"cost_{line.pk}": "700"}
    )
    assert response.status_code == 302
    assert GoodsReceipt.objects.get().received_by == supervisor


def test_admin_add_leads_to_the_pages(admin_client):
    assert admin_client.get("/admin/purchases/purchaseorder/add/").url == f"{BASE}/ordenes/nueva/"
    assert (
        admin_client.get("/admin/purchases/goodsreceipt/add/").url == f"{BASE}/recepciones/nueva/"
    )
    assert (
        admin_client.get("/admin/purchases/supplierinvoice/add/").url == f"{BASE}/facturas/nueva/"
    )
    assert admin_client.get("/admin/purchases/productcost/add/").status_code == 403


def test_typed_numbers_read_like_every_screen(admin_client, supplier, admin_user):
    cheese, milk = make_product(name="Queso", unit="kg"), make_product(name="Leche")
    order = make_order(
        supplier=supplier, user=admin_user, lines=[(cheese, "3", 5_000), (milk, 2_000, 700)]
    )
    lines = {line.product_id: line for line in order.lines.all()}
    url = f"{BASE}/ordenes/{order.pk}/recibir/"
    kg, units = lines[cheese.pk].pk, lines[milk.pk].pk

    refused = admin_client.post(url, {f"qty_{units}": "1.500", f"cost_{units}": "700"})
    assert refused.status_code == 400
    assert (
        "Cantidad de «Leche»: «1.500» es ambiguo: escriba 1500 o 1,5." in refused.content.decode()
    )
    assert GoodsReceipt.objects.count() == 0
    admin_client.post(
        url,
        {
            f"qty_{kg}": "1,5",
            f"cost_{kg}": "$ 5.100",
            f"qty_{units}": "1500",
            f"cost_{units}": "1.000",
        },
    )

    receipt = GoodsReceipt.objects.get()
    got = {line.product_id: (line.quantity, line.unit_cost_clp) for line in receipt.lines.all()}
    assert got == {cheese.pk: (Decimal("1.5"), 5_100), milk.pk: (Decimal("1500"), 1_000)}
