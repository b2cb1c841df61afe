"""The customer receipt of a sale, as plain data.

One selector, ``receipt_for_sale``, reads a sale (three queries: the sale with its
series, terminal and cashier; its lines; its payments) and the store's identity from the
config, and returns a ``Receipt`` that the HTML page and the ESC/POS printer both render,
so the printed and the on-screen receipt never disagree.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from itplus.core.money import format_clp
from itplus.store.config import get_config
from itplus.store.sales.models import DocumentKind, Payment, PaymentMethod, Sale, SaleLine

SANTIAGO = ZoneInfo("America/Santiago")

# Document titles by series kind. Documents are not stamped by the SII yet ([8/8]), so
# the title names the kind only; the SII's "ELECTRÓNICA" wording comes with the stamp.
DOCUMENT_TITLES = {
    DocumentKind.BOLETA: _("BOLETA"),
    DocumentKind.FACTURA: _("FACTURA"),
    DocumentKind.NOTA_CREDITO: _("NOTA DE CRÉDITO"),
}


@dataclass(frozen=True, slots=True)
class ReceiptLine:
    description: str
    quantity: str  # "2" for units, "0,532 kg" for weighed products
    unit_price_clp: int
    gross_clp: int  # price × quantity
    discount_clp: int  # the line's own discount (the ticket discount is shown apart)
    total_clp: int  # price × quantity − line discount

    @property
    def shows_quantity(self) -> bool:
        return self.quantity != "1"


@dataclass(frozen=True, slots=True)
class ReceiptPayment:
    method: str  # code, e.g. "efectivo"
    label: str  # "Efectivo"
    amount_clp: int
    tendered_clp: int
    change_clp: int

    @property
    def is_cash(self) -> bool:
        return self.method == PaymentMethod.CASH


@dataclass(frozen=True, slots=True)
class Receipt:
    sale_id: int
    store_name: str
    store_rut: str
    store_giro: str
    store_address: str
    store_comuna: str
    store_phone: str
    document_title: str  # "BOLETA"
    series_name: str  # "" when it only repeats the title
    number: int
    issued_at: datetime  # in America/Santiago
    terminal: str
    cashier: str
    lines: tuple[ReceiptLine, ...]
    subtotal_clp: int  # sum of line totals, before the ticket discount
    ticket_discount_clp: int
    total_clp: int
    net_clp: int
    iva_clp: int
    ila_clp: int
    exempt_clp: int
    payments: tuple[ReceiptPayment, ...]
    cash_rounding_clp: int  # Ley 20.956, ±1..5
    amount_charged_clp: int  # total + rounding: what the customer paid
    change_clp: int
    footer: str
    is_copy: bool
    is_voided: bool
    # The buyer: "66.666.666-6" / "Consumidor final" when the sale names nobody.
    customer_rut: str = "66.666.666-6"
    customer_name: str = ""
    # Credit notes: lines under the title (the original document, the reason) and the
    # label of "total + rounding" (what was given back rather than paid).
    notes: tuple[str, ...] = ()
    paid_label: str = ""

    @property
    def number_label(self) -> str:
        return f"{self.series_name} N° {self.number}" if self.series_name else f"N° {self.number}"

    @property
    def has_cash(self) -> bool:
        return any(p.is_cash for p in self.payments)

    @property
    def issued_at_label(self) -> str:
        return self.issued_at.strftime("%d-%m-%Y %H:%M")


def format_signed_clp(amount_clp: int) -> str:
    """An adjustment with its sign, as the rounding line shows it: +$4, -$3."""
    return ("+" if amount_clp > 0 else "") + format_clp(amount_clp)


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
    store = asdict(get_config().store)
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
        )
        for p in sale.payments.all()
    )
    series = sale.series
    title = str(DOCUMENT_TITLES.get(series.kind, series.kind.upper()))
    series_name = "" if series.name.casefold() == title.casefold() else series.name
    cashier = sale.cashier.get_full_name() or sale.cashier.get_username()
    return Receipt(
        sale_id=sale.pk,
        store_name=store.get("name", ""),
        store_rut=store.get("rut", ""),
        store_giro=store.get("giro", ""),
        store_address=store.get("address", ""),
        store_comuna=store.get("comuna", ""),
        store_phone=store.get("phone", ""),
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
        footer=store.get("receipt_footer", ""),
        is_copy=copy,
        is_voided=sale.status == Sale.Status.VOIDED,
        customer_rut=sale.customer.rut_display if sale.customer else "66.666.666-6",
        customer_name=sale.customer.name if sale.customer else str(_("Consumidor final")),
    )
