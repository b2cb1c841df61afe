"""Cash reads."""

from __future__ import annotations

from itplus.store.cash.models import CashSession
from itplus.store.terminals.models import Terminal


def cash_session_current(*, terminal: Terminal, lock: bool = False) -> CashSession | None:
    """The terminal's open session, if any. ``lock`` takes its row lock (inside a
    transaction) so the session cannot be closed while a sale is being written."""
    qs = CashSession.objects.filter(terminal=terminal, status=CashSession.Status.OPEN)
    if lock:
        qs = qs.select_for_update()
    return qs.first()
