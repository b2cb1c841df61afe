"""Audit checks of sales (registered with ``itplus audit`` from SalesConfig.ready()).

Sales are walked once, series by series in writing order (sale id: ids are taken while
the series row lock is held, so within a series they follow the hash chain), in pages
(keyset pagination, no long-lived cursor), with their lines and payments fetched per
page: a year of a busy shop (~800,000 lines) runs in bounded memory. Per-document rules
live in ``SALE_CHECKS`` so they share that one walk. Credit notes have their own walk in
``sales.returns.audit_checks``.

Numbering is checked in the same walk, apart from the chain: numbers leased to offline
tills (``NumberBlock``) are used in any order, so a number is either online — rising
1, 2, 3 … in writing order, skipping leased blocks, with no gap — or inside a block of
that series leased to the sale's terminal, once. Numbers of a closed block that were
never used are not a problem: the audit notes them.

Consistency on a live database without locking the tills: each series row is read
first (its chain head and next number), then the blocks; the walk stops at the sale the
head names. Documents are issued under the series row lock and committed with it, so
everything up to the head is committed, and sales made while the audit runs (later ids)
are left for the next audit.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from itplus.core.audit import (
    PAGE_SIZE,
    AuditContext,
    AuditProblem,
    document_problem,
    register_check,
)
from itplus.core.integrity import GENESIS_HASH, chain_hash
from itplus.core.money import format_clp
from itplus.store.customers.models import AccountEntry
from itplus.store.sales.models import (
    DocumentKind,
    DocumentSeries,
    NumberBlock,
    Payment,
    PaymentMethod,
    Sale,
    SaleLine,
)
from itplus.store.sales.selectors import document_label
from itplus.store.sales.services import sale_chain_payload

MAX_CASH_ROUNDING_CLP = 5

# --- Sales: one walk per series, per-document rules in SALE_CHECKS ---------------------

SALE_FIELDS = (
    "id",
    "number",
    "issued_at",
    "terminal_id",
    "cashier_id",
    "customer_id",
    "gross_clp",
    "discount_clp",
    "ticket_discount_clp",
    "total_clp",
    "net_clp",
    "iva_clp",
    "ila_clp",
    "exempt_clp",
    "cash_rounding_clp",
    "previous_hash",
    "chain_hash",
)
LINE_FIELDS = (
    "sale_id",
    "position",
    "product_id",
    "quantity",
    "unit_price_clp",
    "gross_clp",
    "discount_clp",
    "ticket_discount_clp",
    "total_clp",
    "net_clp",
    "iva_clp",
    "ila_clp",
    "exempt_clp",
    "is_voided",
)


@dataclass
class SaleRecord:
    """A sale as the audit sees it: plain values, its lines and payments.

    ``sale`` has the attributes ``sale_chain_payload`` reads (including ``series.code``),
    so the audit hashes with the very function the till used.
    """

    label: str
    sale: SimpleNamespace
    lines: list[Any]  # named tuples of LINE_FIELDS, by position
    payments: list[tuple[str, int]]  # (method, amount_clp)


SaleCheck = Callable[[SaleRecord], Iterable[AuditProblem]]
SALE_CHECKS: list[SaleCheck] = []


def register_sale_check(check: SaleCheck) -> SaleCheck:
    """Add a rule applied to every sale during the single walk of the sales."""
    SALE_CHECKS.append(check)
    return check


def _sale_pages(using: str, series: SimpleNamespace) -> Iterator[list[SaleRecord]]:
    """The series' sales in writing (id) order, a page at a time."""
    after = 0
    while True:
        rows = list(
            Sale.objects.using(using)
            .filter(series_id=series.id, id__gt=after)
            .order_by("id")
            .values_list(*SALE_FIELDS, named=True)[:PAGE_SIZE]
        )
        if not rows:
            return
        after = rows[-1].id
        ids = [r.id for r in rows]
        # The page's lines and payments by the page's id range rather than a long IN
        # list of ids.
        in_page = {
            "sale__series_id": series.id,
            "sale_id__gte": rows[0].id,
            "sale_id__lte": rows[-1].id,
        }
        lines: dict[int, list[Any]] = {i: [] for i in ids}
        for line in (
            SaleLine.objects.using(using)
            .filter(**in_page)
            .order_by("sale_id", "position")
            .values_list(*LINE_FIELDS, named=True)
        ):
            lines[line.sale_id].append(line)
        payments: dict[int, list[tuple[str, int]]] = {i: [] for i in ids}
        for sale_id, method, amount in (
            Payment.objects.using(using)
            .filter(**in_page)
            .order_by("id")
            .values_list("sale_id", "method", "amount_clp")
        ):
            payments[sale_id].append((method, amount))
        prefix = document_label(series.kind, series.code)
        yield [
            SaleRecord(
                label=f"{prefix} N° {r.number}",
                sale=SimpleNamespace(series=series, **r._asdict()),
                lines=lines[r.id],
                payments=payments[r.id],
            )
            for r in rows
        ]
        if len(rows) < PAGE_SIZE:
            return


def _numbers_text(ranges: list[tuple[int, int]]) -> str:
    """[(3, 3)] → "el N° 3"; [(3, 7)] → "los N° 3 a 7"; several: "N° 3, N° 5 a 7"."""
    if len(ranges) == 1:
        low, high = ranges[0]
        if low == high:
            return _("el N° %(first)s") % {"first": low}
        return _("los N° %(first)s a %(last)s") % {"first": low, "last": high}
    parts = [
        _("N° %(first)s") % {"first": low}
        if low == high
        else _("N° %(first)s a %(last)s") % {"first": low, "last": high}
        for low, high in ranges[:5]
    ]
    return ", ".join(parts) + (" …" if len(ranges) > 5 else "")


@dataclass
class _Numbering:
    """One series' numbers as the walk meets them (writing order): online numbers rise
    1, 2, 3 … skipping the leased blocks; a number inside a block was taken offline, in
    any order, once, by the block's terminal."""

    blocks: list[Any]  # named tuples (id, first, last, terminal_id, terminal_code, closed)
    last_online: int = 0
    used: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))

    def __post_init__(self) -> None:
        self.firsts = [block.first for block in self.blocks]

    def block_of(self, number: int) -> Any | None:
        index = bisect.bisect_right(self.firsts, number) - 1
        if index >= 0 and self.blocks[index].last >= number:
            return self.blocks[index]
        return None

    def online_between(self, low: int, high: int) -> list[tuple[int, int]]:
        """The online numbers from ``low`` to ``high`` (those in no block), as ranges."""
        ranges = []
        current = low
        index = max(bisect.bisect_right(self.firsts, low) - 1, 0)
        for block in self.blocks[index:]:
            if current > high or block.first > high:
                break
            if block.last < current:
                continue
            if block.first > current:
                ranges.append((current, block.first - 1))
            current = block.last + 1
        if current <= high:
            ranges.append((current, high))
        return ranges

    def problems(self, record: SaleRecord) -> Iterator[AuditProblem]:
        sale = record.sale
        number = sale.number
        block = self.block_of(number)
        if block is not None:
            if sale.terminal_id != block.terminal_id:
                yield document_problem(
                    "numeracion",
                    record.label,
                    _(
                        "%(doc)s: su número es del bloque %(first)s–%(last)s entregado a la "
                        "caja %(terminal)s, pero la venta es de otra caja."
                    ),
                    first=block.first,
                    last=block.last,
                    terminal=block.terminal_code,
                )
            if number in self.used[block.id]:
                yield document_problem(
                    "numeracion", record.label, _("%(doc)s: número repetido en la serie.")
                )
            self.used[block.id].add(number)
            return
        # Numbering: 1, 2, 3 … with no gap (a repeat cannot pass the unique key, but a
        # restored dump without constraints could carry one).
        if number == self.last_online:
            yield document_problem(
                "numeracion", record.label, _("%(doc)s: número repetido en la serie.")
            )
            return
        if number < self.last_online:
            yield document_problem(
                "numeracion",
                record.label,
                _("%(doc)s: número fuera de orden: se emitió después del N° %(previous)s."),
                previous=self.last_online,
            )
            return
        missing = self.online_between(self.last_online + 1, number - 1)
        if missing:
            yield document_problem(
                "numeracion",
                record.label,
                _("%(doc)s: faltan documentos antes de este: %(missing)s (¿borrados?)."),
                missing=_numbers_text(missing),
            )
        self.last_online = number


def _blocks_by_series(using: str) -> dict[int, list[Any]]:
    blocks: dict[int, list[Any]] = defaultdict(list)
    for block in (
        NumberBlock.objects.using(using)
        .order_by("series_id", "first")
        .values_list(
            "id",
            "series_id",
            "first",
            "last",
            "terminal_id",
            "terminal__code",
            "closed_at",
            named=True,
        )
    ):
        blocks[block.series_id].append(
            SimpleNamespace(
                id=block.id,
                first=block.first,
                last=block.last,
                terminal_id=block.terminal_id,
                terminal_code=block.terminal__code,
                closed=block.closed_at is not None,
            )
        )
    return blocks


@register_check
def check_sales(ctx: AuditContext) -> Iterator[AuditProblem]:
    """Hash chain, numbering and per-document rules of every sale series."""
    using = ctx.using
    series_rows = list(
        DocumentSeries.objects.using(using)
        .exclude(kind=DocumentKind.NOTA_CREDITO)  # credit notes have their own walk
        .order_by("code")
        .values_list("id", "code", "kind", "next_number", "last_hash", named=True)
    )
    # Read after the series rows: a block leased since starts at or after the
    # next_number read, and is left out with the sales numbered from it.
    all_blocks = _blocks_by_series(using) if series_rows else {}
    for series_row in series_rows:
        series = SimpleNamespace(**series_row._asdict())
        series_label = document_label(series.kind, series.code)
        ctx.count("series")
        blocks = [b for b in all_blocks.get(series.id, []) if b.first < series.next_number]
        ctx.count("bloques", len(blocks))
        numbering = _Numbering(blocks=blocks)
        expected_previous = GENESIS_HASH
        previous_label = ""
        chain_broken = False
        head_id = 0 if series.last_hash == GENESIS_HASH else None
        if head_id is None:
            for page in _sale_pages(using, series):
                for record in page:
                    sale = record.sale
                    ctx.count("documentos")
                    ctx.count("líneas", len(record.lines))
                    ctx.count("pagos", len(record.payments))

                    yield from numbering.problems(record)

                    # Hash chain: report only the first broken link of the series.
                    if not chain_broken:
                        if sale.previous_hash != expected_previous:
                            chain_broken = True
                            if previous_label:
                                message = _(
                                    "%(doc)s: la cadena está rota, no sigue al documento "
                                    "anterior que existe (%(previous)s): falta o se alteró "
                                    "un documento entre ambos."
                                )
                            else:
                                message = _(
                                    "%(doc)s: la cadena está rota, es el primer documento de "
                                    "la serie pero no comienza la cadena: faltan documentos "
                                    "anteriores."
                                )
                            yield document_problem(
                                "cadena", record.label, message, previous=previous_label
                            )
                        elif (
                            chain_hash(
                                sale.previous_hash,
                                sale_chain_payload(sale, record.lines, record.payments),
                                read_back=True,
                            )
                            != sale.chain_hash
                        ):
                            chain_broken = True
                            yield document_problem(
                                "cadena",
                                record.label,
                                _(
                                    "%(doc)s: el documento fue modificado después de emitido "
                                    "(su huella no coincide con su contenido)."
                                ),
                            )
                    expected_previous = sale.chain_hash
                    previous_label = record.label

                    for sale_check in SALE_CHECKS:
                        yield from sale_check(record)

                    if sale.chain_hash == series.last_hash:
                        head_id = sale.id  # the head when the series was read: stop here
                        break
                if head_id is not None:
                    break

        yield from _series_end(
            ctx,
            series=series,
            series_label=series_label,
            numbering=numbering,
            last_hash=expected_previous,
            last_label=previous_label,
            head_id=head_id,
        )


def chain_head_problems(
    *, series: Any, series_label: str, last_hash: str, last_label: str | None
) -> Iterator[AuditProblem]:
    """The series' row must name, as its chain head, the last document walked."""
    if series.last_hash != last_hash:
        yield AuditProblem(
            check="cadena",
            message=_(
                "%(series)s: el último eslabón registrado en la serie no corresponde al "
                "último documento (%(last)s)."
            )
            % {"series": series_label, "last": last_label or _("ninguno")},
            document=series_label,
        )


def _series_end(
    ctx: AuditContext,
    *,
    series: Any,
    series_label: str,
    numbering: _Numbering,
    last_hash: str,
    last_label: str,
    head_id: int | None,
) -> Iterator[AuditProblem]:
    """After walking a sale series: its row points at the last sale walked, its next
    number is one past the highest number issued or leased, and no sale lies beyond
    them; unused numbers of closed blocks are noted."""
    using = ctx.using
    yield from chain_head_problems(
        series=series, series_label=series_label, last_hash=last_hash, last_label=last_label
    )
    missing = numbering.online_between(numbering.last_online + 1, series.next_number - 1)
    if missing and not numbering.blocks:
        yield AuditProblem(
            check="numeracion",
            message=_(
                "%(series)s: el próximo número es %(next)s pero el último documento es "
                "el N° %(last)s."
            )
            % {"series": series_label, "next": series.next_number, "last": numbering.last_online},
            document=series_label,
        )
    elif missing:
        yield AuditProblem(
            check="numeracion",
            message=_(
                "%(series)s: faltan documentos emitidos en línea después del N° %(last)s: "
                "%(missing)s (¿borrados?); el próximo número es %(next)s."
            )
            % {
                "series": series_label,
                "last": numbering.last_online,
                "missing": _numbers_text(missing),
                "next": series.next_number,
            },
            document=series_label,
        )
    beyond_blocks = [b for b in numbering.blocks if b.last >= series.next_number]
    if beyond_blocks:
        yield AuditProblem(
            check="numeracion",
            message=_(
                "%(series)s: el bloque %(first)s–%(last)s llega más allá del próximo "
                "número de la serie (%(next)s)."
            )
            % {
                "series": series_label,
                "first": beyond_blocks[0].first,
                "last": beyond_blocks[0].last,
                "next": series.next_number,
            },
            document=series_label,
        )

    # A sale numbered past the counter, or written after the chain head the series row
    # names, was not issued by the store — unless the series moved while we walked.
    stray_filter = Q(number__gte=series.next_number)
    if head_id is not None:
        stray_filter |= Q(id__gt=head_id)
    stray = (
        Sale.objects.using(using)
        .filter(stray_filter, series_id=series.id)
        .order_by("id")
        .values_list("number", flat=True)
        .first()
    )
    if stray is not None:
        still_same = (
            DocumentSeries.objects.using(using)
            .filter(pk=series.id, next_number=series.next_number, last_hash=series.last_hash)
            .exists()
        )
        if still_same:
            label = document_label(series.kind, series.code, stray)
            if stray >= series.next_number:
                message = _("%(doc)s: tiene un número posterior al último emitido por la serie.")
            else:
                message = _(
                    "%(doc)s: no está en la cadena de la serie: se agregó después del último "
                    "documento registrado."
                )
            yield document_problem("numeracion", label, message)

    for block in numbering.blocks:
        unused = block.last - block.first + 1 - len(numbering.used.get(block.id, ()))
        if block.closed and unused > 0:
            ctx.note(
                _(
                    "%(series)s: el bloque %(first)s–%(last)s de la caja %(terminal)s se "
                    "cerró con %(unused)s número(s) sin usar (no es un error: la caja no "
                    "los necesitó)."
                )
                % {
                    "series": series_label,
                    "first": block.first,
                    "last": block.last,
                    "terminal": block.terminal_code,
                    "unused": unused,
                }
            )


def series_end_problems(
    *,
    using: str,
    series: Any,
    series_label: str,
    documents: type,
    last_hash: str,
    last_label: str | None,
    last_number: int,
) -> Iterator[AuditProblem]:
    """After walking a chained series: its row must point at the last document walked
    (chain head and next number), and no document may carry a number beyond the series'
    counter. ``documents`` is the model of the series' documents (sales, credit notes)."""
    yield from chain_head_problems(
        series=series, series_label=series_label, last_hash=last_hash, last_label=last_label
    )
    if series.next_number != last_number + 1:
        yield AuditProblem(
            check="numeracion",
            message=_(
                "%(series)s: el próximo número es %(next)s pero el último documento es "
                "el N° %(last)s."
            )
            % {"series": series_label, "next": series.next_number, "last": last_number},
            document=series_label,
        )
    beyond = (
        documents.objects.using(using)
        .filter(series_id=series.id, number__gte=series.next_number)
        .order_by("number")
        .values_list("number", flat=True)
        .first()
    )
    still_same = (
        DocumentSeries.objects.using(using)
        .filter(pk=series.id, next_number=series.next_number)
        .exists()
    )
    # A document issued while we walked moves next_number; one beyond an unchanged
    # next_number was not issued by the store.
    if beyond is not None and still_same:
        label = document_label(series.kind, series.code, beyond)
        yield document_problem(
            "numeracion",
            label,
            _("%(doc)s: tiene un número posterior al último emitido por la serie."),
        )


@register_sale_check
def check_sale_totals(record: SaleRecord) -> Iterator[AuditProblem]:
    """Document totals = sum of its non-voided lines; taxes add up to the total."""
    sale = record.sale
    gross = discount = ticket_discount = total = 0
    for line in record.lines:
        if line.total_clp != line.gross_clp - line.discount_clp - line.ticket_discount_clp:
            yield document_problem(
                "totales",
                record.label,
                _(
                    "%(doc)s: el total de la línea %(position)s no cuadra con su precio y descuentos."
                ),
                position=line.position,
            )
        taxed = 0 if line.is_voided else line.total_clp
        if line.net_clp + line.iva_clp + line.ila_clp + line.exempt_clp != taxed:
            yield document_problem(
                "totales",
                record.label,
                _("%(doc)s: los impuestos de la línea %(position)s no suman su total."),
                position=line.position,
            )
        if line.is_voided:
            continue
        gross += line.gross_clp
        discount += line.discount_clp
        ticket_discount += line.ticket_discount_clp
        total += line.total_clp
    if sale.total_clp != total:
        yield document_problem(
            "totales",
            record.label,
            _(
                "%(doc)s: el total no coincide con la suma de sus líneas "
                "(documento %(document)s, líneas %(lines)s)."
            ),
            document=sale.total_clp,
            lines=total,
        )
    if sale.gross_clp != gross:
        yield document_problem(
            "totales", record.label, _("%(doc)s: el bruto no coincide con la suma de sus líneas.")
        )
    if (
        sale.discount_clp != discount + ticket_discount
        or sale.ticket_discount_clp != ticket_discount
    ):
        yield document_problem(
            "totales",
            record.label,
            _("%(doc)s: los descuentos no coinciden con los de sus líneas."),
        )
    if sale.net_clp + sale.iva_clp + sale.ila_clp + sale.exempt_clp != sale.total_clp:
        yield document_problem(
            "totales",
            record.label,
            _("%(doc)s: neto + IVA + ILA + exento no suman el total."),
        )


@register_sale_check
def check_sale_payments(record: SaleRecord) -> Iterator[AuditProblem]:
    """Payments = total + cash rounding (Ley 20.956: within ±5, cash in multiples of 10)."""
    sale = record.sale
    if abs(sale.cash_rounding_clp) > MAX_CASH_ROUNDING_CLP:
        yield document_problem(
            "pagos",
            record.label,
            _("%(doc)s: el redondeo de efectivo (%(rounding)s) supera los ±5 pesos."),
            rounding=sale.cash_rounding_clp,
        )
    paid = sum(amount for _method, amount in record.payments)
    charged = sale.total_clp + sale.cash_rounding_clp
    if paid != charged:
        yield document_problem(
            "pagos",
            record.label,
            _("%(doc)s: los pagos (%(paid)s) no coinciden con el total cobrado (%(charged)s)."),
            paid=paid,
            charged=charged,
        )
    if any(m == PaymentMethod.CASH and amount % 10 for m, amount in record.payments):
        yield document_problem(
            "pagos",
            record.label,
            _("%(doc)s: el pago en efectivo no está redondeado a 10 pesos."),
        )


@register_check
def credit_sales_charged(ctx: AuditContext) -> Iterator[AuditProblem]:
    """What a sale put on the account (its "cuenta_corriente" payments) equals the
    charges posted to the customer for that sale."""
    on_credit = dict(
        Payment.objects.using(ctx.using)
        .filter(method=PaymentMethod.STORE_CREDIT)
        .values("sale_id")
        .annotate(total=Sum("amount_clp"))
        .values_list("sale_id", "total")
        .iterator()
    )
    charged = dict(
        AccountEntry.objects.using(ctx.using)
        .filter(kind=AccountEntry.Kind.CHARGE, sale__isnull=False)
        .values("sale_id")
        .annotate(total=Sum("amount_clp"))
        .values_list("sale_id", "total")
        .iterator()
    )
    for sale_id in sorted(on_credit.keys() | charged.keys()):
        ctx.count("ventas fiadas")
        if on_credit.get(sale_id, 0) != charged.get(sale_id, 0):
            yield AuditProblem(
                "fiado",
                _(
                    "La venta %(id)s se pagó %(paid)s con cuenta corriente pero se cargaron "
                    "%(charged)s a la cuenta del cliente."
                )
                % {
                    "id": sale_id,
                    "paid": format_clp(on_credit.get(sale_id, 0)),
                    "charged": format_clp(charged.get(sale_id, 0)),
                },
                document=str(sale_id),
            )
