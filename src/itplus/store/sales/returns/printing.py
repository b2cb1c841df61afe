"""The printed credit note: the sale receipt's data, page and ESC/POS drawing, reused.

``receipt_for_credit_note`` reads a credit note into the same ``Receipt`` the sale's
receipt uses (title "NOTA DE CRÉDITO", the original document and the reason under it,
refunds in place of payments, "Total devuelto"), so the 80 mm page and the thermal
printer render it with the very same code.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import asdict

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from itplus.core.money import round_clp
from itplus.store.config import get_config
from itplus.store.sales import printing
from itplus.store.sales.models import CreditNote, CreditNoteLine, PaymentMethod, Refund
from itplus.store.sales.receipts import (
    DOCUMENT_TITLES,
    SANTIAGO,
    Receipt,
    ReceiptLine,
    ReceiptPayment,
    format_quantity,
)
from itplus.store.sales.returns.selectors import sale_document_label

logger = logging.getLogger("itplus.printing")


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
    store = asdict(get_config().store)
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
        sale_id=note.pk,
        store_name=store.get("name", ""),
        store_rut=store.get("rut", ""),
        store_giro=store.get("giro", ""),
        store_address=store.get("address", ""),
        store_comuna=store.get("comuna", ""),
        store_phone=store.get("phone", ""),
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
        footer=store.get("receipt_footer", ""),
        is_copy=copy,
        is_voided=False,
        notes=(reference, _("Motivo: %(reason)s") % {"reason": note.reason}),
        paid_label=_("Total devuelto"),
    )


def credit_note_receipt_bytes(*, credit_note_id: int, copy: bool = False) -> bytes:
    """The credit note as ESC/POS bytes; the drawer opens when cash is given back."""
    config = printing._printer_config()
    receipt = receipt_for_credit_note(credit_note_id=credit_note_id, copy=copy)
    kick = bool(config.get("kick_drawer_on_cash")) and receipt.has_cash and not copy
    printer = printing.Dummy()
    printing.receipt_escpos(
        printer, receipt, width=int(config.get("width_chars", 48)), kick_drawer=kick
    )
    return printer.output


def _print_in_background(credit_note_id: int) -> threading.Thread | None:
    try:
        config = printing._printer_config()
        if config.get("kind") != "network":
            return None
        data = credit_note_receipt_bytes(credit_note_id=credit_note_id)
        host, port = str(config["host"]), int(config["port"])
    except Exception:
        logger.exception("Could not prepare credit note %s", credit_note_id)
        return None
    # The sales printer's sender: one job at a time, failures logged, never raised.
    thread = threading.Thread(
        target=printing._send_logged,
        kwargs={"data": data, "host": host, "port": port, "sale_id": f"NC {credit_note_id}"},
        name=printing.THREAD_NAME,
        daemon=True,
    )
    thread.start()
    return thread


def credit_note_print_on_commit(*, credit_note_id: int) -> None:
    """After commit, print the credit note on the network printer (if configured), in a
    background thread. Never raises."""
    try:
        if printing._printer_config().get("kind") != "network":
            return
    except Exception:
        logger.exception("Could not read the printer configuration")
        return
    transaction.on_commit(lambda: _print_in_background(credit_note_id), robust=True)
