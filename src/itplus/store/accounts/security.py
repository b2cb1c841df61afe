"""Login throttling and the security log.

Every password typed at the store's login pages (the till's and back office's ``/login/``
and the admin's) goes through ``login_authenticate``. Wrong passwords are counted per
account name (as typed, whether or not it exists) and per source address in a sliding
``FAILURE_WINDOW``: ``MAX_ACCOUNT_FAILURES`` for one account, or ``MAX_ADDRESS_FAILURES``
from one address across accounts, lock it for ``FIRST_LOCK``; each further lock in a row
lasts twice the one before (up to ``LONGEST_LOCK``). While locked, no password is checked
there — the right one is refused too — and the page says why and for how long. The owner
(administrador) lifts a lock in the back office or with ``itplus unlock``.

Each attempt, lock and unlock is a ``SecurityEvent`` (Seguridad › Eventos de seguridad);
wrong supervisor PINs are written there too by ``accounts.approvals``.

Counting is race-free: an attempt is recorded as a failure under the account's and the
address's row locks *before* its password is checked (and turned into a success after),
so concurrent guesses never get more checks than the limit. The password hash itself is
checked outside any transaction, so a flood of guesses never holds the database's write
lock while PBKDF2 runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from itplus.core.errors import BusinessError
from itplus.store.accounts.models import (
    LockScope,
    LoginLock,
    Role,
    SecurityEvent,
    SecurityEventKind,
)
from itplus.store.accounts.permissions import require_role

MAX_ACCOUNT_FAILURES = 5
MAX_ADDRESS_FAILURES = 20
FAILURE_WINDOW = timedelta(minutes=15)
FIRST_LOCK = timedelta(minutes=15)
LONGEST_LOCK = timedelta(hours=24)
# A lock that ended this long ago no longer doubles the next one.
LOCKS_FORGOTTEN_AFTER = timedelta(hours=24)

LIMITS = {LockScope.ACCOUNT: MAX_ACCOUNT_FAILURES, LockScope.ADDRESS: MAX_ADDRESS_FAILURES}
USERNAME_MAX = 150


class LoginLocked(BusinessError):
    """Too many wrong passwords for this account or from this address."""

    code = "ingreso_bloqueado"
    status = 403

    def __init__(self, message: str, *, until: datetime):
        super().__init__(message)
        self.until = until


def account_key(username: str) -> str:
    """How an account name is counted: as typed, trimmed, lower case (so "Admin" and
    "admin " share one count)."""
    return (username or "").strip().lower()[:USERNAME_MAX]


def client_address(request: HttpRequest | None) -> str | None:
    """The peer's address. Only REMOTE_ADDR: waitress serves the store directly, and a
    forwarded-for header is whatever the client chose to write."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def security_event_record(*, kind: str, **fields) -> SecurityEvent:
    """Write one security event (``fields`` are ``SecurityEvent``'s)."""
    if "username" in fields:
        fields["username"] = (fields["username"] or "")[:USERNAME_MAX]
    if "detail" in fields:
        fields["detail"] = fields["detail"][:200]
    return SecurityEvent.objects.create(kind=kind, **fields)


# --- counting ---------------------------------------------------------------------------


def _scopes(*, key: str, address: str | None) -> list[tuple[str, str]]:
    """The rows an attempt is counted in, in the one order they are locked."""
    scopes = [(LockScope.ACCOUNT, key)] if key else []
    if address:
        scopes.append((LockScope.ADDRESS, address))
    return scopes


def _lock_rows(scopes: list[tuple[str, str]]) -> list[LoginLock]:
    """Create (if new) and lock the throttling rows. PostgreSQL: the row locks make
    concurrent attempts on one account or address wait for each other. SQLite: the
    transaction's BEGIN IMMEDIATE already serialises them."""
    rows = []
    for scope, key in scopes:
        LoginLock.objects.get_or_create(scope=scope, key=key)
        rows.append(LoginLock.objects.select_for_update().get(scope=scope, key=key))
    return rows


def _failures(row: LoginLock, now: datetime) -> int:
    since = now - FAILURE_WINDOW
    if row.counted_since is not None and row.counted_since > since:
        since = row.counted_since
    events = SecurityEvent.objects.filter(
        kind=SecurityEventKind.LOGIN_FAILED, created_at__gte=since
    )
    if row.scope == LockScope.ACCOUNT:
        return events.filter(username=row.key).count()
    return events.filter(ip_address=row.key).count()


def _next_lock_length(row: LoginLock, now: datetime) -> timedelta:
    locks = row.locks
    if row.locked_until is None or row.locked_until < now - LOCKS_FORGOTTEN_AFTER:
        locks = 0
    return min(FIRST_LOCK * 2 ** min(locks, 10), LONGEST_LOCK)


def _blocking(row: LoginLock, now: datetime) -> datetime | None:
    """Until when ``row`` refuses attempts, or None. A row at its limit whose last
    failure is still being checked refuses too (for as long as its lock will last)."""
    if row.locked_until is not None and row.locked_until > now:
        return row.locked_until
    if _failures(row, now) >= LIMITS[LockScope(row.scope)]:
        return now + _next_lock_length(row, now)
    return None


def _lock(row: LoginLock, *, now: datetime, username: str, address: str | None) -> None:
    length = _next_lock_length(row, now)
    if row.locked_until is None or row.locked_until < now - LOCKS_FORGOTTEN_AFTER:
        row.locks = 0
    row.locks += 1
    row.locked_until = now + length
    row.counted_since = now
    row.save(update_fields=["locks", "locked_until", "counted_since"])
    security_event_record(
        kind=SecurityEventKind.LOCKED,
        username=username,
        ip_address=address,
        lock=row,
        locked_until=row.locked_until,
        detail=_("%(scope)s %(key)s bloqueada por %(minutes)s minutos (bloqueo N° %(n)s seguido).")
        % {
            "scope": row.get_scope_display(),
            "key": row.key,
            "minutes": int(length.total_seconds() // 60),
            "n": row.locks,
        },
    )


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, math.ceil((until - now).total_seconds() / 60))


def _locked_message(row: LoginLock, until: datetime, now: datetime) -> str:
    minutes = _minutes_left(until, now)
    if row.scope == LockScope.ACCOUNT:
        text = ngettext(
            "Cuenta bloqueada por intentos fallidos; pida al administrador que la "
            "desbloquee o espere %(minutes)s minuto.",
            "Cuenta bloqueada por intentos fallidos; pida al administrador que la "
            "desbloquee o espere %(minutes)s minutos.",
            minutes,
        )
    else:
        text = ngettext(
            "Demasiados intentos fallidos desde este equipo (%(ip)s); pida al administrador "
            "que lo desbloquee o espere %(minutes)s minuto.",
            "Demasiados intentos fallidos desde este equipo (%(ip)s); pida al administrador "
            "que lo desbloquee o espere %(minutes)s minutos.",
            minutes,
        )
    return text % {"minutes": minutes, "ip": row.key}


# --- the login ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Attempt:
    key: str
    address: str | None
    event_id: int


def _attempt_begin(*, key: str, address: str | None) -> _Attempt:
    """Refuse a locked account or address (recording the refusal), else record the
    attempt as a failure until its password proves right."""
    refusal = None
    with transaction.atomic():
        rows = _lock_rows(_scopes(key=key, address=address))
        now = timezone.now()
        for row in rows:
            if (until := _blocking(row, now)) is not None:
                security_event_record(
                    kind=SecurityEventKind.LOGIN_REFUSED,
                    username=key,
                    ip_address=address,
                    lock=row,
                    locked_until=until,
                )
                refusal = LoginLocked(_locked_message(row, until, now), until=until)
                break
        else:
            event = security_event_record(
                kind=SecurityEventKind.LOGIN_FAILED, username=key, ip_address=address
            )
    if refusal is not None:  # raised after the commit: the refusal stays recorded
        raise refusal
    return _Attempt(key=key, address=address, event_id=event.pk)


@transaction.atomic
def _attempt_end(attempt: _Attempt, *, user: User | None) -> None:
    rows = _lock_rows(_scopes(key=attempt.key, address=attempt.address))
    now = timezone.now()
    if user is not None:
        SecurityEvent.objects.filter(pk=attempt.event_id).update(kind=SecurityEventKind.LOGIN_OK)
        # A login proves the account's owner is here: its failures and locks in a row are
        # forgotten. The address's are not (an attacker may hold one valid account).
        for account in rows:
            if account.scope == LockScope.ACCOUNT:
                account.counted_since, account.locks = now, 0
                account.save(update_fields=["counted_since", "locks"])
        return
    for row in rows:
        if _failures(row, now) >= LIMITS[LockScope(row.scope)]:
            _lock(row, now=now, username=attempt.key, address=attempt.address)


def login_authenticate(*, request: HttpRequest | None, username: str, password: str) -> User | None:
    """The user whose account name and password these are, or None; ``LoginLocked``
    (with the Spanish message the login page shows) while the account or the request's
    address is locked, whatever the password.

    Guarantees: every attempt is a security event (a success, a failure or a refusal);
    the failure that reaches a limit locks, and the lock is an event too; at most the
    limit of passwords is ever checked per window, even under concurrent guesses.
    Call it outside a transaction: the failure must stay recorded when the login fails.
    """
    attempt = _attempt_begin(key=account_key(username), address=client_address(request))
    user = None
    try:
        user = authenticate(request, username=username, password=password)
    finally:
        _attempt_end(attempt, user=user)
    return user


# --- lifting a lock -------------------------------------------------------------------------


def _unlock_scope(scope: str, key: str) -> str:
    return account_key(key) if scope == LockScope.ACCOUNT else (key or "").strip()


@transaction.atomic
def login_unlock(*, scope: str, key: str, by: User | None, detail: str = "") -> LoginLock:
    """Lift the lock of an account name or an address, and forget its failures and
    locks in a row. ``by`` must be an administrator (None: the store's console, whose
    user already holds the whole database). Recorded as a security event."""
    if by is not None:
        require_role(by, Role.ADMIN, what=_("desbloquear un ingreso"))
    key = _unlock_scope(LockScope(scope), key)
    row = LoginLock.objects.select_for_update().filter(scope=scope, key=key).first()
    if row is None:
        if scope == LockScope.ACCOUNT:
            message = _("La cuenta «%(key)s» no tiene intentos fallidos ni bloqueos.")
        else:
            message = _("La dirección %(key)s no tiene intentos fallidos ni bloqueos.")
        raise BusinessError(message % {"key": key}, code="sin_bloqueo")
    now = timezone.now()
    was_locked_until = row.locked_until if row.locked_until and row.locked_until > now else None
    row.locked_until, row.locks, row.counted_since = None, 0, now
    row.save(update_fields=["locked_until", "locks", "counted_since"])
    security_event_record(
        kind=SecurityEventKind.UNLOCKED,
        username=key if scope == LockScope.ACCOUNT else "",
        ip_address=key if scope == LockScope.ADDRESS else None,
        lock=row,
        locked_until=was_locked_until,
        actor=by,
        detail=detail or (_("Desde la consola (itplus unlock).") if by is None else ""),
    )
    return row


def login_locks_active(*, now: datetime | None = None):
    """The accounts and addresses locked now, the longest lock first."""
    now = now or timezone.now()
    return LoginLock.objects.filter(locked_until__gt=now).order_by("-locked_until")
