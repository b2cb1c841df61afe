"""Return/void helpers: a credit-note series and return requests, through the real services."""

from __future__ import annotations

import uuid
from decimal import Decimal

from itplus.store.sales.models import DocumentSeries
from itplus.store.sales.returns.services import ReturnInput, ReturnLineInput, sale_return
from tests.factories import make_series


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


def make_return(*, terminal, user, sale, lines=None, **kwargs):
    note, _created = sale_return(
        terminal=terminal, user=user, data=return_input(sale, lines, **kwargs)
    )
    return note
