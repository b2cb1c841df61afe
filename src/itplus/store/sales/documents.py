"""One writer for the store's numbered documents: sales and credit notes.

Whatever the document, issuing it is the same sequence, inside the caller's transaction
and after the caller has locked the cash session and the series row (the lock order is
in docs/architecture.md): take the series' next number (or the number the caller took
from a block leased to an offline till), chain the document to the series' head (the
chain is in writing order, whatever the numbers), save it with its lines and its money rows (a sale's payments, a credit
note's refunds), move the stock, post the customer's account, advance the series, and
print it once the transaction commits. ``document_issue`` is that sequence; the sale and
the credit-note services only decide what goes in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.contrib.auth.models import User
from django.db import models, transaction

from itplus.core.integrity import chain_hash
from itplus.store.customers.models import Customer
from itplus.store.customers.services import customer_account_post
from itplus.store.inventory.services import StockChange, stock_apply
from itplus.store.printing.documents import Printout
from itplus.store.printing.services import print_on_commit
from itplus.store.sales.models import CreditNote, DocumentSeries, Sale

Document = Sale | CreditNote


@dataclass(frozen=True)
class StockBatch:
    """Stock moved by the document: ``changes`` is called with the saved lines (a sale's
    movements point at its own lines, which have ids only once saved)."""

    kind: str
    changes: Callable[[Sequence[models.Model]], list[StockChange]]
    reason: str = ""
    allow_negative: bool | None = None


@dataclass(frozen=True)
class AccountPosting:
    """An entry on the customer's account: + a charge (fiado), − a credit. ``reason``
    is called with the saved document (its text names the number)."""

    customer: Customer
    amount_clp: int
    kind: str
    sale: Sale
    reason: Callable[[Document], str]


@dataclass
class DocumentDraft:
    """What a service decided: the unsaved document (everything set but its number and
    chain), its unsaved lines and money rows, and what to do around them."""

    series: DocumentSeries
    document: Document
    lines: list[models.Model]
    money: list[models.Model]
    # The fields of the lines and money rows that point at the document.
    parent_field: str
    chain_payload: Callable[[Document, list[models.Model]], dict]
    user: User
    issued_at: datetime
    # Called with the saved document's id; None: not printed (an offline sale was
    # printed by the till when it was made).
    printout: Callable[[int], Printout] | None
    stock: list[StockBatch] = field(default_factory=list)
    account: AccountPosting | None = None
    # A number already reserved in the series (from a leased block, checked unused by the
    # caller under the series lock); None: the series' next number.
    number: int | None = None


def chain_heading(document: Document) -> dict:
    """The part of a document's hash chain every kind shares: series, number, date (in
    UTC, so either database reads back the same text), customer and the totals."""
    return {
        "series": document.series.code,
        "number": document.number,
        "issued_at": document.issued_at.astimezone(UTC).isoformat(),
        "customer": document.customer_id,
        "total": document.total_clp,
        "net": document.net_clp,
        "iva": document.iva_clp,
        "ila": document.ila_clp,
        "exempt": document.exempt_clp,
        "rounding": document.cash_rounding_clp,
    }


def document_issue(draft: DocumentDraft) -> Document:
    """Number, chain, save and book ``draft``; print it after commit. Must run inside the
    transaction that locked ``draft.series`` (``select_for_update``)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("document_issue must run inside the transaction that locked the series")
    series, document = draft.series, draft.document
    if draft.number is not None and not 1 <= draft.number < series.next_number:
        raise RuntimeError("a given number must be one the series already reserved")
    document.series = series
    document.number = series.next_number if draft.number is None else draft.number
    document.previous_hash = series.last_hash
    document.chain_hash = chain_hash(
        document.previous_hash, draft.chain_payload(document, draft.lines)
    )
    document.save()
    for rows in (draft.lines, draft.money):
        for row in rows:
            setattr(row, draft.parent_field, document)
        if rows:
            type(rows[0]).objects.bulk_create(rows)

    reference = f"{series.code}-{document.number}"
    for batch in draft.stock:
        stock_apply(
            changes=batch.changes(draft.lines),
            kind=batch.kind,
            user=draft.user,
            reason=batch.reason,
            reference=reference,
            allow_negative=batch.allow_negative,
            at=draft.issued_at,
        )
    if draft.account is not None and draft.account.amount_clp:
        posting = draft.account
        customer_account_post(
            customer=posting.customer,
            amount_clp=posting.amount_clp,
            kind=posting.kind,
            user=draft.user,
            sale=posting.sale,
            reason=posting.reason(document),
            at=draft.issued_at,
        )

    series.last_hash = document.chain_hash
    if draft.number is None:
        series.next_number += 1
        series.save(update_fields=["next_number", "last_hash"])
    else:
        series.save(update_fields=["last_hash"])
    if draft.printout is not None:
        print_on_commit(functools.partial(draft.printout, document.pk))
    return document
