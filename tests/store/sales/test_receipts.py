"""The receipt: its data, the 80 mm HTML page, and supervisor-approved reprints."""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from itplus.core.money import format_clp
from itplus.store.accounts.approvals import approval_grant
from itplus.store.accounts.models import Approval
from itplus.store.config import DEFAULTS, config_path, save_config
from itplus.store.sales.models import Sale
from itplus.store.sales.receipts import receipt_for_sale
from itplus.store.sales.reprints import ORIGINAL_WINDOW, document_reprint, receipt_copy_url
from itplus.store.sales.services import LineInput, PaymentInput, sale_complete
from tests.factories import make_product, make_sale, make_user, sale_input
from tests.store.conftest import STORE_IDENTITY

pytestmark = pytest.mark.django_db


@contextmanager
def known_config() -> Iterator[Callable[..., dict]]:
    """Run on a known config file (the defaults; the returned ``write(**printer)``
    changes the printer section) and put the file back afterwards."""
    path = config_path(settings.ITPLUS_HOME)
    before = path.read_bytes() if path.exists() else None

    def write(**printer) -> dict:
        config = copy.deepcopy(DEFAULTS)
        config["store"].update(STORE_IDENTITY)
        config["printer"].update(printer)
        save_config(settings.ITPLUS_HOME, config)
        return config

    write()
    try:
        yield write
    finally:
        if before is None:
            path.unlink(missing_ok=True)
        else:
            save_config(settings.ITPLUS_HOME, tomllib.loads(before.decode()))


@pytest.fixture(autouse=True)
def store_config():
    with known_config() as write:
        yield write


def make_mixed_sale(*, terminal, cashier, payments=None, **kwargs) -> Sale:
    """A realistic ticket: a weighed deli item, three units, spirits with ILA and a line
    discount, an IVA-exempt item, a voided scan, a ticket discount, and a split
    debit + cash payment whose cash part is rounded (Ley 20.956)."""
    ham = make_product(name="Jamón de pierna", price_clp=12990, unit="kg")
    milk = make_product(name="Leche Entera 1 L", price_clp=1190)
    pisco = make_product(name="Pisco Año Nuevo 35° 750 ml", price_clp=7990, ila_tax="ila_315")
    book = make_product(name="Libro de cuentos", price_clp=1593, is_exempt=True)
    lines = [
        LineInput(product_id=ham.pk, quantity=Decimal("0.532")),  # 6.911
        LineInput(code=milk.barcodes.first().code, quantity=Decimal("3")),  # 3.570
        LineInput(code=pisco.barcodes.first().code, discount_clp=300),  # 7.690
        LineInput(code=book.barcodes.first().code),  # 1.593
        LineInput(code=milk.barcodes.first().code, is_voided=True),
    ]
    if payments is None:
        payments = [PaymentInput("debito", 5000), PaymentInput("efectivo", 20000)]
    data = sale_input(lines=lines, payments=payments, ticket_discount_clp=100, **kwargs)
    sale, _created = sale_complete(terminal=terminal, cashier=cashier, data=data)
    return sale


@pytest.fixture
def mixed_sale(terminal, supervisor):
    # A supervisor voids a line without asking anyone for approval.
    return make_mixed_sale(terminal=terminal, cashier=supervisor)


# --- receipt data -----------------------------------------------------------------


def test_receipt_data_adds_up_to_the_sale(mixed_sale):
    # when
    receipt = receipt_for_sale(sale_id=mixed_sale.pk)

    # then: voided line left out, the rest in scanning order
    assert [line.description for line in receipt.lines] == [
        "Jamón de pierna",
        "Leche Entera 1 L",
        "Pisco Año Nuevo 35° 750 ml",
        "Libro de cuentos",
    ]
    assert [line.quantity for line in receipt.lines] == ["0,532 kg", "3", "1", "1"]
    assert [line.total_clp for line in receipt.lines] == [6911, 3570, 7690, 1593]
    assert receipt.lines[2].discount_clp == 300
    assert receipt.subtotal_clp == 19764
    assert receipt.subtotal_clp - receipt.ticket_discount_clp == receipt.total_clp
    assert receipt.total_clp == mixed_sale.total_clp == 19664
    assert (receipt.net_clp, receipt.iva_clp, receipt.ila_clp, receipt.exempt_clp) == (
        mixed_sale.net_clp,
        mixed_sale.iva_clp,
        mixed_sale.ila_clp,
        mixed_sale.exempt_clp,
    )
    assert receipt.exempt_clp > 0 and receipt.ila_clp > 0
    assert receipt.net_clp + receipt.iva_clp + receipt.ila_clp + receipt.exempt_clp == 19664
    # cash part 14.664 → 14.660: the customer pays 4 pesos less, and gets 5.340 back
    assert receipt.cash_rounding_clp == -4
    assert receipt.amount_charged_clp == 19660
    assert receipt.change_clp == 5340
    assert [(p.label, p.amount_clp, p.tendered_clp) for p in receipt.payments] == [
        ("Débito", 5000, 0),
        ("Efectivo", 14660, 20000),
    ]
    assert receipt.has_cash
    assert receipt.number_label == f"N° {mixed_sale.number}"
    assert receipt.document_title == "BOLETA"
    assert receipt.issued_at == mixed_sale.issued_at  # the same instant…
    assert str(receipt.issued_at.tzinfo) == "America/Santiago"  # …shown in Chile's time
    assert not receipt.is_copy


def test_receipt_takes_the_store_identity_from_the_config(mixed_sale):
    receipt = receipt_for_sale(sale_id=mixed_sale.pk, copy=True)

    assert receipt.store.name == "Almacén La Prueba"
    assert receipt.store.rut == "76.354.721-3"
    assert receipt.store.receipt_footer == "Gracias por su compra"
    assert receipt.is_copy


def test_receipt_is_read_in_three_queries(mixed_sale, django_assert_num_queries):
    # sale + series + terminal + cashier; lines + products; payments
    with django_assert_num_queries(3):
        receipt_for_sale(sale_id=mixed_sale.pk)


def test_receipt_of_a_missing_sale_raises():
    with pytest.raises(Sale.DoesNotExist):
        receipt_for_sale(sale_id=999_999)


# --- HTML page --------------------------------------------------------------------


def test_receipt_page_shows_number_lines_totals_rounding_and_change(client, cashier, mixed_sale):
    client.force_login(mixed_sale.cashier)

    response = client.get(f"/pos/recibo/{mixed_sale.pk}/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f"N° {mixed_sale.number}" in html
    for text in ["Jamón de pierna", "0,532 kg x $12.990", "$6.911", "3 x $1.190", "$3.570"]:
        assert text in html
    assert "Pisco Año Nuevo 35° 750 ml" in html
    assert "Libro de cuentos" in html
    assert html.count("Leche Entera 1 L") == 1  # the voided scan is not on the receipt
    assert format_clp(mixed_sale.total_clp) == "$19.664"
    assert "$19.664" in html
    assert "Redondeo" in html and "-$4" in html
    assert "Total pagado" in html and "$19.660" in html
    assert "Vuelto" in html and "$5.340" in html
    assert "IVA 19%" in html and "Neto" in html and "ILA" in html and "Exento" in html
    assert "sales/receipt.css" in html  # its @page is 80 mm wide
    assert "Imprimir" in html
    assert "COPIA" not in html


def test_receipt_page_marks_a_copy(client, cashier, supervisor, mixed_sale):
    client.force_login(cashier)
    approval = approval_grant(
        pin="4321",
        action="reimpresion",
        requested_by=cashier,
        terminal=mixed_sale.terminal,
        obj=mixed_sale,
    )
    document_reprint(
        document=mixed_sale, approval_id=approval.pk, user=cashier, terminal=mixed_sale.terminal
    )

    response = client.get(receipt_copy_url(mixed_sale, approval))

    assert response.status_code == 200
    assert "COPIA" in response.content.decode()


def test_receipt_page_can_be_framed_by_the_till_only(client, cashier, mixed_sale):
    client.force_login(mixed_sale.cashier)

    response = client.get(f"/pos/recibo/{mixed_sale.pk}/")

    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_receipt_page_requires_login(client, mixed_sale):
    response = client.get(f"/pos/recibo/{mixed_sale.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_receipt_page_of_a_missing_sale_is_404(client, cashier):
    client.force_login(cashier)

    assert client.get("/pos/recibo/999999/").status_code == 404


def test_sale_api_answers_the_receipt_url_that_serves_it(api_client, product):
    barcode = product.barcodes.first().code
    response = api_client.post(
        "/api/v1/sales",
        {
            "client_uuid": "5a0c1b6e-2f7d-4c55-9b1e-3d1f7c2a9e10",
            "lines": [{"code": barcode, "quantity": "2"}],
            "payments": [{"method": "efectivo", "amount_clp": 5000}],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content

    page = api_client.get(response.json()["receipt_url"])

    assert page.status_code == 200
    html = page.content.decode()
    assert "Leche Entera 1 L" in html and "$2.380" in html and "$2.620" in html


# --- reprints ---------------------------------------------------------------------


def _reprint(api_client, sale, approval_id):
    return api_client.post(
        f"/api/v1/sales/{sale.pk}/reprint",
        {"approval_id": approval_id},
        content_type="application/json",
    )


def test_reprint_with_a_supervisor_approval_gives_the_copy_url(
    api_client, terminal, cashier, supervisor, product
):
    # given: a sale, and the supervisor's PIN typed at the till
    sale = make_sale(terminal=terminal, cashier=cashier, products=[product])
    granted = api_client.post(
        "/api/v1/approvals",
        {"pin": "4321", "action": "reimpresion", "sale_id": sale.pk},
        content_type="application/json",
    )
    assert granted.status_code == 200, granted.content
    approval_id = granted.json()["id"]

    # when
    response = _reprint(api_client, sale, approval_id)

    # then
    assert response.status_code == 200, response.content
    assert response.json() == {
        "receipt_url": f"/pos/recibo/{sale.pk}/?copia=1&aprobacion={approval_id}"
    }
    approval = Approval.objects.get(pk=approval_id)
    assert approval.used_at is not None
    assert approval.approved_by == supervisor
    assert approval.requested_by == cashier
    assert approval.detail == f"Copia de Boleta N° {sale.number}"
    assert "COPIA" in api_client.get(response.json()["receipt_url"]).content.decode()


def test_reprint_without_approval_is_refused_in_spanish(api_client, terminal, cashier, product):
    sale = make_sale(terminal=terminal, cashier=cashier, products=[product])

    response = api_client.post(
        f"/api/v1/sales/{sale.pk}/reprint", {}, content_type="application/json"
    )

    assert response.status_code == 403
    assert response.json() == {
        "detail": "«Reimpresión» requiere la autorización de un supervisor (PIN).",
        "code": "requiere_aprobacion",
    }


def test_a_used_approval_cannot_reprint_again(api_client, terminal, cashier, supervisor, product):
    # given: an approval already spent on one copy
    sale = make_sale(terminal=terminal, cashier=cashier, products=[product])
    approval = approval_grant(
        pin="4321", action="reimpresion", requested_by=cashier, terminal=terminal, obj=sale
    )
    assert _reprint(api_client, sale, approval.pk).status_code == 200
    used_at = Approval.objects.get(pk=approval.pk).used_at

    # when
    response = _reprint(api_client, sale, approval.pk)

    # then: refused, and the approval's record is untouched
    assert response.status_code == 403
    assert "ya fue usada" in response.json()["detail"]
    assert Approval.objects.get(pk=approval.pk).used_at == used_at


def test_an_approval_for_something_else_cannot_reprint(
    api_client, terminal, cashier, supervisor, product
):
    sale = make_sale(terminal=terminal, cashier=cashier, products=[product])
    discount = approval_grant(
        pin="4321", action="descuento", requested_by=cashier, terminal=terminal, max_percent=20
    )

    response = _reprint(api_client, sale, discount.pk)

    assert response.status_code == 403
    assert response.json()["detail"] == (
        "La autorización es para «Descuento sobre el límite», no para «Reimpresión»."
    )
    discount.refresh_from_db()
    assert discount.used_at is None  # still good for the discount it was given for


def test_an_unknown_approval_cannot_reprint(api_client, terminal, cashier, product):
    sale = make_sale(terminal=terminal, cashier=cashier, products=[product])

    response = _reprint(api_client, sale, 987_654)

    assert response.status_code == 403
    assert "no existe" in response.json()["detail"]


def test_reprint_of_a_missing_sale_is_404_and_keeps_the_approval(
    api_client, terminal, cashier, supervisor, product
):
    sale = make_sale(terminal=terminal, cashier=cashier, products=[product])
    approval = approval_grant(
        pin="4321", action="reimpresion", requested_by=cashier, terminal=terminal, obj=sale
    )

    response = api_client.post(
        "/api/v1/sales/999999/reprint",
        {"approval_id": approval.pk},
        content_type="application/json",
    )

    assert response.status_code == 404
    assert response.json()["detail"] == "La venta no existe."
    approval.refresh_from_db()
    assert approval.used_at is None


# --- the copy's page -----------------------------------------------------------------


def test_a_copy_of_a_receipt_without_approval_is_refused(api_client, terminal, cashier, product):
    sale = make_sale(terminal=terminal, cashier=cashier, products=[product])

    refusals = {
        "?copia=1": "«Reimpresión» requiere la autorización de un supervisor (PIN).",
        "?copia=1&aprobacion=": "«Reimpresión» requiere la autorización de un supervisor",
        "?copia=1&aprobacion=987654": "La autorización N° 987654 no existe",
    }
    for query, message in refusals.items():
        response = api_client.get(f"/pos/recibo/{sale.pk}/{query}")
        assert response.status_code == 403, query
        page = response.content.decode()
        assert message in page and "COPIA" not in page
    # the original receipt is still shown as ever
    assert api_client.get(f"/pos/recibo/{sale.pk}/").status_code == 200


def test_a_copy_needs_the_approval_consumed_for_that_sale_by_that_cashier(
    api_client, terminal, cashier, supervisor, product
):
    sale, other = (
        make_sale(terminal=terminal, cashier=cashier, products=[product]) for _ in range(2)
    )
    approval = approval_grant(
        pin="4321", action="reimpresion", requested_by=cashier, terminal=terminal, obj=sale
    )
    url = f"/pos/recibo/{sale.pk}/?copia=1&aprobacion={approval.pk}"

    # not yet consumed through POST /reprint: refused
    unused = api_client.get(url)
    assert unused.status_code == 403
    assert "aún no se ha usado" in unused.content.decode()

    copy_url = _reprint(api_client, sale, approval.pk).json()["receipt_url"]
    assert copy_url == url
    assert "COPIA" in api_client.get(url).content.decode()
    # …only for that sale, and that cashier
    other_sale = f"/pos/recibo/{other.pk}/?copia=1&aprobacion={approval.pk}"
    assert api_client.get(other_sale).status_code == 403
    someone_else = Client()
    someone_else.force_login(make_user(role="cajero"))
    assert "otra persona" in someone_else.get(url).content.decode()
    # …and not once the approval's lifetime has passed since it was used
    Approval.objects.filter(pk=approval.pk).update(used_at=timezone.now() - timedelta(minutes=6))
    assert "venció" in api_client.get(url).content.decode()


# --- the original, later -------------------------------------------------------------


def test_the_original_is_shown_again_only_to_its_cashier_and_only_right_after(
    api_client, client, terminal, cashier, product
):
    sale = make_sale(terminal=terminal, cashier=cashier, products=[product])
    url = f"/pos/recibo/{sale.pk}/"

    # right after the sale (the till's frame, a retry): the original
    first = api_client.get(url)
    assert first.status_code == 200 and "COPIA" not in first.content.decode()

    # another cashier: refused, a copy needs the supervisor's PIN
    client.force_login(make_user(role="cajero"))
    other = client.get(url)
    assert other.status_code == 403
    assert "«Reimpresión» requiere la autorización de un supervisor" in other.content.decode()

    # the same cashier later: the attack of dropping ?copia=1 gets no second original
    Sale.objects.filter(pk=sale.pk).update(
        issued_at=timezone.now() - ORIGINAL_WINDOW - timedelta(seconds=1)
    )
    later = api_client.get(url)
    assert later.status_code == 403 and "COPIA" not in later.content.decode()


def test_a_supervisor_sees_an_old_receipt_marked_as_a_copy(client, supervisor, mixed_sale):
    Sale.objects.filter(pk=mixed_sale.pk).update(
        issued_at=timezone.now() - ORIGINAL_WINDOW - timedelta(minutes=1)
    )
    client.force_login(supervisor)

    response = client.get(f"/pos/recibo/{mixed_sale.pk}/")

    assert response.status_code == 200 and "COPIA" in response.content.decode()
