"""Pairing codes (single use, expiry, throttling), revocation and its hooks, heartbeat."""

from datetime import timedelta

import pytest
from django.utils import timezone

from itplus.store.terminals import services
from itplus.store.terminals.models import PairingCode, Terminal
from itplus.store.terminals.services import (
    MAX_PAIRING_FAILURES,
    PairingCodeRefused,
    PairingThrottled,
    browser_code_create,
    browser_code_redeem,
    pairing_code_create,
    pairing_code_format,
    register_after_revoke,
    terminal_authenticate,
    terminal_heartbeat,
    terminal_pair_with_code,
    terminal_revoke,
)
from tests.factories import make_terminal, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return make_user(role="administrador")


def test_a_code_pairs_once_and_gives_a_new_token(terminal, owner):
    row, code = pairing_code_create(terminal_id=terminal.pk, by=owner)
    assert len(code) == 8 and row.code_hash != code  # only the hash is kept
    paired, token = terminal_pair_with_code(
        code=pairing_code_format(code).lower(), address="10.0.0.5"
    )
    assert paired == terminal
    assert terminal_authenticate(token=token) == terminal
    assert terminal_authenticate(token=terminal.token) is None  # the old PC is unpaired
    row.refresh_from_db()
    assert row.used_at is not None and row.used_from == "10.0.0.5"
    with pytest.raises(PairingCodeRefused, match="ya fue usado"):
        terminal_pair_with_code(code=code, address="10.0.0.5")


def test_an_expired_code_is_refused_in_spanish(terminal, owner):
    row, code = pairing_code_create(terminal_id=terminal.pk, by=owner)
    PairingCode.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(PairingCodeRefused, match="venció"):
        terminal_pair_with_code(code=code, address="10.0.0.5")
    assert terminal_authenticate(token=terminal.token) == terminal  # nothing changed


def test_wrong_codes_are_throttled_per_address_even_the_right_one(terminal, owner):
    _row, code = pairing_code_create(terminal_id=terminal.pk, by=owner)
    for _i in range(MAX_PAIRING_FAILURES):
        with pytest.raises(PairingCodeRefused, match="no es válido"):
            terminal_pair_with_code(code="AAAA-AAAA", address="10.0.0.9")
    with pytest.raises(PairingThrottled, match="Demasiados códigos equivocados"):
        terminal_pair_with_code(code=code, address="10.0.0.9")
    # Another address is not held up by this one's guesses.
    _terminal, token = terminal_pair_with_code(code=code, address="10.0.0.10")
    assert terminal_authenticate(token=token) == terminal


def test_revoke_stops_the_token_at_once_and_calls_the_hooks(terminal, owner, monkeypatch):
    seen = []
    monkeypatch.setattr(services, "_after_revoke", [])
    register_after_revoke(lambda *, terminal, reason: seen.append((terminal.pk, reason)))
    _row, code = pairing_code_create(terminal_id=terminal.pk, by=owner)
    terminal_revoke(terminal_id=terminal.pk, by=owner)
    assert terminal_authenticate(token=terminal.token) is None
    assert seen == [(terminal.pk, f"Terminal revocada por {owner.username}")]
    with pytest.raises(PairingCodeRefused):  # its codes die with it
        terminal_pair_with_code(code=code, address="10.0.0.5")
    # A new code pairs it again, with a new token.
    _row, code = pairing_code_create(terminal_id=terminal.pk, by=owner)
    _terminal, token = terminal_pair_with_code(code=code, address="10.0.0.5")
    assert terminal_authenticate(token=token) == terminal
    assert Terminal.objects.get(pk=terminal.pk).revoked_at is None


def test_a_failing_hook_rolls_the_revocation_back(terminal, owner, monkeypatch):
    def refuse(*, terminal, reason):
        raise RuntimeError("no")

    monkeypatch.setattr(services, "_after_revoke", [refuse])
    with pytest.raises(RuntimeError):
        terminal_revoke(terminal_id=terminal.pk, by=owner)
    assert terminal_authenticate(token=terminal.token) == terminal


def test_a_browser_code_hands_over_the_token_once():
    terminal = make_terminal(open_session=False)
    code = browser_code_create(terminal=terminal, token=terminal.token)
    assert browser_code_redeem(code=code, address=None) == (terminal, terminal.token)
    assert PairingCode.objects.get(kind="navegador").token == ""  # forgotten once used
    with pytest.raises(PairingCodeRefused):
        browser_code_redeem(code=code, address=None)
    # A terminal code is not a browser code, nor the other way round.
    _row, owner_code = pairing_code_create(terminal_id=terminal.pk, by=None)
    with pytest.raises(PairingCodeRefused):
        browser_code_redeem(code=owner_code, address=None)


def test_heartbeat_records_version_queue_address_and_time(terminal):
    terminal_heartbeat(
        terminal=terminal, version="1.4.0", pending_offline_sales=3, address="10.0.0.7"
    )
    terminal.refresh_from_db()
    assert (terminal.version, terminal.pending_offline_sales, terminal.last_seen_ip) == (
        "1.4.0",
        3,
        "10.0.0.7",
    )
    assert timezone.now() - terminal.last_seen_at < timedelta(seconds=5)
