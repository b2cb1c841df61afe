"""Supervisor approvals: granted by PIN, consumed once by the supervised action.

Every supervised action (discounts over the limit, line voids, lowering a scanned
quantity, implausible deli-scale labels, sale voids, returns and refunds, cash out,
opening the cash drawer's session, copies of receipts) asks ``approval_consume`` inside
its own transaction. An approval names the action, what it covers (a percentage, an
amount or a document), the person who asked and the terminal they asked at; it is used
once and expires after ``approvals.lifetime_minutes`` (itplus.toml, default 5).
Anything else is refused with ``ApprovalRefused`` and one set of Spanish messages, and
nothing is written.

Wrong PINs are counted per terminal (per user without one): the terminal's (or user's)
row is locked before the PIN is checked, so concurrent guesses are checked one after
the other and never more than ``MAX_PIN_FAILURES`` in ``PIN_FAILURE_WINDOW``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.core.errors import BusinessError
from itplus.core.money import format_clp
from itplus.store.accounts.models import (
    Approval,
    ApprovalAction,
    PinFailure,
    Role,
    SecurityEventKind,
    StaffProfile,
)
from itplus.store.accounts.permissions import require_role
from itplus.store.accounts.security import security_event_record
from itplus.store.config import get_config

# Five wrong PINs within ten minutes (per terminal, or per user without a terminal)
# lock PIN approvals there until the window has passed.
MAX_PIN_FAILURES = 5
PIN_FAILURE_WINDOW = timedelta(minutes=10)


class ApprovalRefused(BusinessError):
    """A PIN refused, or an approval that does not cover what is being done."""

    code = "aprobacion_rechazada"
    status = 403


def approval_lifetime() -> timedelta:
    """How long an approval waits to be used (itplus.toml ``approvals.lifetime_minutes``)."""
    return timedelta(minutes=get_config().approvals.lifetime_minutes)


def object_ref(obj: models.Model) -> str:
    """How an approval names the document it is for: ``"sales.sale:17"``."""
    return f"{obj._meta.label_lower}:{obj.pk}"


def find_approver(*, pin: str) -> StaffProfile | None:
    """The supervisor or administrator whose PIN this is.

    PINs are hashed, so each approver's hash is checked; stores have a handful of them.
    """
    if not pin or not pin.isdigit():
        return None
    approvers = (
        StaffProfile.objects.select_related("user")
        .filter(role__in=[Role.SUPERVISOR, Role.ADMIN], user__is_active=True)
        .exclude(pin_hash="")
    )
    for profile in approvers:
        if profile.check_pin(pin):
            return profile
    return None


def _lock_pin_scope(*, terminal: Any, requested_by: User | None):
    """Lock the row PIN failures are counted for, and return their queryset.

    PostgreSQL: the terminal's (or user's) row lock makes concurrent guesses wait for
    each other, so each one counts the failures committed before it. SQLite: the
    transaction's BEGIN IMMEDIATE already serialises them."""
    failures = PinFailure.objects.filter(created_at__gte=timezone.now() - PIN_FAILURE_WINDOW)
    if terminal is not None:
        # type(terminal): accounts and terminals are siblings that never import each other.
        type(terminal).objects.select_for_update().filter(pk=terminal.pk).first()
        return failures.filter(terminal=terminal)
    if requested_by is not None:
        User.objects.select_for_update().filter(pk=requested_by.pk).first()
        return failures.filter(requested_by=requested_by, terminal__isnull=True)
    return None


def _pin_event(kind: str, terminal: Any, requested_by: User | None, action: str, **fields) -> None:
    """The security log's copy of a PIN refusal or lock (``PinFailure`` stays the counter)."""
    security_event_record(
        kind=kind,
        username=requested_by.get_username() if requested_by is not None else "",
        terminal=terminal,
        detail=_("Para: %(action)s") % {"action": _label(action)},
        **fields,
    )


def pin_lock_lift(
    *, terminal: Any = None, requested_by: User | None = None, by: User | None
) -> int:
    """Lift the PIN lock of a terminal (or of a person without one): the failures in
    the window are forgotten. ``by`` must be an administrator (None: the console).
    Returns how many failures were forgotten; recorded as a security event."""
    if by is not None:
        require_role(by, Role.ADMIN, what=_("desbloquear el PIN de una caja"))
    with transaction.atomic():
        failures = _lock_pin_scope(terminal=terminal, requested_by=requested_by)
        forgotten = failures.delete()[0] if failures is not None else 0
        security_event_record(
            kind=SecurityEventKind.PIN_UNLOCKED,
            username=requested_by.get_username() if requested_by is not None else "",
            terminal=terminal,
            actor=by,
            detail=_("%(n)s PIN incorrectos olvidados.") % {"n": forgotten},
        )
    return forgotten


def approval_grant(
    *,
    pin: str,
    action: str,
    requested_by: User | None,
    terminal: Any = None,  # a terminals.Terminal
    max_percent: int | None = None,
    amount_clp: int | None = None,
    obj: models.Model | None = None,
    detail: str = "",
) -> Approval:
    """A supervisor authorises ``action`` by PIN for ``requested_by`` at ``terminal``,
    up to ``max_percent`` or ``amount_clp``, or for the document ``obj``.

    Guarantees: a wrong PIN is recorded (in its own transaction, so the refusal keeps
    it) and refused; after ``MAX_PIN_FAILURES`` wrong PINs in ``PIN_FAILURE_WINDOW``
    at a terminal no PIN is checked there, even under concurrent guesses. Call it
    outside the action's own transaction, so a refused action keeps the failure count.
    """
    if action not in ApprovalAction.values:
        raise BusinessError(_("Acción desconocida: %(action)s.") % {"action": action})
    if max_percent is not None and not 0 < max_percent <= 100:
        # Checked here: the column is a small positive integer, and a bad value would
        # otherwise reach the database as an error instead of a message.
        raise BusinessError(_("El porcentaje aprobado debe estar entre 1 y 100."))
    if amount_clp is not None and not 0 < amount_clp <= 10**12:
        raise BusinessError(_("El monto aprobado debe ser mayor que cero."))
    approval = None
    with transaction.atomic():
        failures = _lock_pin_scope(terminal=terminal, requested_by=requested_by)
        locked = failures is not None and failures.count() >= MAX_PIN_FAILURES
        if locked:
            _pin_event(SecurityEventKind.PIN_REFUSED, terminal, requested_by, action)
        else:
            approver = find_approver(pin=pin)
            if approver is None:
                PinFailure.objects.create(terminal=terminal, requested_by=requested_by)
                _pin_event(SecurityEventKind.PIN_FAILED, terminal, requested_by, action)
                if failures is not None and failures.count() >= MAX_PIN_FAILURES:
                    oldest = failures.order_by("created_at").first().created_at
                    _pin_event(
                        SecurityEventKind.PIN_LOCKED,
                        terminal,
                        requested_by,
                        action,
                        locked_until=oldest + PIN_FAILURE_WINDOW,
                    )
            else:
                now = timezone.now()
                approval = Approval.objects.create(
                    action=action,
                    approved_by=approver.user,
                    requested_by=requested_by,
                    terminal=terminal,
                    max_percent=max_percent,
                    amount_clp=amount_clp,
                    object_ref=object_ref(obj) if obj is not None else "",
                    detail=detail[:200],
                    expires_at=now + approval_lifetime(),
                )
    if locked:
        raise ApprovalRefused(
            _(
                "Demasiados PIN incorrectos en esta caja: espere %(minutes)s minutos o pida "
                "al supervisor que venga a la caja."
            )
            % {"minutes": int(PIN_FAILURE_WINDOW.total_seconds() // 60)},
            code="pin_bloqueado",
        )
    if approval is None:
        raise ApprovalRefused(_("PIN de supervisor incorrecto."), code="pin_incorrecto")
    return approval


def _label(action: str) -> str:
    return str(ApprovalAction(action).label)


def _refuse(message: str, code: str) -> ApprovalRefused:
    return ApprovalRefused(message, code=code)


def approval_required(action: str) -> ApprovalRefused:
    """The refusal of an action done without the approval it needs."""
    return _refuse(
        _("«%(action)s» requiere la autorización de un supervisor (PIN).")
        % {"action": _label(action)},
        "requiere_aprobacion",
    )


def _expired() -> ApprovalRefused:
    return _refuse(
        _("La autorización venció: pida de nuevo la clave del supervisor."),
        "aprobacion_vencida",
    )


def _check(
    approval: Approval | None,
    *,
    approval_id: int,
    action: str,
    requested_by: User | None,
    obj: models.Model | None,
) -> Approval:
    """The checks shared by a consumption and a copy's page: it exists, is for this
    action, this person and this document."""
    if approval is None:
        raise _refuse(
            _("La autorización N° %(id)s no existe: pida de nuevo la clave del supervisor.")
            % {"id": approval_id},
            "aprobacion_inexistente",
        )
    if approval.action != action:
        raise _refuse(
            _("La autorización es para «%(granted)s», no para «%(action)s».")
            % {"granted": _label(approval.action), "action": _label(action)},
            "aprobacion_otra_accion",
        )
    if approval.requested_by_id != getattr(requested_by, "pk", None):
        raise _refuse(
            _("La autorización se dio a otra persona: pida la clave del supervisor para usted."),
            "aprobacion_otra_persona",
        )
    if obj is not None and approval.object_ref != object_ref(obj):
        raise _refuse(
            _("La autorización es para otro documento: pida la clave para este."),
            "aprobacion_otro_documento",
        )
    return approval


def approval_consume(
    *,
    approval_id: int | None,
    action: str,
    requested_by: User | None,
    terminal: Any,
    amount_clp: int | None = None,
    percent: int | None = None,
    obj: models.Model | None = None,
    detail: str = "",
) -> Approval:
    """Use an approval for ``action``: it must exist, be for this action, have been
    given to ``requested_by`` at ``terminal``, cover ``amount_clp`` / ``percent`` /
    ``obj``, not be expired and not be used. Marks it used (with ``detail``, if given).

    Must run inside the supervised action's transaction: the row lock makes two uses
    of one approval wait for each other (the second is refused), and a refusal later
    in the action rolls the use back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("approval_consume runs inside the action's transaction")
    if approval_id is None:
        raise approval_required(action)
    approval = Approval.objects.select_for_update().filter(pk=approval_id).first()
    _check(approval, approval_id=approval_id, action=action, requested_by=requested_by, obj=obj)
    if approval.used_at is not None:
        raise _refuse(
            _("La autorización ya fue usada: pida de nuevo la clave del supervisor."),
            "aprobacion_usada",
        )
    if approval.terminal_id != getattr(terminal, "pk", None):
        raise _refuse(
            _("La autorización se dio en otra caja: pida la clave del supervisor en esta."),
            "aprobacion_otra_caja",
        )
    now = timezone.now()
    if approval.expires_at is None or now > approval.expires_at:
        raise _expired()
    if percent is not None and (approval.max_percent or 0) < percent:
        raise _refuse(
            _("La autorización cubre hasta %(max)s%% y el descuento es %(percent)s%%.")
            % {"max": approval.max_percent or 0, "percent": percent},
            "aprobacion_insuficiente",
        )
    if amount_clp is not None and (approval.amount_clp is None or approval.amount_clp < amount_clp):
        raise _refuse(
            _("La autorización cubre hasta %(max)s y se piden %(amount)s.")
            % {"max": format_clp(approval.amount_clp or 0), "amount": format_clp(amount_clp)},
            "aprobacion_insuficiente",
        )
    approval.used_at = now
    fields = ["used_at"]
    if detail:
        approval.detail = detail[:200]
        fields.append("detail")
    approval.save(update_fields=fields)
    return approval


def approval_spent_for(
    *, approval_id: int | None, action: str, requested_by: User | None, obj: models.Model
) -> Approval:
    """An approval already used for ``action`` on ``obj`` by ``requested_by``, no longer
    ago than an approval's lifetime: what lets a page show what a service authorised
    (a receipt's copy after POST /sales/{id}/reprint). Refused like a consumption."""
    if approval_id is None:
        raise approval_required(action)
    approval = Approval.objects.filter(pk=approval_id).first()
    _check(approval, approval_id=approval_id, action=action, requested_by=requested_by, obj=obj)
    if approval.used_at is None:
        raise _refuse(
            _("La autorización aún no se ha usado: pida la copia desde la caja."),
            "aprobacion_sin_usar",
        )
    if timezone.now() > approval.used_at + approval_lifetime():
        raise _expired()
    return approval
