"""Receipts on a thermal printer: ESC/POS through python-escpos.

``receipt_escpos`` draws a ``Receipt`` on any python-escpos printer object;
``receipt_bytes`` captures that with the ``Dummy`` printer; ``receipt_print`` sends it to
the network printer of the config (raw ESC/POS over TCP, port 9100);
``receipt_print_on_commit`` does that after the sale's transaction commits, in a
background thread, so a slow, jammed or unplugged printer never slows or breaks a sale.
"""

from __future__ import annotations

import logging
import textwrap
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from escpos.escpos import Escpos
from escpos.printer import Dummy, Network

from itplus.core.money import format_clp
from itplus.store.config import get_config
from itplus.store.sales.receipts import Receipt, format_signed_clp, receipt_for_sale

logger = logging.getLogger("itplus.printing")

# CP858 is CP850 (Western European: ñ á é í ó ú ü ¿ ¡ °) with € added; Epson-compatible
# printers select it with ESC t 19. Forcing it avoids python-escpos guessing a code page
# per character, which some cheap printers get wrong.
CODE_PAGE = "CP858"
# Seconds to wait for the printer to accept the connection and the data.
PRINTER_TIMEOUT = 5
THREAD_NAME = "itplus-printing"
# One job at a time per process: a receipt printer takes one connection at a time, and
# two receipts must never interleave on the paper.
_PRINTER_LOCK = threading.Lock()

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
    centered(receipt.store_name)
    printer.set(normal_textsize=True, bold=False)
    centered(_("RUT: %(rut)s") % {"rut": receipt.store_rut})
    centered(receipt.store_giro)
    centered(f"{receipt.store_address}, {receipt.store_comuna}")
    if receipt.store_phone:
        centered(_("Tel.: %(phone)s") % {"phone": receipt.store_phone})
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

    if receipt.footer:
        line()
        printer.set(align="center")
        centered(receipt.footer)
        printer.set(align="left")
    printer.cut()


def _printer_config() -> dict[str, Any]:
    return asdict(get_config().printer)


def receipt_bytes(*, sale_id: int, copy: bool = False) -> bytes:
    """The receipt as the ESC/POS bytes a printer receives. The drawer kick is included
    for a sale paid (partly) in cash when the config asks for it — never on a copy."""
    config = _printer_config()
    receipt = receipt_for_sale(sale_id=sale_id, copy=copy)
    kick = bool(config.get("kick_drawer_on_cash")) and receipt.has_cash and not copy
    printer = Dummy()
    receipt_escpos(printer, receipt, width=int(config.get("width_chars", 48)), kick_drawer=kick)
    return printer.output


def _send(data: bytes, *, host: str, port: int) -> None:
    printer = Network(host=host, port=port, timeout=PRINTER_TIMEOUT)
    printer.open()
    try:
        printer._raw(data)  # the bytes are complete ESC/POS: send them as they are
    finally:
        printer.close()


def receipt_print(*, sale_id: int, copy: bool = False) -> bool:
    """Print the receipt on the configured network printer, now, in this thread.

    Returns False when no printer is configured (kind "none"). Raises on a printer
    that cannot be reached; ``receipt_print_on_commit`` is the call that never raises.
    """
    config = _printer_config()
    if config.get("kind") != "network":
        return False
    data = receipt_bytes(sale_id=sale_id, copy=copy)
    _send(data, host=str(config["host"]), port=int(config["port"]))
    return True


def _send_logged(data: bytes, *, host: str, port: int, sale_id: int) -> None:
    try:
        with _PRINTER_LOCK:
            _send(data, host=host, port=port)
    except Exception:  # a printer problem must never surface in the till
        logger.exception("Could not print the receipt of sale %s on %s:%s", sale_id, host, port)
    else:
        logger.info("Printed the receipt of sale %s on %s:%s", sale_id, host, port)


def _print_in_background(sale_id: int, copy: bool) -> threading.Thread | None:
    # The receipt is read here, in the request's thread and after commit, so the
    # background thread only does the slow part (the network) and needs no database
    # connection of its own.
    try:
        config = _printer_config()
        if config.get("kind") != "network":
            return None
        data = receipt_bytes(sale_id=sale_id, copy=copy)
        host, port = str(config["host"]), int(config["port"])
    except Exception:
        logger.exception("Could not prepare the receipt of sale %s", sale_id)
        return None
    thread = threading.Thread(
        target=_send_logged,
        kwargs={"data": data, "host": host, "port": port, "sale_id": sale_id},
        name=THREAD_NAME,
        daemon=True,
    )
    thread.start()
    return thread


def receipt_print_on_commit(*, sale_id: int, copy: bool = False) -> None:
    """After the current transaction commits, print the receipt in a background thread.

    Does nothing when no network printer is configured. Never raises: failures are
    logged on ``itplus.printing``.
    """
    try:
        if _printer_config().get("kind") != "network":
            return
    except Exception:
        logger.exception("Could not read the printer configuration")
        return
    transaction.on_commit(lambda: _print_in_background(sale_id, copy), robust=True)


# --- Plain reports (cash X/Z reports): lines of text on the same printer ---------------


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


def lines_bytes(lines: Iterable[PrintLine]) -> bytes:
    """The report as the ESC/POS bytes a printer receives (configured width)."""
    printer = Dummy()
    lines_escpos(printer, lines, width=int(_printer_config().get("width_chars", 48)))
    return printer.output


def lines_print(lines: Iterable[PrintLine]) -> bool:
    """Print report lines on the configured network printer now, in this thread.
    False when no printer is configured; raises ``OSError`` when it cannot be reached."""
    config = _printer_config()
    if config.get("kind") != "network":
        return False
    _send(lines_bytes(lines), host=str(config["host"]), port=int(config["port"]))
    return True


def lines_print_on_commit(*, make_lines: Callable[[], list[PrintLine]], what: str) -> None:
    """After commit, render the report here and send it from a background thread, like
    ``receipt_print_on_commit``: nothing when no network printer; never raises."""
    try:
        if _printer_config().get("kind") != "network":
            return
    except Exception:
        logger.exception("Could not read the printer configuration")
        return

    def send() -> None:
        try:
            config = _printer_config()
            data = lines_bytes(make_lines())
            host, port = str(config["host"]), int(config["port"])
        except Exception:
            logger.exception("Could not prepare %s for printing", what)
            return

        def work() -> None:
            try:
                with _PRINTER_LOCK:
                    _send(data, host=host, port=port)
            except Exception:
                logger.exception("Could not print %s on %s:%s", what, host, port)

        threading.Thread(target=work, name=THREAD_NAME, daemon=True).start()

    transaction.on_commit(send, robust=True)
