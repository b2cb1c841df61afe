"""Back-office cash pages: lists with CSV, session detail, movements (HTMX), blind close,
printable X/Z; cashiers are kept out."""

from __future__ import annotations

import pytest

from itplus.store.cash.models import CashMovement, CashSession, ZReport
from itplus.store.cash.services import cash_session_close
from tests.factories import make_product, make_sale, make_terminal

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(terminal) -> CashSession:
    return CashSession.objects.get(terminal=terminal)


@pytest.fixture
def boss(client, supervisor):
    client.force_login(supervisor)
    return client


def test_lists_are_searchable_filterable_and_export_csv(boss, session, supervisor):
    cash_session_close(session=session, user=supervisor, counts={"20000": 1})
    for name in ("cashsession", "cashmovement", "zreport"):
        url = f"/admin/cash/{name}/"
        assert boss.get(url, {"q": "caja"}).status_code == 200
        csv = boss.get(url + "exportar.csv")
        assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    listing = boss.get("/admin/cash/cashsession/", {"status__exact": "cerrada"}).content.decode()
    assert "Abrir caja" in listing and "Exportar CSV" in listing
    rows = b"".join(boss.get("/admin/cash/zreport/exportar.csv").streaming_content).decode(
        "utf-8-sig"
    )
    assert rows.splitlines()[1].startswith("1;Caja de prueba")


def test_cashier_cannot_use_the_back_office_pages(client, cashier, session):
    client.force_login(cashier)
    assert client.get(f"/gestion/caja/sesiones/{session.pk}/").status_code == 403
    assert client.get(f"/gestion/caja/sesiones/{session.pk}/informe/").status_code == 403  # X
    assert client.post(f"/gestion/caja/sesiones/{session.pk}/cerrar/", {}).status_code == 403
    assert ZReport.objects.count() == 0


def test_movement_from_the_back_office_with_htmx(boss, session):
    url = f"/gestion/caja/sesiones/{session.pk}/"
    bad = boss.post(
        url, {"kind": "egreso", "amount_clp": "90000", "reason": "Pago"}, HTTP_HX_REQUEST="true"
    )
    assert bad.status_code == 400 and "supera el efectivo" in bad.content.decode()
    assert CashMovement.objects.count() == 0
    ok = boss.post(
        url,
        {"kind": "egreso", "amount_clp": "5000", "reason": "Pago a proveedor"},
        HTTP_HX_REQUEST="true",
    )
    html = ok.content.decode()
    assert ok.status_code == 200 and 'id="movements"' in html and "Pago a proveedor" in html
    assert "<html" not in html  # only the partial
    page = boss.get(url).content.decode()
    assert "Informe X" in page and "$15.000" in page


def test_blind_close_from_the_back_office(boss, session, terminal, cashier):
    make_sale(terminal=terminal, cashier=cashier, products=[make_product(price_clp=1234)])
    url = f"/gestion/caja/sesiones/{session.pk}/cerrar/"
    form = boss.get(url).content.decode()
    assert "$20.000" in form  # the bill's label
    assert "21.230" not in form  # blind: the expected amount is not shown
    bad = boss.post(url, {"d1000": "-3"})
    assert bad.status_code == 400 and "no admite valores negativos" in bad.content.decode()
    assert ZReport.objects.count() == 0
    done = boss.post(url, {"d20000": "1", "d1000": "1", "d100": "2"}, follow=True)
    assert "Caja cerrada: informe Z N° 1. Faltante: -$30." in done.content.decode()
    z = ZReport.objects.get()
    assert z.counted_cash_clp == 21_200 and z.difference_clp == -30
    again = boss.post(url, {"d20000": "1"}, follow=True)
    assert "ya está cerrada" in again.content.decode() and ZReport.objects.count() == 1


def test_open_from_the_back_office(boss):
    terminal = make_terminal(open_session=False)
    response = boss.post(
        "/gestion/caja/abrir/", {"terminal": terminal.pk, "opening_float_clp": "-1"}
    )
    assert (
        response.status_code == 400 and CashSession.objects.filter(terminal=terminal).count() == 0
    )
    response = boss.post(
        "/gestion/caja/abrir/", {"terminal": terminal.pk, "opening_float_clp": "30000"}
    )
    assert response.status_code == 302
    assert CashSession.objects.get(terminal=terminal).opening_float_clp == 30_000
    again = boss.post("/gestion/caja/abrir/", {"terminal": terminal.pk, "opening_float_clp": "0"})
    assert "ya tiene una sesión abierta" in again.content.decode()


def test_printable_z_in_80mm_and_a4(client, session, supervisor, cashier):
    cash_session_close(session=session, user=cashier, counts={"10000": 2})
    client.force_login(cashier)  # the cashier who closed sees the Z
    url = f"/gestion/caja/sesiones/{session.pk}/informe/"
    narrow = client.get(url).content.decode()
    assert "INFORME Z N° 1" in narrow and "80mm" in narrow
    assert 'data-method="cuenta_corriente"' in narrow
    wide = client.get(url, {"formato": "a4"}).content.decode()
    assert "cash/report-a4.css" in wide and "report-80mm" not in wide


def test_z_print_without_printer_says_so(boss, session, supervisor):
    cash_session_close(session=session, user=supervisor, counts={})
    response = boss.post(f"/gestion/caja/sesiones/{session.pk}/imprimir-z/", follow=True)
    assert "No hay una impresora" in response.content.decode()


def test_typed_amounts_read_like_every_screen(boss, session):
    url = f"/gestion/caja/sesiones/{session.pk}/"

    boss.post(url, {"kind": "ingreso", "amount_clp": "1.000", "reason": "Sencillo"})
    decimals = boss.post(url, {"kind": "ingreso", "amount_clp": "1.000,5", "reason": "x"})
    ambiguous = boss.post(f"{url}cerrar/", {"d1000": "1.500"})

    assert CashMovement.objects.get().amount_clp == 1000  # not one peso
    assert "los pesos no llevan decimales" in decimals.content.decode()
    assert "$1.000: «1.500» es ambiguo" in ambiguous.content.decode()  # the bill's field
    assert ZReport.objects.count() == 0
