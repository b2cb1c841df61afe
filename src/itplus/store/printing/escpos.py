"""Drawing documents in ESC/POS, the thermal printers' language, through python-escpos.

``receipt_escpos`` draws a ``Receipt`` and ``lines_escpos`` a report on any
python-escpos printer object (a ``Dummy`` that collects the bytes, in practice).
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from django.utils.translation import gettext as _
from escpos.escpos import Escpos

from itplus.core.money import format_clp, format_signed_clp
from itplus.store.printing.documents import ANONYMOUS_BUYER_RUT, PrintLine, Receipt

# CP858 is CP850 (Western European: ñ á é í ó ú ü ¿ ¡ °) with € added; Epson-compatible
# printers select it with ESC t 19. Forcing it avoids python-escpos guessing a code page
# per character, which some cheap printers get wrong.
CODE_PAGE = "CP858"
# Typography the code page lacks, mapped to plain ASCII instead of printing "?".
_ASCII_FALLBACK = str.maketrans(
    {"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"', "…": "...", "\u00a0": " "}
)


def _text(value: str) -> str:
    return value.translate(_ASCII_FALLBACK)


def _row(left: str, right: str, width: int) -> str:
    """Two columns: ``left`` truncated if needed, ``right`` flush with the right edge."""
    room = max(width - len(right) - 1, 0)
    return _text(left)[:room].ljust(width - len(right)) + right


def receipt_escpos(
    printer: Escpos, receipt: Receipt, *, width: int = 48, kick_drawer: bool = False
) -> None:
    """Write ``receipt`` to ``printer``: centered bold header, ``width``-column body with
    amounts right-aligned, then cut. ``kick_drawer`` opens the cash drawer first, so it
    opens while the receipt prints."""
    printer.hw("INIT")
    printer.charcode(CODE_PAGE)
    if kick_drawer:
        printer.cashdraw(2)

    def line(text: str = "") -> None:
        printer.textln(_text(text))

    def centered(text: str) -> None:
        for part in textwrap.wrap(_text(text), width) or [""]:
            printer.textln(part)

    def row(left: str, right: str) -> None:
        printer.textln(_row(left, right, width))

    rule = "-" * width

    # Header: store identity.
    printer.set(align="center", bold=True, double_height=True)
    store = receipt.store
    centered(store.name)
    printer.set(normal_textsize=True, bold=False)
    centered(_("RUT: %(rut)s") % {"rut": store.rut})
    centered(store.giro)
    centered(f"{store.address}, {store.comuna}")
    if store.phone:
        centered(_("Tel.: %(phone)s") % {"phone": store.phone})
    line()
    printer.set(bold=True)
    centered(receipt.document_title)
    centered(receipt.number_label)
    if receipt.is_copy:
        centered(_("*** COPIA ***"))
    if receipt.is_voided:
        centered(_("*** ANULADA ***"))
    for note in receipt.notes:
        centered(note)
    printer.set(align="left", bold=False)
    line(rule)
    line(_("Fecha: %(date)s") % {"date": receipt.issued_at_label})
    line(_("Caja: %(terminal)s") % {"terminal": receipt.terminal})
    line(_("Cajero: %(cashier)s") % {"cashier": receipt.cashier})
    if receipt.customer_rut != ANONYMOUS_BUYER_RUT:
        # A named buyer; a factura's also with giro, dirección and comuna.
        buyer = [
            _("Cliente: %(rut)s %(name)s")
            % {"rut": receipt.customer_rut, "name": receipt.customer_name}
        ]
        if receipt.customer_giro:
            buyer.append(_("Giro: %(giro)s") % {"giro": receipt.customer_giro})
        if receipt.customer_address:
            buyer.append(
                _("Dirección: %(address)s, %(comuna)s")
                % {"address": receipt.customer_address, "comuna": receipt.customer_comuna}
            )
        for text in buyer:
            for part in textwrap.wrap(_text(text), width):
                line(part)
    line(rule)

    # Lines: description (wrapped, never cut), then quantity × price and the amount;
    # a single unit puts the amount on the description's last line.
    for item in receipt.lines:
        amount = format_clp(item.gross_clp)
        parts = textwrap.wrap(_text(item.description), width) or [""]
        if item.shows_quantity:
            for part in parts:
                line(part)
            row(f"  {item.quantity} x {format_clp(item.unit_price_clp)}", amount)
        else:
            for part in parts[:-1]:
                line(part)
            if len(parts[-1]) + len(amount) < width:
                row(parts[-1], amount)
            else:
                line(parts[-1])
                row("", amount)
        if item.discount_clp:
            row(_("  Descuento"), format_clp(-item.discount_clp))
    line(rule)

    # Totals.
    if receipt.ticket_discount_clp:
        row(_("Subtotal"), format_clp(receipt.subtotal_clp))
        row(_("Descuento"), format_clp(-receipt.ticket_discount_clp))
    printer.set(bold=True, double_height=True)
    row(_("TOTAL"), format_clp(receipt.total_clp))
    printer.set(normal_textsize=True, bold=False)
    if receipt.net_clp or receipt.iva_clp:
        row(_("Neto"), format_clp(receipt.net_clp))
        row(_("IVA 19%"), format_clp(receipt.iva_clp))
    if receipt.ila_clp:
        row(_("ILA"), format_clp(receipt.ila_clp))
    if receipt.exempt_clp:
        row(_("Exento"), format_clp(receipt.exempt_clp))
    line(rule)

    # Payments, Ley 20.956 rounding, change.
    for payment in receipt.payments:
        row(payment.label, format_clp(payment.amount_clp))
        if payment.is_cash and payment.tendered_clp:
            row(_("  Recibido"), format_clp(payment.tendered_clp))
    if receipt.cash_rounding_clp:
        row(_("Redondeo"), format_signed_clp(receipt.cash_rounding_clp))
        printer.set(bold=True)
        row(receipt.paid_label or _("Total pagado"), format_clp(receipt.amount_charged_clp))
        printer.set(bold=False)
    if receipt.change_clp:
        printer.set(bold=True)
        row(_("Vuelto"), format_clp(receipt.change_clp))
        printer.set(bold=False)

    if store.receipt_footer:
        line()
        printer.set(align="center")
        centered(store.receipt_footer)
        printer.set(align="left")
    printer.cut()


def lines_escpos(printer: Escpos, lines: Iterable[PrintLine], *, width: int = 48) -> None:
    """Write report lines to ``printer`` with the receipt's code page and columns, then cut."""
    printer.hw("INIT")
    printer.charcode(CODE_PAGE)
    for item in lines:
        printer.set(
            align="center" if item.center else "left",
            bold=item.bold,
            double_height=item.big,
            normal_textsize=not item.big,
        )
        if item.rule:
            printer.textln("-" * width)
        elif item.center:
            for part in textwrap.wrap(_text(item.left), width) or [""]:
                printer.textln(part)
        elif item.right:
            printer.textln(_row(item.left, item.right, width))
        else:
            for part in textwrap.wrap(_text(item.left), width) or [""]:
                printer.textln(part)
    printer.set(align="left", bold=False, normal_textsize=True)
    printer.cut()
