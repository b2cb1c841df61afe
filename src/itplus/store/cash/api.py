"""The till's cash endpoints under /api/v1/cash/: terminal token + the user's session.

Opening needs a supervisor or administrator (logged in, or a cashier with a supervisor's
"abrir_caja" PIN approval from POST /approvals). Movements and the blind close are the
cashier's, a cashier's egreso with an "egreso_caja" approval for its amount; the X report
(it shows the expected cash) is for supervisors, so the close stays blind.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from itplus.core.numbers import AmountClpField
from itplus.store.accounts.models import Role
from itplus.store.accounts.permissions import require_role, role_at_least
from itplus.store.cash.models import DENOMINATIONS_CLP, CashSession, ZReport
from itplus.store.cash.reports import cash_report_compute
from itplus.store.cash.selectors import cash_session_current, z_report_last
from itplus.store.cash.services import (
    SessionClosed,
    cash_movement_record,
    cash_session_close,
    cash_session_open_authorized,
)

router = Router(tags=["caja"])


def _user(request: HttpRequest):
    if not request.user.is_authenticated:
        raise HttpError(401, _("Inicie sesión en la caja."))
    return request.user


def _open_session(request: HttpRequest) -> CashSession:
    session = cash_session_current(terminal=request.terminal)
    if session is None:
        raise SessionClosed(
            _("La caja %(terminal)s no está abierta.") % {"terminal": request.terminal.name}
        )
    return session


class SessionOut(Schema):
    id: int
    opened_at: str
    opened_by: str
    opening_float_clp: int


class ZOut(Schema):
    number: int
    closed_at: str
    expected_cash_clp: int
    counted_cash_clp: int
    difference_clp: int
    report_url: str


class StatusOut(Schema):
    terminal: str
    is_open: bool
    session: SessionOut | None
    can_open: bool  # the logged-in user opens without a PIN
    can_see_x: bool
    denominations: list[int]
    last_z: ZOut | None


def _session_out(session: CashSession) -> SessionOut:
    return SessionOut(
        id=session.pk,
        opened_at=session.opened_at.isoformat(),
        opened_by=session.opened_by.get_full_name() or session.opened_by.get_username(),
        opening_float_clp=session.opening_float_clp,
    )


def _z_out(z: ZReport) -> ZOut:
    return ZOut(
        number=z.number,
        closed_at=z.closed_at.isoformat(),
        expected_cash_clp=z.expected_cash_clp,
        counted_cash_clp=z.counted_cash_clp,
        difference_clp=z.difference_clp,
        report_url=reverse("cash:report", args=[z.session_id]),
    )


@router.get("/cash/session", response=StatusOut, summary="Estado de la caja de este terminal")
def cash_status(request: HttpRequest):
    user = _user(request)
    session = cash_session_current(terminal=request.terminal)
    last = z_report_last(terminal=request.terminal)
    return StatusOut(
        terminal=request.terminal.name,
        is_open=session is not None,
        session=_session_out(session) if session else None,
        can_open=role_at_least(user, Role.SUPERVISOR),
        can_see_x=role_at_least(user, Role.SUPERVISOR),
        denominations=list(DENOMINATIONS_CLP),
        last_z=_z_out(last) if last else None,
    )


class OpenIn(Schema):
    opening_float_clp: AmountClpField
    approval_id: int | None = None


@router.post("/cash/session/open", response={201: SessionOut}, summary="Abrir la caja")
def cash_open(request: HttpRequest, payload: OpenIn):
    session = cash_session_open_authorized(
        terminal=request.terminal,
        user=_user(request),
        opening_float_clp=payload.opening_float_clp,
        approval_id=payload.approval_id,
    )
    return Status(201, _session_out(session))


class MovementIn(Schema):
    kind: str = Field(..., max_length=10)
    amount_clp: AmountClpField
    reason: str = Field("", max_length=400)
    approval_id: int | None = None  # a cashier's egreso: "egreso_caja" for its amount


class MovementOut(Schema):
    id: int
    kind: str
    amount_clp: int
    reason: str
    created_at: str


@router.post("/cash/movements", response={201: MovementOut}, summary="Ingreso o egreso de caja")
def cash_movement(request: HttpRequest, payload: MovementIn):
    movement = cash_movement_record(
        session=_open_session(request),
        kind=payload.kind,
        amount_clp=payload.amount_clp,
        reason=payload.reason,
        user=_user(request),
        approval_id=payload.approval_id,
    )
    out = MovementOut(
        id=movement.pk,
        kind=movement.kind,
        amount_clp=movement.amount_clp,
        reason=movement.reason,
        created_at=movement.created_at.isoformat(),
    )
    return Status(201, out)


@router.get("/cash/report/x", response=dict, summary="Informe X (no fiscal) de la sesión abierta")
def cash_report_x(request: HttpRequest) -> dict[str, Any]:
    require_role(
        _user(request),
        Role.SUPERVISOR,
        what=_("emitir el informe X (el cierre de caja es a ciegas)"),
    )
    session = _open_session(request)
    report = cash_report_compute(session=session)
    return {
        "session": session.pk,
        "report_url": reverse("cash:report", args=[session.pk]),
        **report.data(),
        "ticket_count": report.ticket_count,
    }


class CloseIn(Schema):
    counts: dict[str, Any]


@router.post("/cash/session/close", response=ZOut, summary="Cerrar la caja (conteo a ciegas) → Z")
def cash_close(request: HttpRequest, payload: CloseIn):
    z = cash_session_close(
        session=_open_session(request), user=_user(request), counts=payload.counts
    )
    return _z_out(z)
