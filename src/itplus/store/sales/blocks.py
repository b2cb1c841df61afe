"""Blocks of boleta numbers leased to a terminal, so its till can keep selling (and
numbering) while the server is out of reach.

A lease takes ``block_size`` numbers from the terminal's boleta series under the series
row lock — the lock every writer of the series takes (lock order: cash session → series
→ stock rows → customer; a lease: series → terminal row) — and moves ``next_number`` past
them: online sales skip leased ranges, and two leases never overlap. The till numbers
its offline sales from its blocks; ``services.offline_sale_sync`` records them when they
come in. The audit reads the blocks to tell leased numbers from missing ones
(``sales.audit_checks``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.store.config import get_config
from itplus.store.sales.models import DocumentKind, NumberBlock, Sale
from itplus.store.sales.services import SaleRejected, _series_for
from itplus.store.terminals.models import Terminal


@dataclass(frozen=True)
class BlockUse:
    """The till's report on one of its blocks: the next number it has not used yet."""

    block_id: int
    next_number: int


def _next_unused(block: NumberBlock, reported: int | None) -> int:
    """The first number of ``block`` nobody used: the till's report, but never below a
    number the server already recorded from it."""
    highest = (
        Sale.objects.filter(series_id=block.series_id, number__range=(block.first, block.last))
        .aggregate(highest=Max("number"))
        .get("highest")
    )
    recorded = block.first if highest is None else highest + 1
    if reported is None:
        return recorded
    return max(recorded, min(max(reported, block.first), block.last + 1))


@transaction.atomic
def number_blocks_ensure(*, terminal: Terminal, used: Iterable[BlockUse]) -> list[NumberBlock]:
    """The terminal's open blocks of its boleta series, by first number, after closing
    the used-up ones and leasing new ones while fewer than ``[offline] renew_below``
    numbers are left unused (``used``: the till's report; for a block it did not report,
    what the server recorded from it).

    Blocks of another series (the terminal was moved to a new one) are closed: the
    sales they already numbered are still accepted.
    """
    series = _series_for(terminal, DocumentKind.BOLETA)  # the series row lock
    # Then the terminal row (NO KEY UPDATE: a sale's foreign-key lock on it does not
    # wait for it): a revoke in progress finishes first, and its closing of the blocks
    # is not undone by a block leased here.
    current = Terminal.objects.select_for_update(no_key=True).filter(pk=terminal.pk).first()
    if current is None or current.revoked_at is not None or not current.is_active:
        raise SaleRejected(
            _("La caja fue revocada o desactivada: vincúlela de nuevo."), code="caja_revocada"
        )
    config = get_config().offline
    reported = {use.block_id: use.next_number for use in used}
    now = timezone.now()
    kept: list[NumberBlock] = []
    unused = 0
    for block in NumberBlock.objects.filter(terminal=terminal, closed_at__isnull=True).order_by(
        "first", "id"
    ):
        if block.series_id != series.pk:
            reason = _("la caja pasó a la serie %(series)s") % {"series": series.code}
        else:
            left = block.last - _next_unused(block, reported.get(block.pk)) + 1
            if left > 0:
                kept.append(block)
                unused += left
                continue
            reason = NumberBlock.REASON_USED_UP
        block.closed_at, block.closed_reason = now, reason
        block.save(update_fields=["closed_at", "closed_reason"])
    while unused < config.renew_below:
        first = series.next_number
        block = NumberBlock.objects.create(
            series=series,
            terminal=terminal,
            first=first,
            last=first + config.block_size - 1,
            leased_at=now,
        )
        series.next_number = block.last + 1
        series.save(update_fields=["next_number"])
        kept.append(block)
        unused += block.size
    for block in kept:
        block.series = series
    return kept


@transaction.atomic
def terminal_blocks_close(*, terminal: Terminal, reason: str) -> int:
    """Close the terminal's open blocks (it was revoked): none is listed for it again.
    Returns how many were closed.

    Run by ``terminal_revoke`` while it holds the terminal row; a lease at the same
    moment waits for that row before it looks at the blocks, then sees the terminal
    revoked. It takes no series lock: a sale holding one may be waiting for the
    terminal row (its foreign key), and waiting back would deadlock.
    """
    return NumberBlock.objects.filter(terminal=terminal, closed_at__isnull=True).update(
        closed_at=timezone.now(), closed_reason=reason[:500]
    )
