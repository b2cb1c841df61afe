"""Cash writes: open a session, record cash movements, close with a blind count (→ Z).

Lock order, the same as every writer (see sales.services): cash session → document
series → stock rows → customer. Closing takes the session row and then the Z counter,
which nothing else locks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.core.errors import BusinessError
from itplus.core.integrity import chain_hash
from itplus.core.money import format_clp
from itplus.core.numbers import InvalidNumber, parse_amount_clp, parse_count
from itplus.store.accounts.approvals import approval_consume
from itplus.store.accounts.models import Approval, ApprovalAction, Role
from itplus.store.accounts.permissions import role_at_least
from itplus.store.cash.models import (
    DENOMINATIONS_CLP,
    RETIRED_COINS_CLP,
    CashMovement,
    CashSession,
    ZCounter,
    ZReport,
)
from itplus.store.cash.printing import z_printout
from itplus.store.cash.reports import cash_report_compute, counts_to_json, z_chain_payload
from itplus.store.printing.services import print_on_commit
from itplus.store.terminals.models import Terminal

REASON_MAX_LENGTH = 200


class CashSessionError(BusinessError):
    code = "caja"
    status = 409


class SessionClosed(CashSessionError):
    code = "caja_cerrada"


class CashInputError(CashSessionError):
    """Bad input (amounts, reasons, counts): nothing was recorded."""

    code = "caja_datos_invalidos"
    status = 422


def cash_session_open(
    *,
    terminal: Terminal,
    user: User,
    opening_float_clp: int = 0,
    approval: Approval | None = None,
    at: datetime | None = None,
) -> CashSession:
    """Open the terminal's cash session with its float. One open session per terminal,
    enforced by the database (a conditional unique constraint), so two supervisors
    opening at once get one session and a clear message. Records what it is told; who
    may open is checked by ``cash_session_open_authorized`` (the till and back office).
    ``at`` backdates the opening (demo history)."""
    opening_float_clp = parse_amount_clp(opening_float_clp, field=_("Fondo inicial"))
    if not terminal.is_active:
        raise CashSessionError(
            _("La caja %(terminal)s está inactiva.") % {"terminal": terminal.name}
        )
    try:
        with transaction.atomic():
            return CashSession.objects.create(
                terminal=terminal,
                opened_by=user,
                opened_at=at or timezone.now(),
                opening_float_clp=opening_float_clp,
                opening_approval=approval,
            )
    except IntegrityError:
        raise CashSessionError(
            _("La caja %(terminal)s ya tiene una sesión abierta.") % {"terminal": terminal.name}
        )


@transaction.atomic
def cash_session_open_authorized(
    *, terminal: Terminal, user: User, opening_float_clp: int, approval_id: int | None = None
) -> CashSession:
    """Open a session as the till or the back office does: a supervisor or administrator
    opens it themselves; a cashier needs a supervisor's "abrir_caja" PIN approval
    (POST /api/v1/approvals), used once and linked to the session. All or nothing: a
    refused opening leaves the approval unused."""
    approval = None
    if not role_at_least(user, Role.SUPERVISOR):
        approval = approval_consume(
            approval_id=approval_id,
            action=ApprovalAction.OPEN_CASH,
            requested_by=user,
            terminal=terminal,
        )
    return cash_session_open(
        terminal=terminal, user=user, opening_float_clp=opening_float_clp, approval=approval
    )


def _lock_open_session(session: CashSession) -> CashSession:
    """The session row, locked (a sale in flight holds the same lock, so it finishes
    first or waits and then finds the session closed); refused unless still open."""
    locked = (
        CashSession.objects.select_for_update()
        .select_related("terminal")
        .filter(pk=session.pk)
        .first()
    )
    if locked is None:
        raise CashSessionError(_("La sesión de caja no existe."))
    if not locked.is_open:
        z = ZReport.objects.filter(session=locked).values_list("number", flat=True).first()
        raise SessionClosed(
            _("La sesión de caja de %(terminal)s ya está cerrada (informe Z N° %(number)s).")
            % {"terminal": locked.terminal.name, "number": z or "—"}
        )
    return locked


@transaction.atomic
def cash_movement_record(
    *,
    session: CashSession,
    kind: str,
    amount_clp: int,
    reason: str,
    user: User,
    approval_id: int | None = None,
    at: datetime | None = None,
) -> CashMovement:
    """Record cash put into or taken out of the drawer, with its reason and who did it.

    Guarantees: the session is open (checked under its row lock); the amount is a whole
    positive number of pesos; the reason is given; an egreso never exceeds the cash the
    drawer should hold at that moment (float + cash sales + ingresos − egresos −
    refunds), computed under the same lock so two egresos cannot both spend it; a
    cashier's egreso needs a supervisor's "egreso_caja" approval for at least its
    amount, given at the session's terminal, linked to the movement."""
    if kind not in CashMovement.Kind.values:
        raise CashInputError(_("Tipo de movimiento de caja desconocido: use ingreso o egreso."))
    amount = parse_amount_clp(amount_clp, field=_("Monto del movimiento"), positive=True)
    reason = (reason or "").strip()
    if not reason:
        raise CashInputError(
            _("Indique el motivo del movimiento (por ejemplo, «Pago a proveedor»).")
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise CashInputError(
            _("El motivo admite hasta %(max)s caracteres.") % {"max": REASON_MAX_LENGTH}
        )
    approval = None
    if kind == CashMovement.Kind.OUT and not role_at_least(user, Role.SUPERVISOR):
        # The approval first, then the session: the lock order of sales and voids.
        approval = approval_consume(
            approval_id=approval_id,
            action=ApprovalAction.CASH_OUT,
            requested_by=user,
            terminal=session.terminal,
            amount_clp=amount,
        )
    locked = _lock_open_session(session)
    if kind == CashMovement.Kind.OUT:
        expected = cash_report_compute(session=locked).expected_cash_clp
        if amount > expected:
            raise CashSessionError(
                _(
                    "El egreso (%(amount)s) supera el efectivo que debería haber en la caja "
                    "(%(expected)s)."
                )
                % {"amount": format_clp(amount), "expected": format_clp(expected)},
                code="egreso_supera_efectivo",
            )
    return CashMovement.objects.create(
        session=locked,
        kind=kind,
        amount_clp=amount,
        reason=reason,
        user=user,
        created_at=at or timezone.now(),
        approval=approval,
    )


def cash_count_parse(counts: Mapping[Any, Any]) -> dict[int, int]:
    """Pieces per denomination from a form or JSON ({"20000": 3, "500": 12}).

    Every denomination in circulation is accepted; a missing one counts as zero. The
    $5 and $1 coins are out of circulation since Ley 20.956: accepted only as 0.
    Pure: raises ``CashInputError`` (``InvalidNumber`` for a count that cannot be read)
    with a Spanish message on anything else."""
    if not isinstance(counts, Mapping):
        raise CashInputError(_("El conteo debe indicar la cantidad por denominación."))
    result = {value: 0 for value in DENOMINATIONS_CLP}
    for key, raw in counts.items():
        try:
            value = parse_amount_clp(key, field=_("Denominación"))
        except InvalidNumber:
            raise CashInputError(_("Denominación desconocida: %(key)s.") % {"key": key})
        pieces = 0
        if raw not in (None, ""):
            pieces = parse_count(
                raw, field=_("Cantidad de %(value)s") % {"value": format_clp(value)}
            )
        if value in RETIRED_COINS_CLP:
            if pieces:
                raise CashInputError(
                    _(
                        "Las monedas de $5 y $1 ya no circulan (Ley 20.956): no se cuentan en "
                        "la caja."
                    )
                )
            continue
        if value not in result:
            raise CashInputError(
                _("Denominación desconocida: %(value)s.") % {"value": format_clp(value)}
            )
        result[value] = pieces
    return result


def _next_z_counter() -> ZCounter:
    counter, _created = ZCounter.objects.get_or_create(code="z")
    # Row lock: Z numbers are taken one at a time, gapless, with the chain head.
    return ZCounter.objects.select_for_update().get(pk=counter.pk)


@transaction.atomic
def cash_session_close(
    *,
    session: CashSession,
    user: User,
    counts: Mapping[Any, Any],
    at: datetime | None = None,
    run_hooks: bool = True,
) -> ZReport:
    """Close the session with the blind count and issue its Z report.

    Guarantees, all in one transaction: the session row is locked first, so a sale in
    flight on it finishes before (and is in the Z) or fails after with "caja cerrada";
    a session closes once — a second close (even concurrent) is refused and there is one
    Z; the Z's figures are the session's documents summed under that lock; the Z takes
    the next gapless number of the store and the next link of the Z hash chain; the
    difference counted − expected (sobrante > 0, faltante < 0) is recorded. After commit
    the hooks registered with ``register_after_session_close`` run (the maintenance app's
    automatic backup; ``run_hooks=False`` skips them: loading history, where one backup
    at the end is enough) and, with a network printer, the Z prints."""
    parsed = cash_count_parse(counts)
    locked = _lock_open_session(session)
    closed_at = at or timezone.now()
    if closed_at < locked.opened_at:
        raise CashInputError(_("El cierre no puede ser anterior a la apertura."))
    report = cash_report_compute(session=locked)
    counted = sum(value * pieces for value, pieces in parsed.items())
    counter = _next_z_counter()
    z = ZReport(
        number=counter.next_number,
        session=locked,
        closed_by=user,
        closed_at=closed_at,
        ticket_count=report.ticket_count,
        sales_total_clp=report.sales_total_clp,
        expected_cash_clp=report.expected_cash_clp,
        counted_cash_clp=counted,
        difference_clp=counted - report.expected_cash_clp,
        counts=counts_to_json(parsed),
        data=report.data(),
        previous_hash=counter.last_hash,
    )
    z.chain_hash = chain_hash(z.previous_hash, z_chain_payload(z))
    z.save()
    counter.next_number += 1
    counter.last_hash = z.chain_hash
    counter.save(update_fields=["next_number", "last_hash"])
    locked.status = CashSession.Status.CLOSED
    locked.closed_by = user
    locked.closed_at = closed_at
    locked.save(update_fields=["status", "closed_by", "closed_at"])
    _after_close(z, run_hooks=run_hooks)
    return z


# What higher apps want done once a session's close has committed, e.g. the maintenance
# app's automatic backup. Registered from their AppConfig.ready(): cash never imports
# them. A hook is called with the closed session's Z report and must not raise (it runs
# after the commit; ``robust=True`` logs a failure instead of breaking the close).
AfterSessionClose = Callable[[ZReport], None]
_AFTER_SESSION_CLOSE: list[AfterSessionClose] = []


def register_after_session_close(hook: AfterSessionClose) -> None:
    if hook not in _AFTER_SESSION_CLOSE:
        _AFTER_SESSION_CLOSE.append(hook)


def _after_close(z: ZReport, *, run_hooks: bool) -> None:
    if run_hooks:
        for hook in _AFTER_SESSION_CLOSE:
            transaction.on_commit(functools.partial(hook, z), robust=True)
    print_on_commit(functools.partial(z_printout, z_id=z.pk))
