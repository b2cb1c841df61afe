"""Reads of sales documents that other apps need: how a document is named, the head of
each numbered series (for a backup's manifest and its verification), what a cash
session's sales add up to (registered with the cash X/Z report), and a day's sales."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Max, Min, Sum
from django.utils import timezone

from itplus.core.integrity import GENESIS_HASH
from itplus.store.cash.reports import MethodTotal, SeriesTotal, SessionSales
from itplus.store.sales.models import (
    CreditNote,
    DocumentKind,
    DocumentSeries,
    Payment,
    PaymentMethod,
    Sale,
)

# Documents that are sales (money in). Credit notes reach the cash report through the
# returns' contributor.
SALE_KINDS = (DocumentKind.BOLETA, DocumentKind.FACTURA)


def document_label(kind: str, series_code: str, number: int | None = None) -> str:
    """ "Boleta B1 N° 17" (or "Boleta B1" for the series itself): how messages and the
    audit name a document."""
    kind_label = str(DocumentKind(kind).label) if kind in DocumentKind.values else kind
    if number is None:
        return f"{kind_label} {series_code}"
    return f"{kind_label} {series_code} N° {number}"


def series_chain_heads(*, using: str = "default") -> dict[str, dict[str, Any]]:
    """Series code → {"number": the last written document's number, "hash": its chain
    hash} (the chain is in writing order — id order — which with offline number blocks
    is not always number order).

    Read from the documents themselves (not the series row), for a backup's manifest;
    a series with no documents yet has number 0 and the genesis hash.
    """
    heads: dict[str, dict[str, Any]] = {}
    for series_id, code, kind in (
        DocumentSeries.objects.using(using).order_by("code").values_list("id", "code", "kind")
    ):
        documents = CreditNote if kind == DocumentKind.NOTA_CREDITO else Sale
        last = (
            documents.objects.using(using)
            .filter(series_id=series_id)
            .order_by("-id")
            .values_list("number", "chain_hash")
            .first()
        )
        number, hash_ = last if last else (0, GENESIS_HASH)
        heads[code] = {"number": number, "hash": hash_}
    return heads


@dataclass(frozen=True, slots=True)
class DaySales:
    total_clp: int  # valid boletas and facturas, tax included
    tickets: int
    voided: int

    @property
    def average_clp(self) -> int:
        """The average ticket, rounded half up to the peso."""
        if not self.tickets:
            return 0
        return (2 * self.total_clp + self.tickets) // (2 * self.tickets)


def sales_of_day(*, day: date | None = None) -> DaySales:
    """The sales issued on ``day`` (today by default), a day in America/Santiago: one
    aggregate query. Credit notes are not subtracted (the cash reports show them)."""
    day = day or timezone.localdate()
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    rows = {
        row["status"]: row
        for row in Sale.objects.filter(
            issued_at__gte=start, issued_at__lt=end, series__kind__in=SALE_KINDS
        )
        .values("status")
        .annotate(n=Count("id"), total=Sum("total_clp"))
        .order_by()
    }
    valid = rows.get(Sale.Status.COMPLETED, {})
    return DaySales(
        total_clp=valid.get("total") or 0,
        tickets=valid.get("n", 0),
        voided=rows.get(Sale.Status.VOIDED, {}).get("n", 0),
    )


def cash_session_sales(*, session_id: int, using: str = "default") -> SessionSales:
    """What the sales of a cash session add up to, for its X/Z report: by payment method
    and by series, valid sales' totals and taxes, voids. A handful of aggregate queries,
    whatever the number of tickets. Credit-note series are left out (the returns'
    contributor counts them)."""
    sales = Sale.objects.using(using).filter(cash_session_id=session_id)
    rows = list(
        sales.values("series_id", "status")
        .annotate(
            n=Count("id"),
            first=Min("number"),
            last=Max("number"),
            total=Sum("total_clp"),
            gross=Sum("gross_clp"),
            discount=Sum("discount_clp"),
            rounding=Sum("cash_rounding_clp"),
            net=Sum("net_clp"),
            iva=Sum("iva_clp"),
            ila=Sum("ila_clp"),
            exempt=Sum("exempt_clp"),
        )
        .order_by()
    )
    series_info = {
        s["id"]: s
        for s in DocumentSeries.objects.using(using)
        .filter(id__in={r["series_id"] for r in rows})
        .values("id", "code", "name", "kind")
    }
    valid = {
        "n": 0,
        "total": 0,
        "gross": 0,
        "discount": 0,
        "rounding": 0,
        "net": 0,
        "iva": 0,
        "ila": 0,
        "exempt": 0,
    }
    voided_count = voided_total = 0
    per_series: dict[int, dict[str, Any]] = {}
    for r in rows:
        info = series_info[r["series_id"]]
        if info["kind"] not in SALE_KINDS:
            continue
        s = per_series.setdefault(
            r["series_id"],
            {"count": 0, "first": r["first"], "last": r["last"], "voided": 0, "total": 0},
        )
        s["count"] += r["n"]
        s["first"] = min(s["first"], r["first"])
        s["last"] = max(s["last"], r["last"])
        if r["status"] == Sale.Status.VOIDED:
            s["voided"] += r["n"]
            voided_count += r["n"]
            voided_total += r["total"] or 0
            continue
        s["total"] += r["total"] or 0
        for key in valid:
            valid[key] += r[key] or 0
    by_series = tuple(
        sorted(
            (
                SeriesTotal(
                    code=series_info[series_id]["code"],
                    name=series_info[series_id]["name"],
                    kind=series_info[series_id]["kind"],
                    count=s["count"],
                    first_number=s["first"],
                    last_number=s["last"],
                    voided_count=s["voided"],
                    total_clp=s["total"],
                )
                for series_id, s in per_series.items()
            ),
            key=lambda s: s.code,
        )
    )

    paid = {
        p["method"]: p
        for p in Payment.objects.using(using)
        .filter(
            sale__cash_session_id=session_id,
            sale__status=Sale.Status.COMPLETED,
            sale__series__kind__in=SALE_KINDS,
        )
        .values("method")
        .annotate(n=Count("id"), amount=Sum("amount_clp"))
        .order_by()
    }
    methods = list(PaymentMethod.values) + sorted(set(paid) - set(PaymentMethod.values))
    by_method = tuple(
        MethodTotal(
            method=m,
            count=paid.get(m, {}).get("n", 0),
            amount_clp=paid.get(m, {}).get("amount", 0) or 0,
        )
        for m in methods
    )
    return SessionSales(
        by_method=by_method,
        by_series=by_series,
        ticket_count=valid["n"],
        sales_total_clp=valid["total"],
        gross_clp=valid["gross"],
        discounts_clp=valid["discount"],
        cash_rounding_clp=valid["rounding"],
        net_clp=valid["net"],
        iva_clp=valid["iva"],
        ila_clp=valid["ila"],
        exempt_clp=valid["exempt"],
        voided_count=voided_count,
        voided_total_clp=voided_total,
    )


def sales_of_day_by_terminal(*, day: date | None = None) -> dict[int, DaySales]:
    """Like ``sales_of_day``, per terminal id (the owner's live view): one aggregate
    query. Terminals without sales that day are absent."""
    day = day or timezone.localdate()
    start = timezone.make_aware(datetime.combine(day, time.min))
    end = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    rows: dict[int, dict[str, dict]] = {}
    for row in (
        Sale.objects.filter(issued_at__gte=start, issued_at__lt=end, series__kind__in=SALE_KINDS)
        .values("terminal_id", "status")
        .annotate(n=Count("id"), total=Sum("total_clp"))
        .order_by()
    ):
        rows.setdefault(row["terminal_id"], {})[row["status"]] = row
    return {
        terminal_id: DaySales(
            total_clp=by_status.get(Sale.Status.COMPLETED, {}).get("total") or 0,
            tickets=by_status.get(Sale.Status.COMPLETED, {}).get("n", 0),
            voided=by_status.get(Sale.Status.VOIDED, {}).get("n", 0),
        )
        for terminal_id, by_status in rows.items()
    }
