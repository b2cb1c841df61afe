"""Returns on the cash X/Z report: their cash refunds lower the expected cash, voids are
not counted twice, and the Z (and its audit) agree with the drawer to the peso."""

from __future__ import annotations

from decimal import Decimal

from itplus.core.audit import run_audit
from itplus.store.accounts.approvals import approval_grant
from itplus.store.cash.models import CashSession
from itplus.store.cash.reports import cash_report_compute, cash_report_from_z
from itplus.store.cash.services import cash_session_close
from itplus.store.sales.returns.services import sale_void
from itplus.store.sales.services import LineInput, PaymentInput
from tests.factories import make_product, make_sale
from tests.store.sales.factories import make_credit_note_series, make_return


def sale(terminal, cashier, product, quantity, payment):
    return make_sale(
        terminal=terminal,
        cashier=cashier,
        products=[],
        lines=[LineInput(code=product.barcodes.first().code, quantity=Decimal(quantity))],
        payments=[payment],
    )


def test_returns_and_voids_on_the_z_report(terminal, cashier, supervisor):
    make_credit_note_series()
    chicle = make_product(name="Chicle", price_clp=415)
    session = CashSession.objects.get(terminal=terminal, status="abierta")
    # Cash in: 1.245 paid 1.240; 415 paid 410 (then voided). Card: 830.
    cash_sale = sale(terminal, cashier, chicle, 3, PaymentInput("efectivo", 2000))
    card_sale = sale(terminal, cashier, chicle, 2, PaymentInput("debito", 830))
    voided = sale(terminal, cashier, chicle, 1, PaymentInput("efectivo", 1000))
    make_return(terminal=terminal, user=cashier, sale=cash_sale, lines={1: 1})  # 410 cash out
    make_return(terminal=terminal, user=cashier, sale=card_sale, lines={1: 1})  # 415 debit
    approval = approval_grant(
        pin="4321", action="anular_venta", requested_by=cashier, terminal=terminal, obj=voided
    )
    sale_void(sale_id=voided.pk, terminal=terminal, user=cashier, approval_id=approval.pk)

    x = cash_report_compute(session=session)

    [returns] = x.contributions
    assert returns["key"] == "notas_credito" and returns["count"] == 2
    assert returns["total_clp"] == 415 + 415
    assert returns["by_method"] == {"debito": 415, "efectivo": 410}
    assert x.cash_refunds_clp == 410
    assert (x.voided_count, x.voided_total_clp) == (1, 415)
    # In the drawer: float + 1.240 + 410 (voided sale) − 410 (return) − 410 (void).
    assert x.expected_cash_clp == 20_000 + 1240 - 410 == 20_830

    z = cash_session_close(
        session=session,
        user=supervisor,
        counts={"20000": 1, "500": 1, "100": 3, "10": 3},
    )

    assert z.difference_clp == 0
    assert cash_report_from_z(z=z).contributions == x.contributions
    report = run_audit()
    assert report.ok, report.problems


def test_a_session_without_returns_has_no_contribution(terminal, cashier):
    make_credit_note_series()
    session = CashSession.objects.get(terminal=terminal, status="abierta")

    assert cash_report_compute(session=session).contributions == ()
