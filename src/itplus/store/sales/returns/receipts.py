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
from itplus.store.printing.documents import Printout, Receipt, ReceiptLine
from itplus.store.printing.models import PrintedDocument
from itplus.store.sales.models import CreditNote, CreditNoteLine, Refund
from itplus.store.sales.receipts import (
    document_printout,
    format_quantity,
    receipt_buyer,
    receipt_heading,
    receipt_payment,
)
from itplus.store.sales.returns.selectors import sale_document_label


def receipt_for_credit_note(*, credit_note_id: int, copy: bool = False) -> Receipt:
    """The printable credit note. Each line shows quantity × original price and, as its
    discount, the share of the sale's discounts it carried; its amount is what was
    credited."""
    note = (
        CreditNote.objects.select_related(
            "series", "terminal", "user", "sale__series", "sale__customer"
        )
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
    refunds = tuple(receipt_payment(r.method, r.amount_clp) for r in note.refunds.all())
    original = sale_document_label(note.sale)
    reference = (
        _("Anula %(doc)s") if note.kind == CreditNote.Kind.VOID else _("Devolución de %(doc)s")
    ) % {"doc": original}
    return Receipt(
        **receipt_heading(note, person=note.user),
        lines=tuple(lines),
        subtotal_clp=note.total_clp,
        ticket_discount_clp=0,
        payments=refunds,
        amount_charged_clp=note.amount_refunded_clp,
        change_clp=0,
        is_copy=copy,
        is_voided=False,
        notes=(reference, _("Motivo: %(reason)s") % {"reason": note.reason}),
        paid_label=_("Total devuelto"),
        **receipt_buyer(note.sale),
    )


def credit_note_printout(*, credit_note_id: int, copy: bool = False) -> Printout:
    """The credit note as the print pipeline takes it (the drawer opens when cash is
    given back)."""
    receipt = receipt_for_credit_note(credit_note_id=credit_note_id, copy=copy)
    return document_printout(PrintedDocument.CREDIT_NOTE, receipt)
