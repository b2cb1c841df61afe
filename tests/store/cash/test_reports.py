"""X and Z reports add up to the session's documents, to the peso."""

from __future__ import annotations

from collections import defaultdict

import pytest

from itplus.store.cash.models import CashMovement, CashSession, ZReport
from itplus.store.cash.reports import (
    REPORT_CONTRIBUTORS,
    Contribution,
    cash_report_compute,
    cash_report_from_z,
    register_report_contributor,
)
from itplus.store.cash.services import cash_session_close
from itplus.store.sales.models import Payment, Sale
from tests.store.cash.factories import build_mixed_session

pytestmark = pytest.mark.django_db


def independent_sums(session: CashSession) -> dict:
    """The session's figures summed in Python over its Sale, Payment and movement rows."""
    sales = list(Sale.objects.filter(cash_session=session))
    valid = [s for s in sales if s.status == Sale.Status.COMPLETED]
    by_method: dict[str, int] = defaultdict(int)
    for p in Payment.objects.filter(sale__in=valid):
        by_method[p.method] += p.amount_clp
    moves = list(CashMovement.objects.filter(session=session))
    cash_in = sum(m.amount_clp for m in moves if m.kind == "ingreso")
    cash_out = sum(m.amount_clp for m in moves if m.kind == "egreso")
    return {
        "tickets": len(valid),
        "total": sum(s.total_clp for s in valid),
        "rounding": sum(s.cash_rounding_clp for s in valid),
        "discounts": sum(s.discount_clp for s in valid),
        "net": sum(s.net_clp for s in valid),
        "iva": sum(s.iva_clp for s in valid),
        "ila": sum(s.ila_clp for s in valid),
        "exempt": sum(s.exempt_clp for s in valid),
        "by_method": dict(by_method),
        "voided": [s for s in sales if s.status == Sale.Status.VOIDED],
        "numbers": sorted(s.number for s in sales),
        "expected_cash": session.opening_float_clp + by_method["efectivo"] + cash_in - cash_out,
        "cash_in": cash_in,
        "cash_out": cash_out,
    }


def assert_report_matches(report, sums) -> None:
    assert report.ticket_count == sums["tickets"]
    assert report.sales_total_clp == sums["total"]
    assert report.cash_rounding_clp == sums["rounding"]
    assert report.discounts_clp == sums["discounts"]
    assert (report.net_clp, report.iva_clp, report.ila_clp, report.exempt_clp) == (
        sums["net"],
        sums["iva"],
        sums["ila"],
        sums["exempt"],
    )
    assert {m.method: m.amount_clp for m in report.by_method if m.amount_clp} == sums["by_method"]
    assert report.payments_total_clp == sums["total"] + sums["rounding"]
    assert report.charged_total_clp == report.payments_total_clp
    assert report.voided_count == len(sums["voided"])
    assert report.voided_total_clp == sum(s.total_clp for s in sums["voided"])
    assert report.cash_in_clp == sums["cash_in"]
    assert report.cash_out_clp == sums["cash_out"]
    assert report.expected_cash_clp == sums["expected_cash"]
    (series,) = report.by_series
    assert (series.first_number, series.last_number) == (sums["numbers"][0], sums["numbers"][-1])
    assert series.count == len(sums["numbers"])
    assert series.total_clp == sums["total"]


def test_x_and_z_equal_the_sum_of_the_sessions_documents(terminal, supervisor):
    # given a session with every kind of payment, discounts, rounding both ways and voids
    mixed = build_mixed_session(terminal)
    session = mixed.session
    sums = independent_sums(session)
    # the scenario really has what it claims
    roundings = {s.cash_rounding_clp for s in mixed.sales}
    assert {-4, 3} <= roundings
    assert set(sums["by_method"]) == {
        "efectivo",
        "debito",
        "credito",
        "transferencia",
        "cuenta_corriente",
    }
    assert sums["discounts"] == 150 and len(sums["voided"]) == 1

    # when the X is read mid-shift, then it adds up
    x = cash_report_compute(session=session)
    assert not x.is_z
    assert_report_matches(x, sums)
    # float 20.000 + cash 1.230 + 1.240 + 3.220 + 6.070 + 1.240 + ingreso 5.000 − egreso 3.000
    assert x.expected_cash_clp == 20_000 + 1230 + 1240 + 3220 + 6070 + 1240 + 5000 - 3000
    assert x.cash_rounding_clp == -4 + 3 - 4 - 4 + 3

    # when the session closes with a count, then the Z holds the same figures
    z = cash_session_close(
        session=session, user=supervisor, counts={"20000": 1, "10000": 1, "5000": 1, "100": 3}
    )
    report = cash_report_from_z(z=ZReport.objects.get(pk=z.pk))
    assert report.is_z and report.z_number == 1
    assert_report_matches(report, sums)
    assert z.counted_cash_clp == 35_300
    assert z.difference_clp == 35_300 - sums["expected_cash"]
    assert z.ticket_count == sums["tickets"] and z.sales_total_clp == sums["total"]


def test_empty_session_reports_zeros(terminal, supervisor):
    session = CashSession.objects.get(terminal=terminal)
    x = cash_report_compute(session=session)
    assert x.ticket_count == 0 and x.sales_total_clp == 0 and x.by_series == ()
    assert x.expected_cash_clp == 20_000
    assert [m.amount_clp for m in x.by_method] == [0, 0, 0, 0, 0]
    z = cash_session_close(session=session, user=supervisor, counts={"10000": 2})
    assert z.difference_clp == 0


def test_contributors_add_documents_and_cash_refunds(terminal, supervisor):
    """The extension point for credit notes: a contributor's cash out lowers the
    expected cash and its figures are stored in the Z."""
    session = CashSession.objects.get(terminal=terminal)

    def refunds(*, session_id, using):
        if session_id != session.pk:
            return None
        return Contribution(
            key="notas_credito",
            label="Notas de crédito",
            count=1,
            total_clp=1500,
            cash_out_clp=1500,
            by_method={"efectivo": 1500},
        )

    register_report_contributor(refunds)
    try:
        x = cash_report_compute(session=session)
        assert x.cash_refunds_clp == 1500
        assert x.expected_cash_clp == 20_000 - 1500
        z = cash_session_close(session=session, user=supervisor, counts={"10000": 1, "5000": 1})
        assert z.data["contributions"][0]["key"] == "notas_credito"
        assert cash_report_from_z(z=z).cash_refunds_clp == 1500
    finally:
        REPORT_CONTRIBUTORS.remove(refunds)
