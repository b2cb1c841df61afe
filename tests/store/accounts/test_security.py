"""Login throttling: the brute-force attack on ``admin``, the per-address limit, the
doubling lock, the owner's unlock (back office and console) and the security log."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from itplus.store.accounts.approvals import MAX_PIN_FAILURES, ApprovalRefused, approval_grant
from itplus.store.accounts.models import LockScope, LoginLock, SecurityEvent, SecurityEventKind
from itplus.store.accounts.permissions import PermissionRefused
from itplus.store.accounts.security import (
    FIRST_LOCK,
    MAX_ACCOUNT_FAILURES,
    MAX_ADDRESS_FAILURES,
    login_unlock,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db

PASSWORD = "clave-segura-1"  # tests.factories.make_user's password
LOCKED_ACCOUNT = (
    "Cuenta bloqueada por intentos fallidos; pida al administrador que la desbloquee "
    "o espere 15 minutos."
)


def _kinds(**filters) -> list[str]:
    return list(SecurityEvent.objects.filter(**filters).values_list("kind", flat=True))


def _post_login(client, username, password, *, url="/login/", ip="127.0.0.1"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def owner(db):
    return make_user(role="administrador", username="admin")


def test_300_wrong_passwords_lock_the_account_and_refuse_the_right_one(client, owner):
    """The attack: 300 wrong passwords for ``admin`` as fast as possible, then the right
    one. It used to be accepted; now the account locks at the limit."""
    started = time.monotonic()
    for n in range(300):
        response = _post_login(client, "admin", f"adivinanza-{n}")
        assert response.status_code == 200
    elapsed = time.monotonic() - started

    # then: the right password is refused while locked, with the Spanish message
    response = _post_login(client, "admin", PASSWORD)
    assert response.status_code == 200
    assert LOCKED_ACCOUNT in response.text
    assert not _logged_in(client)

    # and only the first five passwords were ever checked; the rest were refused unread
    events = _kinds(username="admin")
    assert events.count(SecurityEventKind.LOGIN_FAILED) == MAX_ACCOUNT_FAILURES
    assert events.count(SecurityEventKind.LOCKED) == 1
    assert events.count(SecurityEventKind.LOGIN_REFUSED) == 300 - MAX_ACCOUNT_FAILURES + 1
    assert SecurityEventKind.LOGIN_OK not in events
    lock = LoginLock.objects.get(scope=LockScope.ACCOUNT, key="admin")
    assert lock.locked_until - timezone.now() > FIRST_LOCK - timedelta(minutes=1)
    print(f"300 attempts in {elapsed:.1f} s")

    # when the owner lifts the lock from the console, the right password lets her in
    call_command("unlock", "admin")
    response = _post_login(client, "admin", PASSWORD)
    assert response.status_code == 302
    assert _logged_in(client)
    assert _kinds(kind=SecurityEventKind.UNLOCKED) == [SecurityEventKind.UNLOCKED]
    assert _kinds(kind=SecurityEventKind.LOGIN_OK, username="admin") == ["ingreso"]


def test_the_admin_login_page_is_throttled_too(client, owner):
    for n in range(MAX_ACCOUNT_FAILURES):
        _post_login(client, "admin", f"mala-{n}", url="/admin/login/")

    response = _post_login(client, "admin", PASSWORD, url="/admin/login/")

    assert response.status_code == 200
    assert LOCKED_ACCOUNT in response.text
    assert not _logged_in(client)
    # one count for both pages: the till's login is locked as well
    assert LOCKED_ACCOUNT in _post_login(client, "Admin ", PASSWORD).text


def test_an_account_name_that_does_not_exist_is_counted_and_locked_the_same(client):
    for n in range(MAX_ACCOUNT_FAILURES + 1):
        response = _post_login(client, "nadie", f"x{n}")
    assert LOCKED_ACCOUNT in response.text


def test_the_limit_counts_failures_in_a_row_a_login_starts_the_count_again(client, cashier):
    for n in range(MAX_ACCOUNT_FAILURES - 1):
        _post_login(client, cashier.username, f"mala-{n}")
    assert _post_login(client, cashier.username, PASSWORD).status_code == 302
    client.logout()
    for n in range(MAX_ACCOUNT_FAILURES - 1):
        _post_login(client, cashier.username, f"otra-{n}")

    assert _post_login(client, cashier.username, PASSWORD).status_code == 302
    assert not SecurityEvent.objects.filter(kind=SecurityEventKind.LOCKED).exists()


def test_one_address_guessing_across_accounts_is_locked_at_its_own_limit(client, cashier):
    # given 20 wrong passwords from one address, each for a different account
    for n in range(MAX_ADDRESS_FAILURES):
        _post_login(client, f"cuenta{n}", "mala", ip="10.0.0.66")

    # then that address is refused even with a real account's right password
    response = _post_login(client, cashier.username, PASSWORD, ip="10.0.0.66")
    assert "Demasiados intentos fallidos desde este equipo (10.0.0.66)" in response.text
    assert "espere 15 minutos" in response.text
    assert not _logged_in(client)
    assert LoginLock.objects.get(scope=LockScope.ADDRESS, key="10.0.0.66").locked_until
    # while the same account from another till logs in
    assert _post_login(client, cashier.username, PASSWORD, ip="10.0.0.7").status_code == 302

    # when the owner lifts the address's lock, it may try again
    login_unlock(scope=LockScope.ADDRESS, key="10.0.0.66", by=None)
    client.logout()
    assert _post_login(client, cashier.username, PASSWORD, ip="10.0.0.66").status_code == 302


def _lock_expires(key: str) -> None:
    """Let the current lock run out: what 15 minutes of waiting would do."""
    past = timezone.now() - timedelta(seconds=1)
    LoginLock.objects.filter(scope=LockScope.ACCOUNT, key=key).update(locked_until=past)


def test_each_lock_in_a_row_lasts_twice_the_one_before(client, cashier):
    lengths = []
    for _round in range(3):
        for n in range(MAX_ACCOUNT_FAILURES):
            _post_login(client, cashier.username, f"mala-{n}")
        lock = LoginLock.objects.get(scope=LockScope.ACCOUNT, key=cashier.username)
        lengths.append(round((lock.locked_until - timezone.now()).total_seconds() / 60))
        _lock_expires(cashier.username)

    assert lengths == [15, 30, 60]
    # once the lock has run out, the right password is accepted again
    assert _post_login(client, cashier.username, PASSWORD).status_code == 302
    # and a login forgets the locks in a row: the next lock is 15 minutes again
    client.logout()
    for n in range(MAX_ACCOUNT_FAILURES):
        _post_login(client, cashier.username, f"mala-{n}")
    assert LOCKED_ACCOUNT in _post_login(client, cashier.username, PASSWORD).text


def test_the_owner_unlocks_an_account_in_the_back_office(client, cashier):
    for n in range(MAX_ACCOUNT_FAILURES):
        _post_login(client, cashier.username, f"mala-{n}")
    lock = LoginLock.objects.get(scope=LockScope.ACCOUNT, key=cashier.username)
    owner = make_user(role="administrador")
    client.force_login(owner)

    # the list shows the lock, in Spanish
    page = client.get("/admin/accounts/loginlock/?vigente=1")
    assert page.status_code == 200
    assert cashier.username in page.text and "Desbloquear los seleccionados" in page.text

    response = client.post(
        "/admin/accounts/loginlock/",
        {"action": "unlock", "_selected_action": [lock.pk]},
        follow=True,
    )
    assert "1 bloqueo levantado." in response.text
    lock.refresh_from_db()
    assert lock.locked_until is None
    unlock = SecurityEvent.objects.get(kind=SecurityEventKind.UNLOCKED)
    assert (unlock.username, unlock.actor) == (cashier.username, owner)

    client.logout()
    assert _post_login(client, cashier.username, PASSWORD).status_code == 302


def test_the_security_log_is_read_only_and_only_for_the_administrator(client, cashier):
    _post_login(client, cashier.username, "mala")
    event = SecurityEvent.objects.get()
    supervisor = make_user(role="supervisor")
    client.force_login(supervisor)
    assert client.get("/admin/accounts/securityevent/").status_code == 403
    assert client.get("/admin/accounts/loginlock/").status_code == 403

    client.force_login(make_user(role="administrador"))
    page = client.get("/admin/accounts/securityevent/")
    assert page.status_code == 200
    assert "Eventos de seguridad" in page.text and "Clave incorrecta" in page.text
    assert "127.0.0.1" in page.text
    detail = client.get(f"/admin/accounts/securityevent/{event.pk}/change/")
    assert detail.status_code == 200 and 'name="username"' not in detail.text
    assert client.get("/admin/accounts/securityevent/add/").status_code == 403


def test_only_an_administrator_may_lift_a_lock(cashier):
    for scope_key in [cashier.username]:
        LoginLock.objects.create(scope=LockScope.ACCOUNT, key=scope_key)
    with pytest.raises(PermissionRefused):
        login_unlock(scope=LockScope.ACCOUNT, key=cashier.username, by=make_user(role="supervisor"))
    assert not SecurityEvent.objects.exists()


def test_the_console_lists_locks_and_refuses_an_unknown_account(client, cashier, capsys):
    call_command("unlock")
    assert "No hay cuentas ni direcciones bloqueadas." in capsys.readouterr().out
    for n in range(MAX_ACCOUNT_FAILURES):
        _post_login(client, cashier.username, f"mala-{n}")

    call_command("unlock")
    assert f"Cuenta {cashier.username}: bloqueada hasta" in capsys.readouterr().out
    with pytest.raises(CommandError, match="no tiene intentos fallidos"):
        call_command("unlock", "desconocida")
    call_command("unlock", "--ip", "127.0.0.1")
    assert "Dirección 127.0.0.1 desbloqueada." in capsys.readouterr().out


def test_wrong_pins_and_the_pin_lock_are_security_events_the_owner_can_lift(
    client, terminal, supervisor, cashier
):
    def grant(pin: str):
        return approval_grant(pin=pin, action="descuento", requested_by=cashier, terminal=terminal)

    for n in range(MAX_PIN_FAILURES + 1):
        with pytest.raises(ApprovalRefused):
            grant(f"{n:04d}")

    events = _kinds(terminal=terminal)
    assert events.count(SecurityEventKind.PIN_FAILED) == MAX_PIN_FAILURES
    assert events.count(SecurityEventKind.PIN_LOCKED) == 1
    assert events.count(SecurityEventKind.PIN_REFUSED) == 1
    pin_lock = SecurityEvent.objects.get(kind=SecurityEventKind.PIN_LOCKED)
    assert pin_lock.username == cashier.username and pin_lock.locked_until > timezone.now()
    with pytest.raises(ApprovalRefused, match="Demasiados PIN incorrectos"):
        grant("4321")  # the right PIN, refused while locked

    # when the owner lifts it from the security log
    client.force_login(make_user(role="administrador"))
    response = client.post(
        "/admin/accounts/securityevent/",
        {"action": "unlock", "_selected_action": [pin_lock.pk]},
        follow=True,
    )
    assert "1 bloqueo levantado." in response.text
    assert _kinds(kind=SecurityEventKind.PIN_UNLOCKED) == [SecurityEventKind.PIN_UNLOCKED]
    # then the supervisor's PIN works at that till again
    assert grant("4321").approved_by == supervisor
