"""Terminals: creation (with a one-time token), token authentication, pairing with a
one-time code, the till's heartbeat, and revocation.

Pairing codes (``PairingCode``) are short (8 characters of an alphabet without look-alikes,
shown as ``ABCD-EFGH``), expire after ``PAIRING_CODE_LIFETIME`` and are used once; only
their hash is stored. Wrong codes are counted per address and across all addresses
(``PairingThrottle``, locked while counted, committed before the refusal), so a code
cannot be guessed: ``MAX_PAIRING_FAILURES`` per address or ``MAX_PAIRING_FAILURES_ALL``
in all within ``PAIRING_FAILURE_WINDOW`` refuse every code until the window ends.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.core.errors import BusinessError
from itplus.store.terminals.models import (
    PairingCode,
    PairingCodeKind,
    PairingThrottle,
    Terminal,
    hash_token,
)

PAIRING_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
PAIRING_CODE_LENGTH = 8
PAIRING_CODE_LIFETIME = timedelta(minutes=10)
BROWSER_CODE_LIFETIME = timedelta(minutes=2)
MAX_PAIRING_FAILURES = 5
MAX_PAIRING_FAILURES_ALL = 50
PAIRING_FAILURE_WINDOW = timedelta(minutes=10)
ALL_ADDRESSES = "*"


class PairingCodeRefused(BusinessError):
    code = "codigo_rechazado"
    status = 422


class PairingThrottled(BusinessError):
    code = "demasiados_intentos"
    status = 429


class TerminalRevoked(BusinessError):
    code = "terminal_revocada"
    status = 422


# --- hooks ------------------------------------------------------------------------------

RevokeHook = Callable[..., None]
_after_revoke: list[RevokeHook] = []


def register_after_revoke(hook: RevokeHook) -> None:
    """Call ``hook(terminal=..., reason=...)`` inside the revoke's transaction (a higher
    app, e.g. sales closing the terminal's leased number blocks, registers it in ready())."""
    if hook not in _after_revoke:
        _after_revoke.append(hook)


# --- tokens -----------------------------------------------------------------------------


@transaction.atomic
def terminal_create(
    *, code: str, name: str, token: str | None = None, **series
) -> tuple[Terminal, str]:
    """Create a terminal. Returns it with its token, shown once: only the hash is kept."""
    token = token or secrets.token_urlsafe(32)
    terminal = Terminal.objects.create(code=code, name=name, token_hash=hash_token(token), **series)
    return terminal, token


@transaction.atomic
def terminal_rotate_token(*, terminal: Terminal) -> str:
    token = secrets.token_urlsafe(32)
    terminal.token_hash = hash_token(token)
    terminal.save(update_fields=["token_hash"])
    return token


def terminal_authenticate(*, token: str) -> Terminal | None:
    if not token:
        return None
    terminal = Terminal.objects.filter(
        token_hash=hash_token(token), is_active=True, revoked_at__isnull=True
    ).first()
    if terminal and (
        terminal.last_seen_at is None
        or (timezone.now() - terminal.last_seen_at).total_seconds() > 60
    ):
        # Throttled so a busy till does not write on every request.
        Terminal.objects.filter(pk=terminal.pk).update(last_seen_at=timezone.now())
    return terminal


# --- heartbeat and revocation -----------------------------------------------------------


@transaction.atomic
def terminal_heartbeat(
    *, terminal: Terminal, version: str, pending_offline_sales: int, address: str | None
) -> Terminal:
    """What the till reports every 30 s: its version, its queue of offline sales, from
    which address; the terminal counts as seen now."""
    terminal.version = version[:40]
    terminal.pending_offline_sales = max(0, pending_offline_sales)
    terminal.last_seen_ip = address or None
    terminal.last_seen_at = timezone.now()
    terminal.save(
        update_fields=["version", "pending_offline_sales", "last_seen_ip", "last_seen_at"]
    )
    return terminal


@transaction.atomic
def terminal_revoke(*, terminal_id: int, by: User | None, reason: str = "") -> Terminal:
    """Revoke a terminal: its token stops working at once (API 401, the till page goes
    back to pairing); its unused pairing codes die with it. Hooks registered with
    ``register_after_revoke`` run inside this transaction."""
    terminal = Terminal.objects.select_for_update().get(pk=terminal_id)
    if terminal.revoked_at is None:
        terminal.revoked_at = timezone.now()
        # A new random hash nobody holds: the old token never works again, even after a
        # new pairing.
        terminal.token_hash = hash_token(secrets.token_urlsafe(32))
        terminal.save(update_fields=["revoked_at", "token_hash"])
        PairingCode.objects.filter(terminal=terminal, used_at__isnull=True).update(
            expires_at=terminal.revoked_at, token=""
        )
        reason = reason or _("Terminal revocada por %(user)s") % {
            "user": by.get_username() if by else "itplus"
        }
        for hook in _after_revoke:
            hook(terminal=terminal, reason=reason)
    return terminal


# --- pairing codes ----------------------------------------------------------------------


def _code_new() -> str:
    return "".join(secrets.choice(PAIRING_CODE_ALPHABET) for _i in range(PAIRING_CODE_LENGTH))


def pairing_code_format(code: str) -> str:
    """``ABCDEFGH`` → ``ABCD-EFGH`` (how the page shows it)."""
    return f"{code[:4]}-{code[4:]}"


def pairing_code_clean(code: str) -> str:
    """What was typed, as stored: upper case, without spaces or dashes."""
    return "".join(ch for ch in (code or "").upper() if ch.isalnum())


@transaction.atomic
def pairing_code_create(*, terminal_id: int, by: User | None) -> tuple[PairingCode, str]:
    """A new one-time code for pairing a PC with the terminal (valid 10 minutes).
    Returns the row and the code, shown once."""
    terminal = Terminal.objects.select_for_update().get(pk=terminal_id)
    if not terminal.is_active:
        raise PairingCodeRefused(_("La terminal está inactiva; actívela antes de vincularla."))
    code = _code_new()
    row = PairingCode.objects.create(
        terminal=terminal,
        kind=PairingCodeKind.TERMINAL,
        code_hash=hash_token(code),
        created_by=by,
        expires_at=timezone.now() + PAIRING_CODE_LIFETIME,
    )
    return row, code


@transaction.atomic
def browser_code_create(*, terminal: Terminal, token: str) -> str:
    """A one-time code (2 minutes) that pairs this PC's browser with ``terminal`` at
    ``/pos/vincular/codigo/``: the launcher opens the till with it instead of the token."""
    code = _code_new() + _code_new()
    PairingCode.objects.create(
        terminal=terminal,
        kind=PairingCodeKind.BROWSER,
        code_hash=hash_token(code),
        token=token,
        expires_at=timezone.now() + BROWSER_CODE_LIFETIME,
    )
    return code


def _throttle_rows(address: str | None) -> list[PairingThrottle]:
    keys = [ALL_ADDRESSES] + ([address] if address else [])
    rows = []
    for key in sorted(keys):
        PairingThrottle.objects.get_or_create(key=key)
        rows.append(PairingThrottle.objects.select_for_update().get(key=key))
    return rows


def _code_use(
    *, code: str, kind: str, address: str | None, now
) -> tuple[PairingCode | None, BusinessError | None]:
    rows = _throttle_rows(address)
    for row in rows:
        if row.window_start is None or row.window_start <= now - PAIRING_FAILURE_WINDOW:
            row.window_start, row.failures = now, 0
        limit = MAX_PAIRING_FAILURES_ALL if row.key == ALL_ADDRESSES else MAX_PAIRING_FAILURES
        if row.failures >= limit:
            minutes = max(
                1, int((row.window_start + PAIRING_FAILURE_WINDOW - now).seconds / 60) + 1
            )
            return None, PairingThrottled(
                _(
                    "Demasiados códigos equivocados. Espere %(minutes)s minutos y vuelva a "
                    "intentar con el código que muestra Gestión → Terminales."
                )
                % {"minutes": minutes}
            )
    cleaned = pairing_code_clean(code)
    pairing = (
        PairingCode.objects.select_for_update()
        .select_related("terminal")
        .filter(code_hash=hash_token(cleaned), kind=kind)
        .first()
        if cleaned
        else None
    )
    error: BusinessError | None = None
    if pairing is None:
        error = PairingCodeRefused(
            _("El código de vinculación no es válido. Revíselo en Gestión → Terminales.")
        )
    elif pairing.used_at is not None:
        error = PairingCodeRefused(
            _("Ese código de vinculación ya fue usado. Genere uno nuevo en Gestión → Terminales.")
        )
    elif pairing.expires_at <= now:
        error = PairingCodeRefused(
            _("El código de vinculación venció. Genere uno nuevo en Gestión → Terminales.")
        )
    elif not pairing.terminal.is_active:
        error = PairingCodeRefused(_("La terminal está inactiva; actívela antes de vincularla."))
    if error is not None:
        for row in rows:
            row.failures += 1
            row.save(update_fields=["window_start", "failures"])
        return None, error
    for row in rows:
        row.save(update_fields=["window_start", "failures"])
    pairing.used_at = now
    pairing.used_from = address or None
    return pairing, None


def terminal_pair_with_code(*, code: str, address: str | None) -> tuple[Terminal, str]:
    """Pair a PC with the terminal of a one-time code (``itplus setup terminal``).

    Guarantees: a code works once and within its lifetime; a wrong one is counted
    (committed before it is refused); the terminal gets a new token (any PC paired
    before stops working) and is no longer revoked. Returns the terminal and its token.
    """
    with transaction.atomic():
        now = timezone.now()
        pairing, error = _code_use(
            code=code, kind=PairingCodeKind.TERMINAL, address=address, now=now
        )
        if pairing is not None:
            pairing.save(update_fields=["used_at", "used_from"])
            terminal = Terminal.objects.select_for_update().get(pk=pairing.terminal_id)
            token = terminal_rotate_token(terminal=terminal)
            terminal.revoked_at = None
            terminal.save(update_fields=["revoked_at"])
            return terminal, token
    raise error  # type: ignore[misc]


def browser_code_redeem(*, code: str, address: str | None) -> tuple[Terminal, str]:
    """The terminal and token a browser code stands for (once; the token is then
    forgotten by the code's row)."""
    with transaction.atomic():
        now = timezone.now()
        pairing, error = _code_use(
            code=code, kind=PairingCodeKind.BROWSER, address=address, now=now
        )
        if pairing is not None:
            token, pairing.token = pairing.token, ""
            pairing.save(update_fields=["used_at", "used_from", "token"])
            terminal = pairing.terminal
            if terminal.revoked_at is not None or terminal.token_hash != hash_token(token):
                raise PairingCodeRefused(
                    _("Esta terminal fue revocada o vinculada de nuevo; vuelva a vincularla.")
                )
            return terminal, token
    raise error  # type: ignore[misc]
