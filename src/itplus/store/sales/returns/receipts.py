"""The printed credit note: the same ``Receipt`` a sale's receipt is, page and printer alike.

``receipt_for_credit_note`` reads a credit note into the same ``Receipt`` the sale's
receipt uses (title "NOTA DE CRÉDITO", the original document and the reason under it,
refunds in place of payments, "Total devuelto"), so the 80 mm page and the thermal
printer render it with the very same code.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from itplus.core.money import round_clp
from itplus.store.config import require_store_identity
from itplus.store.printing.documents import Printout, Receipt, ReceiptLine, ReceiptPayment
from itplus.store.printing.models import PrintedDocument
from itplus.store.sales.models import CreditNote, CreditNoteLine, PaymentMethod, Refund
from itplus.store.sales.receipts import DOCUMENT_TITLES, SANTIAGO, format_quantity
from itplus.store.sales.returns.selectors import sale_document_label


def receipt_for_credit_note(*, credit_note_id: int, copy: bool = False) -> Receipt:
    """The printable credit note. Each line shows quantity × original price and, as its
    discount, the share of the sale's discounts it carried; its amount is what was
    credited."""
    note = (
        CreditNote.objects.select_related("series", "terminal", "user", "sale__series")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=CreditNoteLine.objects.select_related("sale_line", "product").order_by(
                    "position"
                ),
            ),
            Prefetch("refunds", queryset=Refund.objects.order_by("pk")),
        )
        .get(pk=credit_note_id)
    )
    lines = []
    for line in note.lines.all():
        unit_price = line.sale_line.unit_price_clp
        gross = round_clp(unit_price * line.quantity)
        discount = gross - line.total_clp
        if discount < 0:  # a peso of rounding: show the amount credited as is
            gross, discount = line.total_clp, 0
        lines.append(
            ReceiptLine(
                description=line.description,
                quantity=format_quantity(line.quantity, weighed=line.product.is_weighed),
                unit_price_clp=unit_price,
                gross_clp=gross,
                discount_clp=discount,
                total_clp=line.total_clp,
            )
        )
    refunds = tuple(
        ReceiptPayment(
            method=r.method,
            label=PaymentMethod(r.method).label if r.method in PaymentMethod.values else r.method,
            amount_clp=r.amount_clp,
            tendered_clp=0,
            change_clp=0,
            is_cash=r.method == PaymentMethod.CASH,
        )
        for r in note.refunds.all()
    )
    title = str(DOCUMENT_TITLES[note.series.kind]) if note.series.kind in DOCUMENT_TITLES else ""
    series_name = "" if note.series.name.casefold() == title.casefold() else note.series.name
    original = sale_document_label(note.sale)
    reference = (
        _("Anula %(doc)s") if note.kind == CreditNote.Kind.VOID else _("Devolución de %(doc)s")
    ) % {"doc": original}
    return Receipt(
        document_id=note.pk,
        store=require_store_identity(),
        document_title=title or _("NOTA DE CRÉDITO"),
        series_name=series_name,
        number=note.number,
        issued_at=note.issued_at.astimezone(SANTIAGO),
        terminal=note.terminal.name,
        cashier=note.user.get_full_name() or note.user.get_username(),
        lines=tuple(lines),
        subtotal_clp=note.total_clp,
        ticket_discount_clp=0,
        total_clp=note.total_clp,
        net_clp=note.net_clp,
        iva_clp=note.iva_clp,
        ila_clp=note.ila_clp,
        exempt_clp=note.exempt_clp,
        payments=refunds,
        cash_rounding_clp=note.cash_rounding_clp,
        amount_charged_clp=note.amount_refunded_clp,
        change_clp=0,
        is_copy=copy,
        is_voided=False,
        notes=(reference, _("Motivo: %(reason)s") % {"reason": note.reason}),
        paid_label=_("Total devuelto"),
    )


def credit_note_printout(*, credit_note_id: int, copy: bool = False) -> Printout:
    """The credit note as the print pipeline takes it (the drawer opens when cash is
    given back)."""
    receipt = receipt_for_credit_note(credit_note_id=credit_note_id, copy=copy)
    return Printout(
        document=PrintedDocument.CREDIT_NOTE,
        document_id=credit_note_id,
        label=f"{receipt.document_title.capitalize()} {receipt.number_label}",
        body=receipt,
        is_copy=copy,
    )
