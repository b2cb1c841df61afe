"""Cash reads."""

from __future__ import annotations

from django.db.models import QuerySet

from itplus.store.cash.models import CashMovement, CashSession, ZReport
from itplus.store.terminals.models import Terminal


def cash_session_current(*, terminal: Terminal, lock: bool = False) -> CashSession | None:
    """The terminal's open session, if any. ``lock`` takes its row lock (inside a
    transaction) so the session cannot be closed while a sale is being written."""
    qs = CashSession.objects.filter(terminal=terminal, status=CashSession.Status.OPEN)
    if lock:
        qs = qs.select_for_update()
    return qs.first()


def cash_sessions_open() -> QuerySet[CashSession]:
    """Every open session with its terminal and who opened it, by terminal."""
    return (
        CashSession.objects.filter(status=CashSession.Status.OPEN)
        .select_related("terminal", "opened_by")
        .order_by("terminal__code", "id")
    )


def cash_session_detail(*, session_id: int) -> CashSession | None:
    return (
        CashSession.objects.select_related("terminal", "opened_by", "closed_by", "z_report")
        .filter(pk=session_id)
        .first()
    )


def cash_session_movements(*, session: CashSession) -> QuerySet[CashMovement]:
    return (
        CashMovement.objects.filter(session=session)
        .select_related("user")
        .order_by("created_at", "id")
    )


def z_report_last(*, terminal: Terminal) -> ZReport | None:
    """The terminal's most recent Z (shown by the till after closing)."""
    return (
        ZReport.objects.filter(session__terminal=terminal)
        .select_related("session")
        .order_by("-number")
        .first()
    )
