"""Customer reads: search for the till, the account statement with its running balance."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from itplus.core.chile import InvalidRut, rut_validate
from itplus.core.text import fold
from itplus.store.customers.models import FINAL_CONSUMER_RUT, AccountEntry, Customer

# What a cashier types when searching by RUT: digits first, dots, a dash, a K.
_RUT_TYPING = re.compile(r"[0-9][0-9.]*(-[0-9kK]?)?|[0-9][0-9.]{6,}[kK]")


def _rut_condition(text: str) -> Q:
    """RUTs (stored "12345678-5") matching what was typed: "12.345" → prefix "12345";
    "12.345.678-" → prefix "12345678-"; digits that are a whole valid RUT without the dash
    ("123456785") also match that RUT exactly."""
    compact = text.replace(".", "").upper()
    condition = Q(rut__startswith=compact)
    if "-" not in compact:
        try:
            valid = rut_validate(compact)
        except InvalidRut:
            return condition
        condition |= Q(rut=f"{valid[:-1]}-{valid[-1]}")
    return condition


def customer_search(*, q: str, limit: int = 10) -> list[Customer]:
    """Active customers (not the final consumer) by RUT prefix or by name.

    Digits (with or without dots/dash) search the RUT from its start: "12.345" finds
    12.345.678-5. Text searches every word in the name, accents ignored.
    """
    text = (q or "").strip()
    if not text:
        return []
    qs = Customer.objects.filter(is_active=True).exclude(rut=FINAL_CONSUMER_RUT)
    if _RUT_TYPING.fullmatch(text):
        return list(qs.filter(_rut_condition(text)).order_by("rut")[:limit])
    condition = Q()
    for word in text.split():
        # search_text is written by the services; name__icontains finds rows made around them.
        condition &= Q(search_text__contains=fold(word)) | Q(name__icontains=word)
    return list(qs.filter(condition).order_by("name")[:limit])


def customer_get_active(*, customer_id: int) -> Customer | None:
    return Customer.objects.filter(pk=customer_id, is_active=True).first()


@dataclass(frozen=True, slots=True)
class StatementLine:
    entry: AccountEntry
    charge_clp: int
    payment_clp: int
    balance_clp: int  # running balance after this entry


@dataclass(frozen=True, slots=True)
class Statement:
    customer: Customer
    date_from: date | None
    date_to: date | None
    opening_balance_clp: int
    lines: list[StatementLine]
    total_charges_clp: int
    total_payments_clp: int
    closing_balance_clp: int


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def customer_entries(*, customer: Customer) -> QuerySet[AccountEntry]:
    """The account's entries in the order they were posted."""
    return (
        AccountEntry.objects.filter(customer=customer)
        .select_related("user", "sale__series", "terminal")
        .order_by("created_at", "id")
    )


def customer_statement(
    *, customer: Customer, date_from: date | None = None, date_to: date | None = None
) -> Statement:
    """The account statement: the balance brought forward at ``date_from``, then every
    entry up to the end of ``date_to`` with the running balance, computed from the
    entries themselves (so it shows whether they add up to the stored balance)."""
    entries = customer_entries(customer=customer)
    opening = 0
    if date_from is not None:
        start = _day_start(date_from)
        opening = (
            entries.filter(created_at__lt=start).aggregate(total=Sum("amount_clp"))["total"] or 0
        )
        entries = entries.filter(created_at__gte=start)
    if date_to is not None:
        end = _day_start(date_to) + timedelta(days=1)
        entries = entries.filter(created_at__lt=end)
    running = opening
    lines = []
    charges = payments = 0
    for entry in entries:
        running += entry.amount_clp
        charges += entry.charge_clp
        payments += entry.payment_clp
        lines.append(StatementLine(entry, entry.charge_clp, entry.payment_clp, running))
    return Statement(
        customer=customer,
        date_from=date_from,
        date_to=date_to,
        opening_balance_clp=opening,
        lines=lines,
        total_charges_clp=charges,
        total_payments_clp=payments,
        closing_balance_clp=running,
    )


def statement_csv_rows(statement: Statement) -> Iterator[list[str]]:
    """The statement as CSV rows (header first), amounts as plain integers."""
    from django.utils.translation import gettext as _

    yield [_("Fecha"), _("Tipo"), _("Documento"), _("Detalle"), _("Cargo"), _("Abono"), _("Saldo")]
    yield ["", _("Saldo anterior"), "", "", "", "", str(statement.opening_balance_clp)]
    for line in statement.lines:
        entry = line.entry
        yield [
            timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M"),
            str(entry.get_kind_display()),
            str(entry.sale) if entry.sale_id else "",
            entry.reason,
            str(line.charge_clp or ""),
            str(line.payment_clp or ""),
            str(line.balance_clp),
        ]
