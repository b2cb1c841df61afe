"""Return/void helpers: a credit-note series and return requests, through the real services."""

from __future__ import annotations

import uuid
from decimal import Decimal

from itplus.store.accounts.approvals import approval_grant, find_approver
from itplus.store.accounts.models import ApprovalAction, Role
from itplus.store.accounts.permissions import role_at_least
from itplus.store.sales.models import DocumentSeries
from itplus.store.sales.returns.services import ReturnInput, ReturnLineInput, sale_return
from tests.factories import make_series, make_user

SUPERVISOR_PIN = "4321"


def make_credit_note_series(*, code: str = "NC1") -> DocumentSeries:
    return make_series(kind="nota_credito", code=code)


def return_input(sale, lines: dict[int, str | Decimal] | None = None, **kwargs) -> ReturnInput:
    """A return of ``sale``: ``lines`` maps line position → quantity (all of every
    non-voided line when None)."""
    if lines is None:
        lines = {ln.position: ln.quantity for ln in sale.lines.filter(is_voided=False)}
    restock = kwargs.pop("restock", {})
    return ReturnInput(
        client_uuid=kwargs.pop("client_uuid", None) or uuid.uuid4(),
        lines=[
            # Text as a person types it ("1,5"), read by the service like any other screen.
            ReturnLineInput(position=pos, quantity=qty, restock=restock.get(pos, True))
            for pos, qty in lines.items()
        ],
        reason=kwargs.pop("reason", "Producto defectuoso"),
        sale_id=kwargs.pop("sale_id", sale.pk),
        **kwargs,
    )


def return_approval(*, terminal, user, sale, amount_clp: int | None = None):
    """A supervisor's "devolucion" approval for ``user`` at ``terminal``, up to the sale's
    total: what the till asks for before a cashier's return (a supervisor with PIN 4321
    is made when there is none)."""
    if find_approver(pin=SUPERVISOR_PIN) is None:
        make_user(role="supervisor", pin=SUPERVISOR_PIN)
    return approval_grant(
        pin=SUPERVISOR_PIN,
        action=ApprovalAction.RETURN,
        requested_by=user,
        terminal=terminal,
        obj=sale,
        amount_clp=amount_clp or max(sale.total_clp, 1),
    )


def make_return(*, terminal, user, sale, lines=None, **kwargs):
    """A return as the till makes it: a cashier's comes with a supervisor's approval."""
    if "approval_id" not in kwargs and not role_at_least(user, Role.SUPERVISOR):
        kwargs["approval_id"] = return_approval(terminal=terminal, user=user, sale=sale).pk
    note, _created = sale_return(
        terminal=terminal, user=user, data=return_input(sale, lines, **kwargs)
    )
    return note
