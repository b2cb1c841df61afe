"""Staff roles and supervisor approvals by PIN: who approved what, for whom, where and
until when — and every way to misuse one, refused by ``approval_consume``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from itplus.core.errors import BusinessError
from itplus.store.accounts.approvals import (
    ApprovalRefused,
    approval_consume,
    approval_grant,
    find_approver,
)
from itplus.store.accounts.models import Approval, PinFailure, Role, StaffProfile
from itplus.store.accounts.permissions import staff_role
from itplus.store.config import config_section_set
from tests.factories import make_sale, make_terminal, make_user


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
    with pytest.raises(ApprovalRefused) as error:
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
        with pytest.raises(ApprovalRefused, match="PIN de supervisor incorrecto"):
            approval_grant(
                pin="0000",
                action="descuento",
                requested_by=cashier,
                terminal=terminal,
                max_percent=10,
            )

    # even the right PIN is refused now, with a message saying why
    with pytest.raises(ApprovalRefused, match="Demasiados PIN incorrectos"):
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
        with pytest.raises(ApprovalRefused):
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


# --- consuming an approval -----------------------------------------------------------


def consume(approval_id, **kwargs):
    with transaction.atomic():
        return approval_consume(approval_id=approval_id, **kwargs)


@pytest.fixture
def granted(supervisor, cashier, terminal):
    """A cash-out approval up to $20.000 given to the cashier at the terminal."""
    return approval_grant(
        pin="4321",
        action="egreso_caja",
        requested_by=cashier,
        terminal=terminal,
        amount_clp=20_000,
    )


def test_an_approval_is_used_once_by_its_requester_at_its_terminal(granted, cashier, terminal):
    # given: the approval is valid for five minutes
    assert timedelta(minutes=4) < granted.expires_at - timezone.now() <= timedelta(minutes=5)

    # when
    used = consume(
        granted.pk,
        action="egreso_caja",
        requested_by=cashier,
        terminal=terminal,
        amount_clp=20_000,
        detail="Pago a proveedor",
    )

    # then
    stored = Approval.objects.get(pk=granted.pk)
    assert used.pk == granted.pk and stored.used_at is not None
    assert stored.detail == "Pago a proveedor"


def _refusal(approval_id, **kwargs):
    before = list(Approval.objects.values_list("pk", "used_at"))
    with pytest.raises(ApprovalRefused) as error:
        consume(approval_id, **kwargs)
    assert error.value.status == 403
    assert list(Approval.objects.values_list("pk", "used_at")) == before  # nothing written
    return error.value


def test_an_approval_from_another_terminal_is_refused(granted, cashier):
    refused = _refusal(
        granted.pk,
        action="egreso_caja",
        requested_by=cashier,
        terminal=make_terminal(),
        amount_clp=1000,
    )
    assert refused.code == "aprobacion_otra_caja"
    assert "otra caja" in refused.message


def test_an_approval_for_another_requester_is_refused(granted, terminal):
    refused = _refusal(
        granted.pk,
        action="egreso_caja",
        requested_by=make_user(role="cajero"),
        terminal=terminal,
        amount_clp=1000,
    )
    assert refused.code == "aprobacion_otra_persona"


@pytest.mark.parametrize("age", [timedelta(minutes=5, seconds=1), timedelta(days=30)])
def test_an_approval_older_than_its_lifetime_is_refused(granted, cashier, terminal, age):
    # given: the approval was given ``age`` ago (five minutes of life)
    created = timezone.now() - age
    Approval.objects.filter(pk=granted.pk).update(
        created_at=created, expires_at=created + timedelta(minutes=5)
    )

    refused = _refusal(
        granted.pk, action="egreso_caja", requested_by=cashier, terminal=terminal, amount_clp=1
    )
    assert refused.code == "aprobacion_vencida"
    assert "venció" in refused.message


def test_an_approval_without_an_expiry_counts_as_expired(granted, cashier, terminal):
    Approval.objects.filter(pk=granted.pk).update(expires_at=None)
    refused = _refusal(
        granted.pk, action="egreso_caja", requested_by=cashier, terminal=terminal, amount_clp=1
    )
    assert refused.code == "aprobacion_vencida"


def test_the_lifetime_comes_from_the_configuration(supervisor, cashier, terminal):
    config_section_set(settings.ITPLUS_HOME, "approvals", {"lifetime_minutes": 1})

    approval = approval_grant(pin="4321", action="anular_linea", requested_by=cashier)

    assert approval.expires_at - approval.created_at < timedelta(minutes=1, seconds=5)


def test_a_used_approval_cannot_be_used_again(granted, cashier, terminal):
    covers = {"action": "egreso_caja", "requested_by": cashier, "terminal": terminal}
    consume(granted.pk, amount_clp=5000, **covers)
    refused = _refusal(granted.pk, amount_clp=5000, **covers)
    assert refused.code == "aprobacion_usada"


@pytest.mark.parametrize(
    ("covers", "code"),
    [
        ({"action": "anular_linea"}, "aprobacion_otra_accion"),
        ({"action": "egreso_caja", "amount_clp": 20_001}, "aprobacion_insuficiente"),
        ({"action": "egreso_caja"}, None),  # the amount is not asked: accepted
    ],
)
def test_an_approval_covers_its_action_and_amount_only(granted, cashier, terminal, covers, code):
    if code is None:
        assert consume(granted.pk, requested_by=cashier, terminal=terminal, **covers)
        return
    refused = _refusal(granted.pk, requested_by=cashier, terminal=terminal, **covers)
    assert refused.code == code


def test_an_approval_covers_its_document_only(supervisor, cashier, terminal, product):
    sale, other = (
        make_sale(terminal=terminal, cashier=cashier, products=[product]) for _ in range(2)
    )
    approval = approval_grant(
        pin="4321", action="reimpresion", requested_by=cashier, terminal=terminal, obj=sale
    )
    refused = _refusal(
        approval.pk, action="reimpresion", requested_by=cashier, terminal=terminal, obj=other
    )
    assert refused.code == "aprobacion_otro_documento"
    assert consume(
        approval.pk, action="reimpresion", requested_by=cashier, terminal=terminal, obj=sale
    )


def test_a_discount_approval_covers_its_percentage(supervisor, cashier, terminal):
    approval = approval_grant(
        pin="4321", action="descuento", requested_by=cashier, terminal=terminal, max_percent=10
    )
    covers = {"action": "descuento", "requested_by": cashier, "terminal": terminal}
    refused = _refusal(approval.pk, percent=11, **covers)
    assert refused.message == "La autorización cubre hasta 10% y el descuento es 11%."
    assert consume(approval.pk, percent=10, **covers)


def test_missing_and_unknown_approvals_are_refused_in_spanish(cashier, terminal):
    covers = {"action": "anular_venta", "requested_by": cashier, "terminal": terminal}
    missing = _refusal(None, **covers)
    assert missing.code == "requiere_aprobacion"
    assert missing.message == (
        "«Anulación de venta» requiere la autorización de un supervisor (PIN)."
    )
    unknown = _refusal(999_999, **covers)
    assert unknown.code == "aprobacion_inexistente"
