"""Cash services: opening, movements, closing — and every refusal changes nothing."""

from __future__ import annotations

import pytest
from django.db import transaction

from itplus.core.numbers import InvalidNumber
from itplus.store.accounts.approvals import ApprovalRefused, approval_grant
from itplus.store.accounts.models import Approval, ApprovalAction
from itplus.store.cash.models import CashMovement, CashSession, ZCounter, ZReport
from itplus.store.cash.services import (
    _AFTER_SESSION_CLOSE,
    CashInputError,
    CashSessionError,
    SessionClosed,
    cash_count_parse,
    cash_movement_record,
    cash_session_close,
    cash_session_open,
    cash_session_open_authorized,
    register_after_session_close,
)
from itplus.store.sales.models import Sale
from itplus.store.sales.services import sale_complete
from tests.factories import make_product, make_sale, make_terminal, sale_input

pytestmark = pytest.mark.django_db

OUT = CashMovement.Kind.OUT
IN = CashMovement.Kind.IN


def snapshot() -> tuple:
    """Row counts and the Z counter: what a refused call must leave untouched."""
    counter = ZCounter.objects.filter(code="z").values_list("next_number", "last_hash").first()
    return (
        CashSession.objects.count(),
        CashSession.objects.filter(status="abierta").count(),
        CashMovement.objects.count(),
        ZReport.objects.count(),
        Approval.objects.filter(used_at__isnull=False).count(),
        counter,
    )


@pytest.fixture
def session(terminal) -> CashSession:
    return CashSession.objects.get(terminal=terminal, status="abierta")


# --- opening -------------------------------------------------------------------------


def test_supervisor_opens_without_pin(supervisor):
    terminal = make_terminal(open_session=False)
    session = cash_session_open_authorized(
        terminal=terminal, user=supervisor, opening_float_clp=30_000
    )
    assert session.is_open and session.opening_float_clp == 30_000
    assert session.opened_by == supervisor and session.opening_approval is None


def test_cashier_opens_with_a_supervisor_pin_approval_used_once(cashier, supervisor):
    terminal = make_terminal(open_session=False)
    approval = approval_grant(
        pin="4321", action=ApprovalAction.OPEN_CASH, requested_by=cashier, terminal=terminal
    )
    session = cash_session_open_authorized(
        terminal=terminal, user=cashier, opening_float_clp=10_000, approval_id=approval.pk
    )
    approval.refresh_from_db()
    assert session.opening_approval == approval and approval.used_at is not None
    # the same approval cannot open another terminal
    other = make_terminal(open_session=False)
    before = snapshot()
    with pytest.raises(ApprovalRefused, match="ya fue usada"):
        cash_session_open_authorized(
            terminal=other, user=cashier, opening_float_clp=0, approval_id=approval.pk
        )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("approval_action", "message"),
    [
        (None, "requiere la autorización de un supervisor"),
        (ApprovalAction.DISCOUNT, "no para «Apertura de caja»"),
    ],
)
def test_cashier_cannot_open_without_the_right_approval(
    cashier, supervisor, approval_action, message
):
    terminal = make_terminal(open_session=False)
    approval_id = None
    if approval_action:
        approval_id = approval_grant(
            pin="4321", action=approval_action, requested_by=cashier, terminal=terminal
        ).pk
    before = snapshot()
    with pytest.raises(ApprovalRefused, match=message):
        cash_session_open_authorized(
            terminal=terminal, user=cashier, opening_float_clp=0, approval_id=approval_id
        )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (-1, "no admite valores negativos"),
        ("mil", "no es un número"),
        (10.5, "no llevan decimales"),
        ("1.000,5", "no llevan decimales"),
        (10**13, r"el máximo es \$1\.000\.000\.000\.000"),
    ],
)
def test_bad_float_is_refused(supervisor, amount, message):
    terminal = make_terminal(open_session=False)
    before = snapshot()
    with pytest.raises(InvalidNumber, match=message):
        cash_session_open_authorized(terminal=terminal, user=supervisor, opening_float_clp=amount)
    assert snapshot() == before


def test_second_open_session_is_refused(terminal, supervisor):
    before = snapshot()
    with pytest.raises(CashSessionError, match="ya tiene una sesión abierta"):
        cash_session_open(terminal=terminal, user=supervisor, opening_float_clp=0)
    assert snapshot() == before


def test_no_sale_without_an_open_session(cashier, product):
    terminal = make_terminal(open_session=False)
    with pytest.raises(SessionClosed, match="no está abierta: abra la caja"):
        sale_complete(terminal=terminal, cashier=cashier, data=sale_input([product]))
    assert Sale.objects.count() == 0


# --- movements -----------------------------------------------------------------------


def test_movements_are_recorded_with_reason_and_user(session, cashier, supervisor):
    entry = cash_movement_record(
        session=session, kind=IN, amount_clp=5000, reason="  Sencillo  ", user=cashier
    )
    out = cash_movement_record(
        session=session, kind=OUT, amount_clp="25000", reason="Pago a proveedor", user=supervisor
    )
    assert (entry.reason, entry.signed_amount_clp, entry.user) == ("Sencillo", 5000, cashier)
    assert out.signed_amount_clp == -25000  # float 20.000 + 5.000 in: exactly all of it


@pytest.mark.parametrize(
    ("kind", "amount", "reason", "message"),
    [
        (OUT, 0, "Pago", "mayor que cero"),
        (OUT, -500, "Pago", "no admite valores negativos"),
        (IN, "diez", "Sencillo", "no es un número"),
        (IN, 1.5, "Sencillo", "no llevan decimales"),
        (IN, "1,000", "Sencillo", "ambiguo"),
        (OUT, 1000, "", "Indique el motivo"),
        (OUT, 1000, "   ", "Indique el motivo"),
        (OUT, 1000, "x" * 201, "hasta 200"),
        ("retiro", 1000, "Pago", "desconocido"),
        (OUT, 20_001, "Pago a proveedor", "supera el efectivo"),
    ],
)
def test_bad_movements_are_refused_and_change_nothing(
    session, supervisor, kind, amount, reason, message
):
    before = snapshot()
    with pytest.raises((CashSessionError, InvalidNumber), match=message):
        cash_movement_record(
            session=session, kind=kind, amount_clp=amount, reason=reason, user=supervisor
        )
    assert snapshot() == before


def test_egreso_limit_follows_cash_sales_and_movements(session, terminal, cashier, supervisor):
    make_sale(
        terminal=terminal, cashier=cashier, products=[make_product(price_clp=1234)]
    )  # cash 1.230
    cash_movement_record(
        session=session, kind=OUT, amount_clp=21_000, reason="Depósito", user=supervisor
    )
    with pytest.raises(CashSessionError, match=r"supera el efectivo.*\$230"):
        cash_movement_record(
            session=session, kind=OUT, amount_clp=231, reason="Depósito", user=supervisor
        )
    cash_movement_record(
        session=session, kind=OUT, amount_clp=230, reason="Depósito", user=supervisor
    )


def test_a_cashiers_egreso_needs_an_approval_for_its_amount(session, terminal, cashier, supervisor):
    def take_out(amount, approval_id=None):
        return cash_movement_record(
            session=session,
            kind=OUT,
            amount_clp=amount,
            reason="Pago a proveedor",
            user=cashier,
            approval_id=approval_id,
        )

    approval = approval_grant(
        pin="4321",
        action=ApprovalAction.CASH_OUT,
        requested_by=cashier,
        terminal=terminal,
        amount_clp=5_000,
    )
    before = snapshot()
    with pytest.raises(ApprovalRefused, match="«Egreso de caja» requiere la autorización"):
        take_out(5_000)
    with pytest.raises(ApprovalRefused, match=r"cubre hasta \$5\.000 y se piden \$5\.010"):
        take_out(5_010, approval.pk)
    assert snapshot() == before

    movement = take_out(5_000, approval.pk)
    assert movement.approval == approval
    with pytest.raises(ApprovalRefused, match="ya fue usada"):
        take_out(1_000, approval.pk)
    # an ingreso needs nobody
    cash_movement_record(session=session, kind=IN, amount_clp=100, reason="Sencillo", user=cashier)


def test_movement_on_a_closed_session_is_refused(session, supervisor):
    cash_session_close(session=session, user=supervisor, counts={"10000": 2})
    before = snapshot()
    with pytest.raises(SessionClosed, match="ya está cerrada"):
        cash_movement_record(
            session=session, kind=IN, amount_clp=100, reason="Sencillo", user=supervisor
        )
    assert snapshot() == before


# --- closing -------------------------------------------------------------------------


@pytest.fixture
def after_close_calls():
    """A hook of the test's own registered with cash, as maintenance registers its backup."""
    calls: list[int] = []

    def record(z) -> None:
        calls.append(z.number)

    register_after_session_close(record)
    yield calls
    _AFTER_SESSION_CLOSE.remove(record)


def test_close_records_the_count_and_the_difference(
    session, supervisor, django_capture_on_commit_callbacks, after_close_calls
):
    with django_capture_on_commit_callbacks(execute=True):
        z = cash_session_close(
            session=session,
            user=supervisor,
            counts={"10000": 1, "5000": 1, "1000": 4, "500": 1, "10": 3},
        )
    session.refresh_from_db()
    assert session.status == "cerrada" and session.closed_by == supervisor and session.closed_at
    assert z.expected_cash_clp == 20_000
    assert z.counted_cash_clp == 19_530 and z.difference_clp == -470  # faltante
    assert (
        z.counts["10000"] == 1
        and z.counts["20000"] == 0
        and set(z.counts) == {"20000", "10000", "5000", "2000", "1000", "500", "100", "50", "10"}
    )
    assert after_close_calls == [z.number]  # the registered hooks, after commit


def test_after_close_hooks_wait_for_the_commit(session, supervisor, after_close_calls):
    with transaction.atomic():
        cash_session_close(session=session, user=supervisor, counts={})
        assert after_close_calls == []  # not before the session's close has committed


def test_close_without_hooks_for_history_loads(
    session, supervisor, django_capture_on_commit_callbacks, after_close_calls
):
    with django_capture_on_commit_callbacks(execute=True):
        cash_session_close(session=session, user=supervisor, counts={}, run_hooks=False)
    assert after_close_calls == []


def test_z_numbers_are_gapless_and_chained(supervisor):
    zs = []
    for _ in range(3):
        terminal = make_terminal()
        zs.append(
            cash_session_close(
                session=CashSession.objects.get(terminal=terminal), user=supervisor, counts={}
            )
        )
    assert [z.number for z in zs] == [1, 2, 3]
    assert zs[1].previous_hash == zs[0].chain_hash and zs[2].previous_hash == zs[1].chain_hash
    counter = ZCounter.objects.get(code="z")
    assert counter.next_number == 4 and counter.last_hash == zs[2].chain_hash


def test_closing_twice_is_refused(session, supervisor):
    z = cash_session_close(session=session, user=supervisor, counts={"20000": 1})
    before = snapshot()
    with pytest.raises(SessionClosed, match=f"ya está cerrada \\(informe Z N° {z.number}\\)"):
        cash_session_close(session=session, user=supervisor, counts={"20000": 1})
    assert snapshot() == before


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({"1000": -1}, "no admite valores negativos"),
        ({"1000": "dos"}, "no es un número"),
        ({"1000": 1.5}, "número entero"),
        ({"1000": "1.500"}, "ambiguo"),
        ({"1000": True}, "no es un número"),
        ({"3000": 1}, "Denominación desconocida"),
        ({"billete": 1}, "Denominación desconocida"),
        ({"5": 2}, "ya no circulan"),
        ({"1": 1}, "ya no circulan"),
        ({"100": 10**7}, "el máximo es 999999"),
        (["1000", 2], "por denominación"),
    ],
)
def test_bad_counts_are_refused_and_change_nothing(session, supervisor, counts, message):
    before = snapshot()
    with pytest.raises((CashInputError, InvalidNumber), match=message):
        cash_session_close(session=session, user=supervisor, counts=counts)
    assert snapshot() == before
    session.refresh_from_db()
    assert session.is_open


def test_count_parse_accepts_retired_coins_as_zero_and_blanks():
    parsed = cash_count_parse({"$20.000": "2", "500": "", "5": 0, "1": "0", 100: 7})
    assert parsed[20000] == 2 and parsed[500] == 0 and parsed[100] == 7
    assert 5 not in parsed and 1 not in parsed


def test_sale_after_close_is_refused(session, terminal, supervisor, cashier, product):
    cash_session_close(session=session, user=supervisor, counts={})
    with pytest.raises(SessionClosed):
        make_sale(terminal=terminal, cashier=cashier, products=[product])


def test_a_new_session_after_close_starts_empty(session, terminal, supervisor, cashier, product):
    make_sale(terminal=terminal, cashier=cashier, products=[product])
    cash_session_close(session=session, user=supervisor, counts={})
    new = cash_session_open(terminal=terminal, user=supervisor, opening_float_clp=15_000)
    make_sale(terminal=terminal, cashier=cashier, products=[product])
    z = cash_session_close(
        session=new,
        user=supervisor,
        counts={"10000": 1, "5000": 1, "1000": 1, "100": 1, "50": 1, "10": 4},
    )
    assert z.ticket_count == 1 and z.number == 2
    assert z.expected_cash_clp == 15_000 + 1190 and z.difference_clp == 0
