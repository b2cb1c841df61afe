"""What a printed document is made of, whatever app issued it.

A ``Receipt`` is a customer document (a sale's boleta or factura, a credit note): the
store's identity, the title and number, lines, totals, payments or refunds. A report (X,
Z) is a list of ``PrintLine``. The issuing app builds one of these from its models; the
HTML page and the ESC/POS printer both render it, so paper and screen never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from itplus.store.config import StoreIdentity

# The buyer of a document that names nobody (the SII's "consumidor final").
ANONYMOUS_BUYER_RUT = "66.666.666-6"


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
    is_cash: bool  # cash opens the drawer and shows what was tendered


@dataclass(frozen=True, slots=True)
class Receipt:
    document_id: int  # the sale's or the credit note's id
    store: StoreIdentity  # name, RUT, giro, address, comuna, phone, footer
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
    is_copy: bool
    is_voided: bool
    # The buyer: "66.666.666-6" / "Consumidor final" when the document names nobody.
    customer_rut: str = ANONYMOUS_BUYER_RUT
    customer_name: str = ""
    # A factura's buyer (and its credit notes') also states giro, dirección and comuna.
    customer_giro: str = ""
    customer_address: str = ""
    customer_comuna: str = ""
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


@dataclass(frozen=True, slots=True)
class PrintLine:
    """One line of a plain report: ``left`` and, right-aligned, ``right``; ``center``
    centres ``left``; ``rule`` draws a dashed line."""

    left: str = ""
    right: str = ""
    bold: bool = False
    center: bool = False
    big: bool = False
    rule: bool = False


@dataclass(frozen=True, slots=True)
class Printout:
    """A document ready for the printer: what it is (``document``, a
    ``PrintedDocument`` value, and its id), a short label for the record ("Boleta N°
    3042"), and its body — a ``Receipt`` or report lines."""

    document: str
    document_id: int
    label: str
    body: Receipt | tuple[PrintLine, ...]
    is_copy: bool = False

    @property
    def opens_drawer(self) -> bool:
        """An original receipt with cash in it opens the drawer; a copy or a report never."""
        return isinstance(self.body, Receipt) and self.body.has_cash and not self.is_copy
