"""Reads for returns: find the original document, what is left to return of it, and the
credit notes of a cash session (plugged into the cash X/Z report as a contributor)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Max, Min, Sum
from django.utils.translation import gettext as _

from itplus.store.cash.reports import Contribution, register_report_contributor
from itplus.store.sales.models import (
    CreditNote,
    CreditNoteLine,
    PaymentMethod,
    Refund,
    Sale,
    SaleLine,
)
from itplus.store.sales.selectors import document_label


def sale_document_label(sale: Sale) -> str:
    """ "Boleta B1 N° 17": how messages name a sale (series name and code)."""
    return document_label(sale.series.kind, sale.series.code, sale.number)


def sale_find(
    *,
    sale_id: int | None = None,
    series_code: str = "",
    number: int | None = None,
    client_uuid: uuid.UUID | None = None,
) -> Sale | None:
    """The sale named by id, by series code + number (the series code may be left out
    when only one series has that number), or by the till's client UUID; None if this
    store has no such document."""
    qs = Sale.objects.select_related("series", "customer")
    if sale_id is not None:
        return qs.filter(pk=sale_id).first()
    if client_uuid is not None:
        return qs.filter(client_uuid=client_uuid).first()
    if number is None:
        return None
    qs = qs.filter(number=number)
    code = (series_code or "").strip()
    if code:
        return qs.filter(series__code__iexact=code).first()
    found = list(qs[:2])
    return found[0] if len(found) == 1 else None


# "17", "B1 17", "B1-17", "bol-2 N° 17": an optional series code, then the number.
_DOCUMENT_TEXT = re.compile(
    r"^\s*(?:(?P<code>.*?)[\s\-]+)?(?:N°|Nº|N\.)?\s*(?P<number>\d{1,15})\s*$"
)


def sale_find_text(text: str) -> Sale | None:
    """A sale from what a cashier types or scans: "17", "B1 17", "B1-17", "B1 N° 17",
    or the sale's UUID."""
    text = (text or "").strip()
    match = _DOCUMENT_TEXT.match(text)
    if match:
        return sale_find(series_code=match["code"] or "", number=int(match["number"]))
    try:
        return sale_find(client_uuid=uuid.UUID(text))
    except ValueError:
        return None


@dataclass
class LineReturnState:
    """One line of a sale and what has come back of it so far."""

    line: SaleLine
    returned_quantity: Decimal
    credited_clp: int

    @property
    def weighed(self) -> bool:
        return self.line.product.is_weighed

    @property
    def remaining_quantity(self) -> Decimal:
        if self.line.is_voided:
            return Decimal("0.000")
        return max(self.line.quantity - self.returned_quantity, Decimal("0.000"))

    @property
    def remaining_clp(self) -> int:
        return 0 if self.line.is_voided else self.line.total_clp - self.credited_clp


def sale_return_state(*, sale: Sale) -> list[LineReturnState]:
    """Every line of the sale (voided ones included, by position) with the quantity and
    amount its credit notes have taken back so far. Two queries."""
    # Summed here, not by the database: SQLite would add the decimals as floats.
    returned: dict[int, tuple[Decimal, int]] = {}
    for line_id, quantity, amount in CreditNoteLine.objects.filter(
        sale_line__sale=sale
    ).values_list("sale_line_id", "quantity", "total_clp"):
        q, a = returned.get(line_id, (Decimal("0.000"), 0))
        returned[line_id] = (q + quantity, a + amount)
    states = []
    for line in SaleLine.objects.filter(sale=sale).select_related("product").order_by("position"):
        quantity, amount = returned.get(line.pk, (Decimal("0.000"), 0))
        states.append(LineReturnState(line=line, returned_quantity=quantity, credited_clp=amount))
    return states


def credit_note_totals_for_session(*, session, using: str = "default", kind: str = "") -> dict:
    """What the credit notes of a cash session add up to (all of them, or one ``kind``).

    ``count``/``total_clp``: notes and their total (tax-included); ``voids``/
    ``voids_total_clp``: the same for voids only; ``by_method``: refunds per method
    (every method of ``PaymentMethod``, zero when unused); ``cash_out_clp``: cash that
    left the drawer (refunds in cash); ``cash_rounding_clp``: Ley 20.956 rounding of the
    cash refunds; ``first_number``/``last_number``: the notes' numbers (None without
    notes); ``net_clp``, ``iva_clp``, ``ila_clp``, ``exempt_clp``: their tax split.
    Refunds add up to ``total_clp + cash_rounding_clp``. Three queries.
    """
    session_id = getattr(session, "pk", session)
    notes = CreditNote.objects.using(using).filter(cash_session_id=session_id)
    refunds = Refund.objects.using(using).filter(credit_note__cash_session_id=session_id)
    if kind:
        notes = notes.filter(kind=kind)
        refunds = refunds.filter(credit_note__kind=kind)
    totals = notes.aggregate(
        count=Count("id"),
        total_clp=Sum("total_clp"),
        net_clp=Sum("net_clp"),
        iva_clp=Sum("iva_clp"),
        ila_clp=Sum("ila_clp"),
        exempt_clp=Sum("exempt_clp"),
        cash_rounding_clp=Sum("cash_rounding_clp"),
        first_number=Min("number"),
        last_number=Max("number"),
    )
    voids = notes.filter(kind=CreditNote.Kind.VOID).aggregate(
        voids=Count("id"), voids_total_clp=Sum("total_clp")
    )
    by_method = {method: 0 for method in PaymentMethod.values}
    for method, amount in (
        refunds.values("method")
        .annotate(amount=Sum("amount_clp"))
        .order_by()
        .values_list("method", "amount")
    ):
        by_method[method] = int(amount)
    result = {
        key: int(value or 0)
        for key, value in totals.items()
        if key not in ("first_number", "last_number")
    }
    result.update(
        first_number=totals["first_number"],
        last_number=totals["last_number"],
        voids=int(voids["voids"] or 0),
        voids_total_clp=int(voids["voids_total_clp"] or 0),
        by_method=by_method,
        cash_out_clp=by_method[PaymentMethod.CASH],
    )
    return result


@register_report_contributor
def credit_notes_report_contribution(*, session_id: int, using: str) -> Contribution | None:
    """The session's returns on its X/Z report: count, total, refunds by method, and the
    cash refunded (which lowers the expected cash).

    Voids are left out on purpose: the report already counts a voided sale as money
    that never came in (a void happens in the sale's own open session, on a sale without
    returns — see ``sales.returns.sale_void``), so its refund must not count again.
    """
    totals = credit_note_totals_for_session(
        session=session_id, using=using, kind=CreditNote.Kind.RETURN
    )
    if not totals["count"]:
        return None
    return Contribution(
        key="notas_credito",
        label=_("Devoluciones (notas de crédito)"),
        count=totals["count"],
        total_clp=totals["total_clp"],
        cash_out_clp=totals["cash_out_clp"],
        by_method={method: amount for method, amount in totals["by_method"].items() if amount},
    )


def credit_notes_for_sale(*, sale: Sale):
    return (
        CreditNote.objects.filter(sale=sale)
        .select_related("series", "user")
        .prefetch_related("refunds")
        .order_by("number")
    )
