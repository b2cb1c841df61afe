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
        ReceiptPayment(
            method=p.method,
            label=PaymentMethod(p.method).label if p.method in PaymentMethod.values else p.method,
            amount_clp=p.amount_clp,
            tendered_clp=p.tendered_clp,
            change_clp=p.change_clp,
            is_cash=p.method == PaymentMethod.CASH,
        )
        for p in sale.payments.all()
    )
    series = sale.series
    title = str(DOCUMENT_TITLES.get(series.kind, series.kind.upper()))
    series_name = "" if series.name.casefold() == title.casefold() else series.name
    cashier = sale.cashier.get_full_name() or sale.cashier.get_username()
    return Receipt(
        document_id=sale.pk,
        store=require_store_identity(),
        document_title=title,
        series_name=series_name,
        number=sale.number,
        issued_at=sale.issued_at.astimezone(SANTIAGO),
        terminal=sale.terminal.name,
        cashier=cashier,
        lines=lines,
        subtotal_clp=sum(line.total_clp for line in lines),
        ticket_discount_clp=sale.ticket_discount_clp,
        total_clp=sale.total_clp,
        net_clp=sale.net_clp,
        iva_clp=sale.iva_clp,
        ila_clp=sale.ila_clp,
        exempt_clp=sale.exempt_clp,
        payments=payments,
        cash_rounding_clp=sale.cash_rounding_clp,
        amount_charged_clp=sale.amount_charged_clp,
        change_clp=sale.change_clp,
        is_copy=copy,
        is_voided=sale.status == Sale.Status.VOIDED,
        customer_rut=sale.customer.rut_display if sale.customer else ANONYMOUS_BUYER_RUT,
        customer_name=sale.customer.name if sale.customer else str(_("Consumidor final")),
    )


def sale_printout(*, sale_id: int, copy: bool = False) -> Printout:
    """The sale's receipt as the print pipeline takes it."""
    receipt = receipt_for_sale(sale_id=sale_id, copy=copy)
    return Printout(
        document=PrintedDocument.SALE,
        document_id=sale_id,
        label=f"{receipt.document_title.capitalize()} {receipt.number_label}",
        body=receipt,
        is_copy=copy,
    )
