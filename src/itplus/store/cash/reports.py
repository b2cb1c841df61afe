"""X and Z reports of a cash session: what the session's documents add up to.

``cash_report_compute`` is the one selector that sums a session's documents (sales by
payment method and by series, voids, discounts, Ley 20.956 rounding, taxes, cash
movements, and whatever other modules contribute) into a ``CashReport``. The X report is
that, computed live for an open session; the Z report stores the same figures, plus the
blind count, when the session closes (``cash.services.cash_session_close``), and is
rebuilt from what was stored (``cash_report_from_z``), never recomputed, so a printed Z
always reads the same. The audit recomputes it to prove the stored Z matches the documents.

Extension point — contributors. Documents of other modules that belong to a session
(credit notes and cash refunds of the returns module) are added by a contributor::

    from itplus.store.cash.reports import Contribution, register_report_contributor

    @register_report_contributor
    def credit_notes(*, session_id: int, using: str) -> Contribution | None:
        ...  # sum the session's credit notes with .using(using)
        return Contribution(key="notas_credito", count=n, total_clp=total,
                            cash_out_clp=refunded_in_cash, by_method={"efectivo": ...})

Register it from the module's ``AppConfig.ready()``. ``cash_out_clp`` is cash paid out of
the drawer (it lowers the expected cash); ``total_clp`` and ``by_method`` are shown on
the report. The session's sales themselves are summed by the sales app, which registers
its ``SessionSales`` selector with ``register_session_sales`` (cash sits below sales and
never imports it); without it a report has no sales.

Sales with status "anulada" count as voids (number, total), not as sales: their money
went back to the customer. A sale must be voided while its session is open — the Z of a
closed session is final (a later correction is a credit note in the session where it is
made), and the audit flags a Z whose documents changed after it was issued.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone

from itplus.store.cash.models import (
    DENOMINATIONS_CLP,
    CashMovement,
    CashSession,
    PaymentMethod,
    ZReport,
)


@dataclass(frozen=True)
class Contribution:
    """What another module adds to a session's report (e.g. credit notes)."""

    key: str  # stable id, e.g. "notas_credito"
    count: int
    total_clp: int
    cash_out_clp: int = 0  # cash paid out of the drawer: lowers the expected cash
    by_method: dict[str, int] = field(default_factory=dict)
    label: str = ""  # shown on the report; defaults to the key

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label or self.key,
            "count": self.count,
            "total_clp": self.total_clp,
            "cash_out_clp": self.cash_out_clp,
            "by_method": dict(sorted(self.by_method.items())),
        }


ReportContributor = Callable[..., Contribution | None]
REPORT_CONTRIBUTORS: list[ReportContributor] = []


def register_report_contributor(contributor: ReportContributor) -> ReportContributor:
    """Add a contributor (decorator): ``contributor(*, session_id, using)``."""
    if contributor not in REPORT_CONTRIBUTORS:
        REPORT_CONTRIBUTORS.append(contributor)
    return contributor


@dataclass(frozen=True)
class MethodTotal:
    method: str
    count: int
    amount_clp: int

    @property
    def label(self) -> str:
        return (
            str(PaymentMethod(self.method).label)
            if self.method in PaymentMethod.values
            else self.method
        )


@dataclass(frozen=True)
class SeriesTotal:
    code: str
    name: str
    kind: str
    count: int  # documents issued in the session, voided included
    first_number: int
    last_number: int
    voided_count: int
    total_clp: int  # of the documents still valid (not voided)


@dataclass(frozen=True)
class DenominationCount:
    value_clp: int
    pieces: int

    @property
    def amount_clp(self) -> int:
        return self.value_clp * self.pieces

    @property
    def is_bill(self) -> bool:
        return self.value_clp >= 1000


@dataclass(frozen=True)
class SessionSales:
    """What a session's sales add up to, as the sales app sums them for the report."""

    by_method: tuple[MethodTotal, ...]
    by_series: tuple[SeriesTotal, ...] = ()
    ticket_count: int = 0
    sales_total_clp: int = 0
    gross_clp: int = 0
    discounts_clp: int = 0
    cash_rounding_clp: int = 0
    net_clp: int = 0
    iva_clp: int = 0
    ila_clp: int = 0
    exempt_clp: int = 0
    voided_count: int = 0
    voided_total_clp: int = 0

    @property
    def cash_sales_clp(self) -> int:
        return sum(m.amount_clp for m in self.by_method if m.method == PaymentMethod.CASH)


def no_sales(*, session_id: int, using: str) -> SessionSales:
    """A session's sales when no sales app is installed: every method at zero."""
    return SessionSales(
        by_method=tuple(MethodTotal(method=m, count=0, amount_clp=0) for m in PaymentMethod.values)
    )


SessionSalesSummary = Callable[..., SessionSales]
_session_sales: list[SessionSalesSummary] = [no_sales]


def register_session_sales(summary: SessionSalesSummary) -> None:
    """Set who sums a session's sales (``summary(*, session_id, using) -> SessionSales``).

    The sales app registers its selector from ``SalesConfig.ready()``: cash sits below
    sales and never imports it.
    """
    _session_sales[0] = summary


@dataclass(frozen=True)
class CashReport:
    """Every figure of an X or Z report. For an X report the closing fields are None."""

    session_id: int
    terminal: str
    opened_at: datetime
    opened_by: str
    opening_float_clp: int
    by_method: tuple[MethodTotal, ...]
    by_series: tuple[SeriesTotal, ...]
    ticket_count: int
    sales_total_clp: int  # sum of valid sales' totals (before cash rounding)
    gross_clp: int
    discounts_clp: int
    cash_rounding_clp: int  # Ley 20.956, net of ups and downs
    net_clp: int
    iva_clp: int
    ila_clp: int
    exempt_clp: int
    voided_count: int
    voided_total_clp: int
    cash_sales_clp: int  # cash payments (already rounded): what stayed in the drawer
    cash_in_clp: int
    cash_out_clp: int
    movement_count: int
    contributions: tuple[dict[str, Any], ...]
    cash_refunds_clp: int  # contributions' cash out
    expected_cash_clp: int
    # Z only:
    z_number: int | None = None
    closed_at: datetime | None = None
    closed_by: str = ""
    counted_cash_clp: int | None = None
    difference_clp: int | None = None
    counts: tuple[DenominationCount, ...] = ()

    @property
    def is_z(self) -> bool:
        return self.z_number is not None

    @property
    def charged_total_clp(self) -> int:
        """What customers paid: the sales' totals plus the cash rounding."""
        return self.sales_total_clp + self.cash_rounding_clp

    @property
    def payments_total_clp(self) -> int:
        return sum(m.amount_clp for m in self.by_method)

    @property
    def is_over(self) -> bool:
        return bool(self.difference_clp and self.difference_clp > 0)

    @property
    def is_short(self) -> bool:
        return bool(self.difference_clp and self.difference_clp < 0)

    def data(self) -> dict[str, Any]:
        """The figures that come from the session's documents: stored in the Z (hashed)
        and recomputed by the audit. JSON of ints and strings only."""
        return {
            "opening_float_clp": self.opening_float_clp,
            "by_method": [dataclasses.asdict(m) for m in self.by_method],
            "by_series": [dataclasses.asdict(s) for s in self.by_series],
            "ticket_count": self.ticket_count,
            "sales_total_clp": self.sales_total_clp,
            "gross_clp": self.gross_clp,
            "discounts_clp": self.discounts_clp,
            "cash_rounding_clp": self.cash_rounding_clp,
            "net_clp": self.net_clp,
            "iva_clp": self.iva_clp,
            "ila_clp": self.ila_clp,
            "exempt_clp": self.exempt_clp,
            "voided_count": self.voided_count,
            "voided_total_clp": self.voided_total_clp,
            "cash_sales_clp": self.cash_sales_clp,
            "cash_in_clp": self.cash_in_clp,
            "cash_out_clp": self.cash_out_clp,
            "movement_count": self.movement_count,
            "contributions": [dict(c) for c in self.contributions],
            "cash_refunds_clp": self.cash_refunds_clp,
            "expected_cash_clp": self.expected_cash_clp,
        }


def _user_label(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def cash_report_compute(*, session: CashSession, using: str = "default") -> CashReport:
    """The X report of ``session``: its documents summed now (a handful of aggregate
    queries, whatever the number of tickets). Read-only."""
    sid = session.pk
    sales = _session_sales[0](session_id=sid, using=using)

    moved = {
        m["kind"]: m
        for m in CashMovement.objects.using(using)
        .filter(session_id=sid)
        .values("kind")
        .annotate(n=Count("id"), amount=Sum("amount_clp"))
        .order_by()
    }
    cash_in = moved.get(CashMovement.Kind.IN, {}).get("amount", 0) or 0
    cash_out = moved.get(CashMovement.Kind.OUT, {}).get("amount", 0) or 0
    movement_count = sum(m["n"] for m in moved.values())

    contributions = []
    for contributor in REPORT_CONTRIBUTORS:
        contribution = contributor(session_id=sid, using=using)
        if contribution is not None:
            contributions.append(contribution.as_dict())
    refunds = sum(c["cash_out_clp"] for c in contributions)

    # Related rows are read from the session's own database (``session._state.db``).
    return CashReport(
        session_id=sid,
        terminal=session.terminal.name,
        opened_at=session.opened_at,
        opened_by=_user_label(session.opened_by),
        opening_float_clp=session.opening_float_clp,
        by_method=sales.by_method,
        by_series=sales.by_series,
        ticket_count=sales.ticket_count,
        sales_total_clp=sales.sales_total_clp,
        gross_clp=sales.gross_clp,
        discounts_clp=sales.discounts_clp,
        cash_rounding_clp=sales.cash_rounding_clp,
        net_clp=sales.net_clp,
        iva_clp=sales.iva_clp,
        ila_clp=sales.ila_clp,
        exempt_clp=sales.exempt_clp,
        voided_count=sales.voided_count,
        voided_total_clp=sales.voided_total_clp,
        cash_sales_clp=sales.cash_sales_clp,
        cash_in_clp=cash_in,
        cash_out_clp=cash_out,
        movement_count=movement_count,
        contributions=tuple(contributions),
        cash_refunds_clp=refunds,
        expected_cash_clp=(
            session.opening_float_clp + sales.cash_sales_clp + cash_in - cash_out - refunds
        ),
    )


def cash_report_from_z(*, z: ZReport) -> CashReport:
    """The Z report as it was issued, rebuilt from what the Z stored (not recomputed)."""
    data = z.data
    session = z.session
    return CashReport(
        session_id=session.pk,
        terminal=session.terminal.name,
        opened_at=session.opened_at,
        opened_by=_user_label(session.opened_by),
        opening_float_clp=data["opening_float_clp"],
        by_method=tuple(MethodTotal(**m) for m in data["by_method"]),
        by_series=tuple(SeriesTotal(**s) for s in data["by_series"]),
        ticket_count=data["ticket_count"],
        sales_total_clp=data["sales_total_clp"],
        gross_clp=data["gross_clp"],
        discounts_clp=data["discounts_clp"],
        cash_rounding_clp=data["cash_rounding_clp"],
        net_clp=data["net_clp"],
        iva_clp=data["iva_clp"],
        ila_clp=data["ila_clp"],
        exempt_clp=data["exempt_clp"],
        voided_count=data["voided_count"],
        voided_total_clp=data["voided_total_clp"],
        cash_sales_clp=data["cash_sales_clp"],
        cash_in_clp=data["cash_in_clp"],
        cash_out_clp=data["cash_out_clp"],
        movement_count=data["movement_count"],
        contributions=tuple(data["contributions"]),
        cash_refunds_clp=data["cash_refunds_clp"],
        expected_cash_clp=z.expected_cash_clp,
        z_number=z.number,
        closed_at=z.closed_at,
        closed_by=_user_label(z.closed_by),
        counted_cash_clp=z.counted_cash_clp,
        difference_clp=z.difference_clp,
        counts=counts_from_json(z.counts),
    )


def counts_to_json(counts: dict[int, int]) -> dict[str, int]:
    """Denomination → pieces as stored in the Z: every denomination, largest first."""
    return {str(value): int(counts.get(value, 0)) for value in DENOMINATIONS_CLP}


def counts_from_json(data: dict[str, int]) -> tuple[DenominationCount, ...]:
    return tuple(
        DenominationCount(value_clp=value, pieces=int(data.get(str(value), 0)))
        for value in DENOMINATIONS_CLP
    )


def z_chain_payload(z: ZReport) -> dict[str, Any]:
    """What the Z hash chain covers: number, session, who and when, the count, every
    figure. Times in UTC so both databases give the same text."""
    return {
        "number": z.number,
        "session": z.session_id,
        "closed_by": z.closed_by_id,
        "closed_at": z.closed_at.astimezone(UTC).isoformat(),
        "ticket_count": z.ticket_count,
        "sales_total": z.sales_total_clp,
        "expected": z.expected_cash_clp,
        "counted": z.counted_cash_clp,
        "difference": z.difference_clp,
        "counts": z.counts,
        "data": z.data,
    }


def local(dt: datetime | None) -> datetime | None:
    return timezone.localtime(dt) if dt else None
