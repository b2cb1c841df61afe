"""Deli-scale labels are checked against their product before they are sold.

The attack: a price-embedded label for Jamón Serrano ($29.990/kg) carrying $0, $1 or
$10 sold at that price, with no check and no approval. Now a $0 label is refused
outright and a label whose weight is implausible ([scale] in itplus.toml) needs a
supervisor's approval, which the sale line records.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from decimal import Decimal

import pytest
from django.conf import settings

from itplus.core.barcodes import with_check_digit
from itplus.core.integrity import canonical_json
from itplus.store.accounts.approvals import ApprovalRefused, approval_grant
from itplus.store.accounts.models import Approval
from itplus.store.catalog.models import Product
from itplus.store.catalog.scale_labels import ScaleLabelWorthless
from itplus.store.config import config_section_set
from itplus.store.sales.models import DocumentSeries, Payment, Sale, SaleLine
from itplus.store.sales.services import LineInput, PaymentInput, sale_complete
from tests.factories import make_product, sale_input

pytestmark = pytest.mark.django_db


def price_label(cents: int, item: str = "00104") -> str:
    """A prefix-20 label: item code, then the price in pesos (5 digits)."""
    return with_check_digit(f"20{item}{cents:05d}")


def weight_label(grams: int, item: str = "00104") -> str:
    """A prefix-21 label: item code, then the weight in grams (5 digits)."""
    return with_check_digit(f"21{item}{grams:05d}")


@pytest.fixture
def ham(db):
    return make_product(name="Jamón Serrano", price_clp=29990, unit="kg", scale_code="00104")


def sell(terminal, cashier, code: str, **line):
    sale, _created = sale_complete(
        terminal=terminal,
        cashier=cashier,
        data=sale_input(
            lines=[LineInput(code=code, **line)],
            payments=[PaymentInput(method="efectivo", amount_clp=2_000_000)],
        ),
    )
    return sale


def nothing_written() -> dict:
    return {
        "sales": Sale.objects.count(),
        "lines": SaleLine.objects.count(),
        "payments": Payment.objects.count(),
        "approvals_used": Approval.objects.filter(used_at__isnull=False).count(),
        "numbers": list(DocumentSeries.objects.values_list("next_number", flat=True)),
    }


def grant(terminal, cashier, amount_clp: int, action: str = "etiqueta_balanza") -> Approval:
    return approval_grant(
        pin="4321", action=action, requested_by=cashier, terminal=terminal, amount_clp=amount_clp
    )


def test_the_attack_label_is_the_one_the_issue_names(ham):
    assert price_label(0) == "2000104000003"


# --- The attack, refused --------------------------------------------------------------


def test_a_label_carrying_zero_pesos_is_refused(terminal, cashier, ham):
    before = nothing_written()

    with pytest.raises(ScaleLabelWorthless) as refused:
        sell(terminal, cashier, "2000104000003")

    assert refused.value.code == "etiqueta_sin_valor"
    assert "Jamón Serrano" in refused.value.message and "$0" in refused.value.message
    assert nothing_written() == before


@pytest.mark.parametrize("price", [1, 10, 100])
def test_a_label_far_below_the_price_per_kg_needs_a_supervisor(terminal, cashier, ham, price):
    before = nothing_written()

    with pytest.raises(ApprovalRefused) as refused:
        sell(terminal, cashier, price_label(price))

    # $100 at $29.990/kg is 3 g: under the 5 g minimum.
    assert refused.value.code == "requiere_aprobacion"
    assert "Jamón Serrano" in refused.value.message
    assert "fuera del rango de la balanza (0,005 a 30 kg)" in refused.value.message
    assert nothing_written() == before


def test_no_approval_lets_a_zero_label_through(terminal, cashier, supervisor, ham):
    approval = grant(terminal, cashier, amount_clp=1)
    before = nothing_written()

    with pytest.raises(ScaleLabelWorthless):
        sell(terminal, cashier, "2000104000003", scale_approval_id=approval.pk)

    assert nothing_written() == before
    approval.refresh_from_db()
    assert approval.used_at is None


def test_a_supervisor_cannot_sell_a_zero_label_either(terminal, supervisor, ham):
    with pytest.raises(ScaleLabelWorthless):
        sell(terminal, supervisor, "2000104000003")


def test_a_weight_label_on_a_product_priced_zero_is_refused(terminal, cashier):
    olives = make_product(name="Aceitunas", price_clp=4990, unit="kg", scale_code="00777")
    # A row from before products with a scale code needed a price (the import and the
    # product's page refuse $0 now).
    Product.objects.filter(pk=olives.pk).update(price_clp=0)

    with pytest.raises(ScaleLabelWorthless) as refused:
        sell(terminal, cashier, weight_label(500, item="00777"))

    assert "precio $0 por kg" in refused.value.message


def test_a_weight_label_of_zero_grams_is_refused(terminal, cashier, ham):
    with pytest.raises(ScaleLabelWorthless):
        sell(terminal, cashier, weight_label(0))


@pytest.mark.parametrize("grams", [2, 30_001, 99_999])
def test_an_implausible_weight_label_needs_a_supervisor(terminal, cashier, ham, grams):
    with pytest.raises(ApprovalRefused) as refused:
        sell(terminal, cashier, weight_label(grams))

    assert refused.value.code == "requiere_aprobacion"


# --- Plausible labels sell as before ---------------------------------------------------


@pytest.mark.parametrize(
    "code, total",
    [
        (price_label(2999), 2999),  # 100 g
        (price_label(150), 150),  # exactly the 5 g minimum
        (weight_label(5), 150),  # 5 g
        (weight_label(1250), 37488),  # 1,250 kg
        (weight_label(30_000), 899_700),  # exactly the 30 kg maximum
    ],
)
def test_a_plausible_label_sells_without_approval(terminal, cashier, ham, code, total):
    sale = sell(terminal, cashier, code)

    [line] = sale.lines.all()
    assert line.total_clp == total
    assert line.scale_approval is None and line.approval is None


def test_a_label_for_a_product_picked_by_search_is_not_a_label(terminal, cashier, ham):
    sale = sell(terminal, cashier, "", product_id=ham.pk, quantity=Decimal("0.100"))

    assert sale.total_clp == 2999


# --- A supervisor's approval lets an implausible, non-zero label through -------------


def test_an_approval_lets_the_label_through_and_is_recorded_on_the_line(
    terminal, cashier, supervisor, ham
):
    approval = grant(terminal, cashier, amount_clp=10)

    sale = sell(terminal, cashier, price_label(10), scale_approval_id=approval.pk)

    assert sale.total_clp == 10
    [line] = sale.lines.all()
    assert line.scale_approval == approval
    approval.refresh_from_db()
    assert approval.used_at is not None and approval.approved_by == supervisor
    assert approval.detail.startswith(price_label(10))
    assert "$10" in approval.detail and "$29.990/kg" in approval.detail


def test_the_approval_is_used_once(terminal, cashier, supervisor, ham):
    approval = grant(terminal, cashier, amount_clp=10)
    sell(terminal, cashier, price_label(10), scale_approval_id=approval.pk)

    with pytest.raises(ApprovalRefused) as refused:
        sell(terminal, cashier, price_label(10), scale_approval_id=approval.pk)

    assert refused.value.code == "aprobacion_usada"


def test_the_approval_must_cover_the_labels_amount(terminal, cashier, supervisor, ham):
    approval = grant(terminal, cashier, amount_clp=10)
    before = nothing_written()

    with pytest.raises(ApprovalRefused) as refused:
        sell(terminal, cashier, weight_label(45_000), scale_approval_id=approval.pk)

    assert refused.value.code == "aprobacion_insuficiente"
    assert nothing_written() == before


def test_an_approval_for_another_action_does_not_cover_a_label(terminal, cashier, supervisor, ham):
    approval = grant(terminal, cashier, amount_clp=10, action="egreso_caja")

    with pytest.raises(ApprovalRefused) as refused:
        sell(terminal, cashier, price_label(10), scale_approval_id=approval.pk)

    assert refused.value.code == "aprobacion_otra_accion"


def test_a_supervisor_at_the_till_needs_no_approval(terminal, supervisor, ham):
    sale = sell(terminal, supervisor, price_label(10))

    assert sale.total_clp == 10
    assert sale.lines.get().scale_approval is None


def test_a_voided_implausible_label_needs_only_the_void_approval(
    terminal, cashier, supervisor, ham, product
):
    void = grant(terminal, cashier, amount_clp=1, action="anular_linea")
    sale, _created = sale_complete(
        terminal=terminal,
        cashier=cashier,
        data=sale_input(
            lines=[
                LineInput(code=price_label(10), is_voided=True, approval_id=void.pk),
                LineInput(code=product.barcodes.first().code),
            ],
            payments=[PaymentInput(method="efectivo", amount_clp=2000)],
        ),
    )

    voided = sale.lines.get(position=1)
    assert voided.is_voided and voided.approval == void and voided.scale_approval is None


# --- The range comes from itplus.toml ---------------------------------------------------


def test_the_range_is_configured_in_itplus_toml(terminal, cashier, ham):
    config_section_set(settings.ITPLUS_HOME, "scale", {"min_weight_kg": 0.1, "max_weight_kg": 2})

    with pytest.raises(ApprovalRefused) as heavy:
        sell(terminal, cashier, weight_label(2500))
    with pytest.raises(ApprovalRefused):
        sell(terminal, cashier, weight_label(50))

    assert "(0,1 a 2 kg)" in heavy.value.message
    assert sell(terminal, cashier, weight_label(1999)).total_clp == 59950


# --- The API is the same service ------------------------------------------------------


def api_sale(api_client, code: str, **line):
    return api_client.post(
        "/api/v1/sales",
        data=json.dumps(
            {
                "client_uuid": "6a0f3c2e-4b0e-4d6a-9a58-0c9a1f1b2c3d",
                "lines": [{"code": code, **line}],
                "payments": [{"method": "efectivo", "amount_clp": 100}],
            }
        ),
        content_type="application/json",
    )


def test_the_api_refuses_the_attack_and_accepts_an_approved_label(
    api_client, terminal, cashier, supervisor, ham
):
    zero = api_sale(api_client, "2000104000003")
    one = api_sale(api_client, price_label(1))

    assert (zero.status_code, zero.json()["code"]) == (422, "etiqueta_sin_valor")
    assert (one.status_code, one.json()["code"]) == (403, "requiere_aprobacion")
    assert Sale.objects.count() == 0

    granted = api_client.post(
        "/api/v1/approvals",
        data=json.dumps({"pin": "4321", "action": "etiqueta_balanza", "amount_clp": 1}),
        content_type="application/json",
    ).json()
    approved = api_sale(api_client, price_label(1), scale_approval_id=granted["id"])

    assert approved.status_code == 201, approved.json()
    assert SaleLine.objects.get().scale_approval_id == granted["id"]


def test_the_lookup_tells_the_till_what_the_label_needs(api_client, ham):
    def lookup(code):
        return api_client.get("/api/v1/products/lookup", {"code": code})

    plausible = lookup(price_label(2999)).json()["scale_label"]
    implausible = lookup(price_label(10)).json()["scale_label"]
    zero = lookup("2000104000003")

    assert plausible == {"total_clp": 2999, "weight_kg": "0.100", "plausible": True, "problem": ""}
    assert implausible["plausible"] is False and implausible["total_clp"] == 10
    assert "Un supervisor debe autorizarla" in implausible["problem"]
    assert (zero.status_code, zero.json()["code"]) == (422, "etiqueta_sin_valor")
    assert lookup(ham.barcodes.first().code).json()["scale_label"] is None


def test_a_sale_without_label_approvals_keeps_the_fingerprint_it_had_before(product):
    # What the fingerprint was before scale_approval_id (and the offline unit_price_clp)
    # existed: a sale recorded then and sent again by an offline till must still be
    # recognised as the same sale.
    data = sale_input([product], cash_clp=2000)
    fields = asdict(data)
    fields["client_uuid"] = str(data.client_uuid)
    for line in fields["lines"]:
        del line["scale_approval_id"]
        del line["unit_price_clp"]

    assert data.fingerprint() == hashlib.sha256(canonical_json(fields)).hexdigest()
    approved = sale_input(lines=[LineInput(code="x", scale_approval_id=3)])
    approved.client_uuid = data.client_uuid
    plain = sale_input(lines=[LineInput(code="x")])
    plain.client_uuid = data.client_uuid
    assert approved.fingerprint() != plain.fingerprint()
