"""Staff roles and supervisor approvals by PIN: who approved what, for whom, and when."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from itplus.core.errors import BusinessError
from itplus.store.accounts.models import Approval, PinFailure, Role, StaffProfile
from itplus.store.accounts.services import (
    ApprovalDenied,
    approval_grant,
    find_approver,
    staff_role,
)
from tests.factories import make_terminal, make_user


@pytest.mark.parametrize(
    ("role", "is_staff", "is_superuser"),
    [("cajero", False, False), ("supervisor", True, False), ("administrador", True, True)],
)
def test_staff_roles(db, role, is_staff, is_superuser):
    user = make_user(role=role)
    assert (user.is_staff, user.is_superuser) == (is_staff, is_superuser)
    assert staff_role(User.objects.get(pk=user.pk)) == role
    assert user.groups.filter(name=role).exists()


def test_pin_is_stored_hashed(supervisor):
    profile = StaffProfile.objects.get(user=supervisor)
    assert profile.pin_hash and "4321" not in profile.pin_hash
    assert profile.check_pin("4321")
    assert not profile.check_pin("1234")


def test_role_of_a_user_without_profile(db):
    assert staff_role(User.objects.create_user("suelto")) == Role.CASHIER
    assert staff_role(User.objects.create_superuser("dueno", password="x")) == Role.ADMIN


def test_find_approver(supervisor):
    admin = make_user(role="administrador", pin="9876")
    assert find_approver(pin="4321").user == supervisor
    assert find_approver(pin="9876").user == admin
    for wrong in ("", "0000", "43210", "abcd", "4321 ", None):
        assert find_approver(pin=wrong) is None


def test_a_cashier_pin_approves_nothing(db):
    make_user(role="cajero", pin="5555")
    assert find_approver(pin="5555") is None


def test_an_inactive_supervisor_approves_nothing(supervisor):
    User.objects.filter(pk=supervisor.pk).update(is_active=False)
    assert find_approver(pin="4321") is None


def test_approval_records_who_what_for_whom_and_when(supervisor, cashier, terminal):
    approval = approval_grant(
        pin="4321",
        action="descuento",
        requested_by=cashier,
        terminal=terminal,
        max_percent=20,
        detail="Cliente frecuente " * 20,
    )

    stored = Approval.objects.get(pk=approval.pk)
    assert stored.approved_by == supervisor
    assert stored.requested_by == cashier
    assert stored.terminal == terminal
    assert stored.action == "descuento" and stored.max_percent == 20
    assert stored.created_at is not None
    assert stored.used_at is None
    assert len(stored.detail) == 200


def test_wrong_pin_records_nothing(supervisor, cashier):
    with pytest.raises(ApprovalDenied) as error:
        approval_grant(pin="0000", action="anular_linea", requested_by=cashier)
    assert error.value.message == "PIN de supervisor incorrecto."
    assert error.value.status == 403
    assert Approval.objects.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"action": "regalar"}, "Acción desconocida: regalar."),
        ({"action": "descuento", "max_percent": 0}, "entre 1 y 100"),
        ({"action": "descuento", "max_percent": -1}, "entre 1 y 100"),
        ({"action": "descuento", "max_percent": 101}, "entre 1 y 100"),
        ({"action": "descuento", "max_percent": 40_000}, "entre 1 y 100"),
    ],
)
def test_impossible_approvals_are_refused_in_spanish(supervisor, cashier, kwargs, message):
    with pytest.raises(BusinessError) as error:
        approval_grant(pin="4321", requested_by=cashier, **kwargs)
    assert message in error.value.message
    assert Approval.objects.count() == 0


def test_five_wrong_pins_lock_approvals_at_that_terminal(supervisor, cashier, terminal):
    for _attempt in range(5):
        with pytest.raises(ApprovalDenied, match="PIN de supervisor incorrecto"):
            approval_grant(
                pin="0000",
                action="descuento",
                requested_by=cashier,
                terminal=terminal,
                max_percent=10,
            )

    # even the right PIN is refused now, with a message saying why
    with pytest.raises(ApprovalDenied, match="Demasiados PIN incorrectos"):
        approval_grant(
            pin="4321", action="descuento", requested_by=cashier, terminal=terminal, max_percent=10
        )
    assert not Approval.objects.exists()

    # another terminal is not affected
    other = make_terminal()
    assert approval_grant(
        pin="4321", action="descuento", requested_by=cashier, terminal=other, max_percent=10
    )


def test_old_failures_do_not_count(supervisor, cashier, terminal):
    for _attempt in range(5):
        with pytest.raises(ApprovalDenied):
            approval_grant(
                pin="0000",
                action="descuento",
                requested_by=cashier,
                terminal=terminal,
                max_percent=10,
            )
    PinFailure.objects.update(created_at=timezone.now() - timedelta(minutes=11))

    assert approval_grant(
        pin="4321", action="descuento", requested_by=cashier, terminal=terminal, max_percent=10
    )


def test_pin_guessing_over_the_api_is_locked(api_client, supervisor):
    codes = [
        api_client.post(
            "/api/v1/approvals",
            {"pin": f"{n:04d}", "action": "descuento", "max_percent": 10},
            content_type="application/json",
        ).status_code
        for n in range(6)
    ]
    assert codes == [403] * 6
    last = api_client.post(
        "/api/v1/approvals",
        {"pin": "4321", "action": "descuento", "max_percent": 10},
        content_type="application/json",
    )
    assert last.status_code == 403
    assert last.json()["code"] == "pin_bloqueado"
