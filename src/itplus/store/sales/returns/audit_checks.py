"""Audit checks of credit notes (registered with ``itplus audit``).

Credit-note series are walked like sale series (``sales.audit_checks.check_sales`` skips
them): numbers 1, 2, 3 … with no gap, the hash chain recomputed with the very payload
function the return used, the series head, and per note: lines add up to the total,
taxes add up, refunds = total + cash rounding, cash in multiples of $10. Then, across
notes: per original line, the quantity and amount credited never exceed what was sold,
nothing is credited for a line voided at the till, and a sale is ``anulada`` exactly
when it has a void note.

Every query goes through ``ctx.using``; notes are read a page at a time (keyset on the
number) and the per-line sums stream in sale-line order, so memory stays bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.utils.translation import gettext as _

from itplus.core.audit import (
    PAGE_SIZE,
    AuditContext,
    AuditProblem,
    document_problem,
    register_check,
)
from itplus.core.integrity import GENESIS_HASH, chain_hash
from itplus.store.sales.audit_checks import series_end_problems
from itplus.store.sales.models import (
    CreditNote,
    CreditNoteLine,
    DocumentKind,
    DocumentSeries,
    PaymentMethod,
    Refund,
    Sale,
)
from itplus.store.sales.returns.services import credit_note_chain_payload
from itplus.store.sales.selectors import document_label

# A note's own cash rounding is the difference of two cumulative roundings of ±5.
MAX_NOTE_ROUNDING_CLP = 10

NOTE_FIELDS = (
    "id",
    "number",
    "kind",
    "issued_at",
    "sale_id",
    "terminal_id",
    "user_id",
    "cash_session_id",
    "customer_id",
    "approval_id",
    "reason",
    "total_clp",
    "net_clp",
    "iva_clp",
    "ila_clp",
    "exempt_clp",
    "cash_rounding_clp",
    "previous_hash",
    "chain_hash",
    "sale__series__code",
    "sale__number",
)
LINE_FIELDS = (
    "credit_note_id",
    "position",
    "sale_line_id",
    "product_id",
    "quantity",
    "total_clp",
    "net_clp",
    "iva_clp",
    "ila_clp",
    "exempt_clp",
    "restock",
)


def _note_pages(using: str, series: SimpleNamespace) -> Iterator[list[tuple]]:
    """(label, note, lines, refunds) of the series' notes below its next number."""
    after = None
    while True:
        qs = CreditNote.objects.using(using).filter(
            series_id=series.id, number__lt=series.next_number
        )
        if after is not None:
            qs = qs.filter(number__gt=after)
        rows = list(qs.order_by("number").values_list(*NOTE_FIELDS, named=True)[:PAGE_SIZE])
        if not rows:
            return
        after = rows[-1].number
        in_page = {
            "credit_note__series_id": series.id,
            "credit_note__number__gte": rows[0].number,
            "credit_note__number__lte": rows[-1].number,
        }
        lines: dict[int, list[Any]] = {r.id: [] for r in rows}
        for line in (
            CreditNoteLine.objects.using(using)
            .filter(**in_page)
            .order_by("credit_note_id", "position")
            .values_list(*LINE_FIELDS, named=True)
        ):
            lines[line.credit_note_id].append(line)
        refunds: dict[int, list[tuple[str, int]]] = {r.id: [] for r in rows}
        for note_id, method, amount in (
            Refund.objects.using(using)
            .filter(**in_page)
            .order_by("id")
            .values_list("credit_note_id", "method", "amount_clp")
        ):
            refunds[note_id].append((method, amount))
        yield [
            (
                document_label(series.kind, series.code, r.number),
                SimpleNamespace(series=series, **r._asdict()),
                lines[r.id],
                refunds[r.id],
            )
            for r in rows
        ]
        if len(rows) < PAGE_SIZE:
            return


def _note_totals(label: str, note, lines, refunds) -> Iterator[AuditProblem]:
    total = 0
    for line in lines:
        if line.net_clp + line.iva_clp + line.ila_clp + line.exempt_clp != line.total_clp:
            yield document_problem(
                "totales",
                label,
                _("%(doc)s: los impuestos de la línea %(position)s no suman su total."),
                position=line.position,
            )
        total += line.total_clp
    if note.total_clp != total:
        yield document_problem(
            "totales",
            label,
            _(
                "%(doc)s: el total no coincide con la suma de sus líneas "
                "(documento %(document)s, líneas %(lines)s)."
            ),
            document=note.total_clp,
            lines=total,
        )
    if note.net_clp + note.iva_clp + note.ila_clp + note.exempt_clp != note.total_clp:
        yield document_problem(
            "totales", label, _("%(doc)s: neto + IVA + ILA + exento no suman el total.")
        )
    refunded = sum(amount for _method, amount in refunds)
    if refunded != note.total_clp + note.cash_rounding_clp:
        yield document_problem(
            "pagos",
            label,
            _(
                "%(doc)s: lo devuelto (%(refunded)s) no coincide con el total más el redondeo "
                "(%(expected)s)."
            ),
            refunded=refunded,
            expected=note.total_clp + note.cash_rounding_clp,
        )
    if abs(note.cash_rounding_clp) > MAX_NOTE_ROUNDING_CLP:
        yield document_problem(
            "pagos",
            label,
            _("%(doc)s: el redondeo de efectivo (%(rounding)s) es demasiado grande."),
            rounding=note.cash_rounding_clp,
        )
    if any(m == PaymentMethod.CASH and amount % 10 for m, amount in refunds):
        yield document_problem(
            "pagos", label, _("%(doc)s: la devolución en efectivo no está redondeada a 10 pesos.")
        )


@register_check
def check_credit_notes(ctx: AuditContext) -> Iterator[AuditProblem]:
    """Numbering, hash chain, series head and totals of every credit-note series."""
    using = ctx.using
    for series_row in (
        DocumentSeries.objects.using(using)
        .filter(kind=DocumentKind.NOTA_CREDITO)
        .order_by("code")
        .values_list("id", "code", "kind", "next_number", "last_hash", named=True)
    ):
        series = SimpleNamespace(**series_row._asdict())
        series_label = document_label(series.kind, series.code)
        ctx.count("series")
        stray = Sale.objects.using(using).filter(series_id=series.id).order_by("number").first()
        if stray is not None:
            yield AuditProblem(
                check="numeracion",
                message=_(
                    "%(series)s: tiene una venta (N° %(number)s) en una serie de notas de crédito."
                )
                % {"series": series_label, "number": stray.number},
                document=series_label,
            )
        expected_previous = GENESIS_HASH
        previous_label = ""
        previous_number = 0
        chain_broken = False
        for page in _note_pages(using, series):
            for label, note, lines, refunds in page:
                ctx.count("notas de crédito")
                ctx.count("líneas de notas de crédito", len(lines))
                if note.number == previous_number:
                    yield document_problem(
                        "numeracion", label, _("%(doc)s: número repetido en la serie.")
                    )
                elif note.number != previous_number + 1:
                    yield document_problem(
                        "numeracion",
                        label,
                        _(
                            "%(doc)s: faltan documentos antes de este: N° %(first)s a %(last)s (¿borrados?)."
                        ),
                        first=previous_number + 1,
                        last=note.number - 1,
                    )
                if not chain_broken:
                    payload = credit_note_chain_payload(
                        note,
                        original=(note.sale__series__code, note.sale__number),
                        lines=lines,
                        refunds=refunds,
                    )
                    if note.previous_hash != expected_previous:
                        chain_broken = True
                        yield document_problem(
                            "cadena",
                            label,
                            _(
                                "%(doc)s: la cadena está rota, no sigue al documento anterior "
                                "(%(previous)s): falta o se alteró un documento entre ambos."
                            ),
                            previous=previous_label or _("ninguno"),
                        )
                    elif chain_hash(note.previous_hash, payload, read_back=True) != note.chain_hash:
                        chain_broken = True
                        yield document_problem(
                            "cadena",
                            label,
                            _(
                                "%(doc)s: el documento fue modificado después de emitido "
                                "(su huella no coincide con su contenido)."
                            ),
                        )
                expected_previous = note.chain_hash
                previous_label = label
                previous_number = note.number
                yield from _note_totals(label, note, lines, refunds)

        yield from series_end_problems(
            using=using,
            series=series,
            series_label=series_label,
            documents=CreditNote,
            last_hash=expected_previous,
            last_label=previous_label,
            last_number=previous_number,
        )

    misplaced = (
        CreditNote.objects.using(using)
        .exclude(series__kind=DocumentKind.NOTA_CREDITO)
        .values_list("series__code", "number")
        .first()
    )
    if misplaced is not None:
        label = document_label(DocumentKind.NOTA_CREDITO, *misplaced)
        yield document_problem(
            "numeracion", label, _("%(doc)s: está en una serie que no es de notas de crédito.")
        )


def _sale_label(using: str, sale_line_id: int) -> str:
    kind, code, number = (
        Sale.objects.using(using)
        .filter(lines__pk=sale_line_id)
        .values_list("series__kind", "series__code", "number")
        .get()
    )
    return document_label(kind, code, number)


@register_check
def check_returns_within_sales(ctx: AuditContext) -> Iterator[AuditProblem]:
    """Per original line: credited quantity ≤ sold, credited amount ≤ line total, nothing
    credited for a line voided at the till. Voided sales have a void note and only they."""
    using = ctx.using
    current = None
    quantity = Decimal(0)
    amount = 0

    def verdict(key, quantity, amount) -> Iterator[AuditProblem]:
        sale_line_id, sold, total, voided, position = key
        if voided or quantity > sold or amount > total:
            label = _sale_label(using, sale_line_id)
            if voided:
                message = _("%(doc)s: la línea %(position)s se anuló en la venta pero se devolvió.")
            else:
                message = _(
                    "%(doc)s: la línea %(position)s se devolvió por más de lo vendido "
                    "(cantidad %(returned)s de %(sold)s, monto %(amount)s de %(total)s)."
                )
            yield document_problem(
                "devoluciones",
                label,
                message,
                position=position,
                returned=quantity,
                sold=sold,
                amount=amount,
                total=total,
            )

    for row in (
        CreditNoteLine.objects.using(using)
        .order_by("sale_line_id")
        .values_list(
            "sale_line_id",
            "sale_line__quantity",
            "sale_line__total_clp",
            "sale_line__is_voided",
            "sale_line__position",
            "quantity",
            "total_clp",
        )
        .iterator(chunk_size=5000)
    ):
        key = row[:5]
        if current is not None and key[0] != current[0]:
            yield from verdict(current, quantity, amount)
            quantity, amount = Decimal(0), 0
        current = key
        quantity += row[5]
        amount += row[6]
    if current is not None:
        yield from verdict(current, quantity, amount)

    # A voided sale has its void note, and a void note's sale is voided.
    mismatches = (
        (
            Sale.objects.using(using)
            .filter(status=Sale.Status.VOIDED)
            .exclude(credit_notes__kind=CreditNote.Kind.VOID)
            .values_list("series__kind", "series__code", "number"),
            _("%(doc)s: figura anulada pero no tiene nota de crédito de anulación."),
        ),
        (
            CreditNote.objects.using(using)
            .filter(kind=CreditNote.Kind.VOID)
            .exclude(sale__status=Sale.Status.VOIDED)
            .values_list("sale__series__kind", "sale__series__code", "sale__number"),
            _("%(doc)s: tiene una nota de anulación pero no figura anulada."),
        ),
    )
    for documents, message in mismatches:
        for kind, code, number in documents.iterator():
            yield document_problem("devoluciones", document_label(kind, code, number), message)
