"""The customer receipt of a sale, as plain data.

``receipt_for_sale`` reads a sale (three queries: the sale with its
series, terminal and cashier; its lines; its payments) and the store's identity from the
config, and returns a ``Receipt`` that the HTML page and the ESC/POS printer both render,
so the printed and the on-screen receipt never disagree; ``sale_printout`` hands it to
the print pipeline (``itplus.store.printing``).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from itplus.store.config import require_store_identity
from itplus.store.printing.documents import (
    ANONYMOUS_BUYER_RUT,
    Printout,
    Receipt,
    ReceiptLine,
    ReceiptPayment,
)
from itplus.store.printing.models import PrintedDocument
from itplus.store.sales.models import DocumentKind, Payment, PaymentMethod, Sale, SaleLine

SANTIAGO = ZoneInfo("America/Santiago")

# Document titles by series kind. Documents are not stamped by the SII yet, so the title
# names the kind only; the SII's "ELECTRÓNICA" wording comes with the stamp.
DOCUMENT_TITLES = {
    DocumentKind.BOLETA: _("BOLETA"),
    DocumentKind.FACTURA: _("FACTURA"),
    DocumentKind.NOTA_CREDITO: _("NOTA DE CRÉDITO"),
}


def format_quantity(quantity, *, weighed: bool) -> str:
    """Kilograms with 3 decimals and a decimal comma (0,532 kg); units as an integer."""
    if weighed:
        return f"{quantity:.3f}".replace(".", ",") + " kg"
    return str(int(quantity))


def receipt_payment(
    method: str, amount_clp: int, *, tendered_clp: int = 0, change_clp: int = 0
) -> ReceiptPayment:
    """A payment (or a refund) as a receipt shows it: the method's Spanish label."""
    return ReceiptPayment(
        method=method,
        label=PaymentMethod(method).label if method in PaymentMethod.values else method,
        amount_clp=amount_clp,
        tendered_clp=tendered_clp,
        change_clp=change_clp,
        is_cash=method == PaymentMethod.CASH,
    )


def receipt_heading(document, *, person) -> dict:
    """What every printed document shows the same way, as ``Receipt`` fields: the
    store, the title (the series' kind) and number, when, where and by whom, the totals
    and taxes. ``document`` is a sale or a credit note; ``person`` who issued it."""
    series = document.series
    title = str(DOCUMENT_TITLES.get(series.kind, series.kind.upper()))
    return {
        "document_id": document.pk,
        "store": require_store_identity(),
        "document_title": title,
        "series_name": "" if series.name.casefold() == title.casefold() else series.name,
        "number": document.number,
        "issued_at": document.issued_at.astimezone(SANTIAGO),
        "terminal": document.terminal.name,
        "cashier": person.get_full_name() or person.get_username(),
        "total_clp": document.total_clp,
        "net_clp": document.net_clp,
        "iva_clp": document.iva_clp,
        "ila_clp": document.ila_clp,
        "exempt_clp": document.exempt_clp,
        "cash_rounding_clp": document.cash_rounding_clp,
    }


def receipt_buyer(sale: Sale) -> dict:
    """The buyer as ``Receipt`` fields: RUT and name, and for a factura (and the credit
    notes of one) the giro, dirección and comuna the factura states."""
    customer = sale.customer
    if customer is None:
        return {"customer_rut": ANONYMOUS_BUYER_RUT, "customer_name": str(_("Consumidor final"))}
    buyer = {"customer_rut": customer.rut_display, "customer_name": customer.name}
    if sale.series.kind == DocumentKind.FACTURA:
        buyer |= {
            "customer_giro": customer.giro,
            "customer_address": customer.address,
            "customer_comuna": customer.comuna,
        }
    return buyer


def document_printout(document: str, receipt: Receipt) -> Printout:
    """A receipt as the print pipeline takes it (``document``: a ``PrintedDocument``)."""
    return Printout(
        document=document,
        document_id=receipt.document_id,
        label=f"{receipt.document_title.capitalize()} {receipt.number_label}",
        body=receipt,
        is_copy=receipt.is_copy,
    )


def receipt_for_sale(*, sale_id: int, copy: bool = False) -> Receipt:
    """The receipt of one sale. Voided lines are left out: the customer's receipt shows
    what was sold; voided scans stay on record in the sale itself."""
    sale = (
        Sale.objects.select_related("series", "terminal", "cashier", "customer")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=SaleLine.objects.filter(is_voided=False)
                .select_related("product")
                .order_by("position"),
            ),
            Prefetch("payments", queryset=Payment.objects.order_by("pk")),
        )
        .get(pk=sale_id)
    )
    lines = tuple(
        ReceiptLine(
            description=line.description,
            quantity=format_quantity(line.quantity, weighed=line.product.is_weighed),
            unit_price_clp=line.unit_price_clp,
            gross_clp=line.gross_clp,
            discount_clp=line.discount_clp,
            total_clp=line.gross_clp - line.discount_clp,
        )
        for line in sale.lines.all()
    )
    payments = tuple(
        receipt_payment(
            p.method, p.amount_clp, tendered_clp=p.tendered_clp, change_clp=p.change_clp
        )
        for p in sale.payments.all()
    )
    return Receipt(
        **receipt_heading(sale, person=sale.cashier),
        lines=lines,
        subtotal_clp=sum(line.total_clp for line in lines),
        ticket_discount_clp=sale.ticket_discount_clp,
        payments=payments,
        amount_charged_clp=sale.amount_charged_clp,
        change_clp=sale.change_clp,
        is_copy=copy,
        is_voided=sale.status == Sale.Status.VOIDED,
        **receipt_buyer(sale),
    )


def sale_printout(*, sale_id: int, copy: bool = False) -> Printout:
    """The sale's receipt as the print pipeline takes it."""
    return document_printout(PrintedDocument.SALE, receipt_for_sale(sale_id=sale_id, copy=copy))
