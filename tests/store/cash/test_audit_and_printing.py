"""The audit proves a Z unchanged and equal to its documents; the Z prints in ESC/POS."""

from __future__ import annotations

import pytest
from escpos.printer import Dummy

from itplus.core.audit import run_audit
from itplus.store.cash.models import CashSession, ZCounter, ZReport
from itplus.store.cash.printing import report_lines, z_printout
from itplus.store.cash.reports import cash_report_compute
from itplus.store.cash.services import cash_session_close
from itplus.store.printing.escpos import lines_escpos
from itplus.store.printing.services import printout_bytes
from itplus.store.sales.models import Sale
from tests.factories import make_product, make_sale, make_terminal

pytestmark = pytest.mark.django_db


def z_problems() -> list[tuple[str, str]]:
    return [(p.check, p.document) for p in run_audit().problems if p.check.startswith("z_")]


@pytest.fixture
def two_zs(supervisor, cashier):
    zs = []
    for _ in range(2):
        terminal = make_terminal()
        make_sale(terminal=terminal, cashier=cashier, products=[make_product(price_clp=1234)])
        session = CashSession.objects.get(terminal=terminal)
        zs.append(cash_session_close(session=session, user=supervisor, counts={"20000": 1}))
    return zs


def test_intact_zs_pass_the_audit(two_zs):
    report = run_audit()
    assert z_problems() == []
    assert report.checked["informes Z"] == 2


@pytest.mark.parametrize(
    "edit",
    [
        {"counted_cash_clp": 99_999, "difference_clp": 99_999 - 21_230},  # consistent, but edited
        {"sales_total_clp": 1},
        {"closed_by_id": None},
    ],
)
def test_an_edited_z_is_detected(two_zs, edit, cashier):
    if "closed_by_id" in edit:
        edit = {"closed_by_id": cashier.pk}
    ZReport.objects.filter(pk=two_zs[0].pk).update(**edit)
    assert ("z_cadena", "Informe Z N° 1") in z_problems()


def test_an_edited_detail_is_detected(two_zs):
    z = two_zs[0]
    data = dict(z.data, cash_rounding_clp=0)
    ZReport.objects.filter(pk=z.pk).update(data=data)
    problems = z_problems()
    assert ("z_cadena", "Informe Z N° 1") in problems
    assert ("z_totales", "Informe Z N° 1") in problems


def test_a_document_changed_after_the_close_is_detected(two_zs):
    sale = Sale.objects.get(cash_session=two_zs[1].session)
    Sale.objects.filter(pk=sale.pk).update(status=Sale.Status.VOIDED)
    assert z_problems() == [("z_totales", "Informe Z N° 2")]


def test_a_deleted_z_is_detected(two_zs):
    ZReport.objects.filter(pk=two_zs[0].pk).delete()
    problems = z_problems()
    assert ("z_numeracion", "Informe Z N° 2") in problems
    assert ("z_cadena", "Informe Z N° 2") in problems


def test_counter_rewound_is_detected(two_zs):
    ZCounter.objects.update(next_number=2)
    assert ("z_cadena", "Informes Z") in z_problems()


def test_z_in_escpos(two_zs):
    data = printout_bytes(z_printout(z_id=two_zs[0].pk))
    text = data.decode("cp858", errors="replace")
    assert "INFORME Z N° 1" in text
    assert "Efectivo contado" in text and "$20.000" in text
    assert "Faltante" in text and "-$1.230" in text
    assert data.endswith(b"\x1dVA\x00") or b"\x1dV" in data  # cut


def test_x_lines_render(terminal, cashier):
    make_sale(terminal=terminal, cashier=cashier, products=[make_product(price_clp=1237)])
    report = cash_report_compute(session=CashSession.objects.get(terminal=terminal))
    printer = Dummy()
    lines_escpos(printer, report_lines(report), width=32)
    text = printer.output.decode("cp858", errors="replace")
    assert "INFORME X (NO FISCAL)" in text and "Redondeo Ley 20.956" in text and "+$3" in text
