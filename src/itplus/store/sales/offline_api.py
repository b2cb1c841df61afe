"""The offline till's calls under /api/v1/offline/ (docs/offline-sync.md).

- ``blocks``: the terminal's leased blocks of boleta numbers, renewed as they run low.
- ``sales``: the sales the till made offline, each recorded once (idempotent on its
  ``client_uuid``) in its own transaction, in the order sent; a refusal is that sale's
  result (Spanish message, a code for the till), not an error of the request.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from itplus.core.errors import BusinessError
from itplus.core.numbers import MAX_AMOUNT_CLP
from itplus.store.config import get_config
from itplus.store.sales.api import LineIn, PaymentIn, SaleIn, require_cashier, sale_input
from itplus.store.sales.blocks import BlockUse, number_blocks_ensure
from itplus.store.sales.models import NumberBlock
from itplus.store.sales.services import (
    OfflineSale,
    SaleInput,
    offline_sale_sync,
)

router = Router(tags=["sin conexión"])

MAX_SALES_PER_CALL = 50
MAX_ID = 2**62  # ids and numbers fit a 64-bit column on either database
# Refusals the till keeps queued and sends again later (the others need a person).
RETRY_CODES = frozenset({"caja_cerrada", "espera_a_su_cajero"})


class BlockUseIn(Schema):
    block_id: int = Field(..., ge=1, le=MAX_ID)
    next_number: int = Field(..., ge=0, le=MAX_ID)  # the first number the till has not used


class BlocksIn(Schema):
    used: list[BlockUseIn] = Field(default_factory=list, max_length=100)


class BlockOut(Schema):
    id: int
    series: str
    kind: str
    first: int
    last: int


class BlocksOut(Schema):
    block_size: int
    renew_below: int
    blocks: list[BlockOut]


def _block_out(block: NumberBlock) -> BlockOut:
    return BlockOut(
        id=block.pk,
        series=block.series.code,
        kind=block.series.kind,
        first=block.first,
        last=block.last,
    )


@router.post("/offline/blocks", response=BlocksOut, summary="Bloques de números sin conexión")
def offline_blocks(request: HttpRequest, payload: BlocksIn):
    """The terminal's open blocks of boleta numbers (by first number), after closing
    the used-up ones and leasing a new one when fewer than ``renew_below`` numbers are
    left. ``used``: per block, the next number the till has not used yet."""
    blocks = number_blocks_ensure(
        terminal=request.terminal,
        used=[BlockUse(block_id=u.block_id, next_number=u.next_number) for u in payload.used],
    )
    config = get_config().offline
    return BlocksOut(
        block_size=config.block_size,
        renew_below=config.renew_below,
        blocks=[_block_out(block) for block in blocks],
    )


class OfflineLineIn(LineIn):
    unit_price_clp: int | None = Field(None, ge=0, le=MAX_AMOUNT_CLP)  # what the till charged


class OfflineSaleIn(SaleIn):
    lines: list[OfflineLineIn]
    payments: list[PaymentIn]
    block_id: int = Field(..., ge=1, le=MAX_ID)
    number: int = Field(..., ge=1, le=MAX_ID)
    sold_at: datetime  # ISO 8601 with its offset, as the till's clock read it
    cashier_id: int | None = Field(None, ge=1, le=MAX_ID)  # None: the logged-in user


class OfflineSalesIn(Schema):
    sales: list[OfflineSaleIn] = Field(..., max_length=MAX_SALES_PER_CALL)


class ConflictOut(Schema):
    kind: str
    message: str


class OfflineResultOut(Schema):
    client_uuid: uuid.UUID
    status: str  # "creada" | "ya_registrada" | "rechazada"
    sale_id: int | None = None
    number: int | None = None
    receipt_url: str = ""
    code: str = ""
    message: str = ""
    retry: bool = False
    conflicts: list[ConflictOut] = Field(default_factory=list)


class OfflineSalesOut(Schema):
    results: list[OfflineResultOut]


def _sale_input(payload: OfflineSaleIn) -> tuple[SaleInput, OfflineSale]:
    data = sale_input(payload)
    offline = OfflineSale(
        block_id=payload.block_id,
        number=payload.number,
        sold_at=payload.sold_at,
        cashier_id=payload.cashier_id,
    )
    return data, offline


@router.post("/offline/sales", response=OfflineSalesOut, summary="Sincronizar ventas sin conexión")
def offline_sales(request: HttpRequest, payload: OfflineSalesIn):
    """Record the sales the till made offline (at most 50), each in its own transaction
    and in the order sent. Per sale: ``creada``, ``ya_registrada`` (sent before: the same
    ``sale_id``) or ``rechazada`` with a ``code`` and a Spanish ``message`` (``retry``:
    keep it queued and send it again later). ``conflicts``: what the sale did that the
    server would not have let pass, recorded for the owner (the sale stands)."""
    user = require_cashier(request)
    results = []
    for sale_in in payload.sales:
        data, offline = _sale_input(sale_in)
        try:
            sale, created, conflicts = offline_sale_sync(
                terminal=request.terminal, user=user, data=data, offline=offline
            )
        except BusinessError as refusal:
            results.append(
                OfflineResultOut(
                    client_uuid=sale_in.client_uuid,
                    status="rechazada",
                    number=sale_in.number,
                    code=refusal.code,
                    message=refusal.message,
                    retry=refusal.code in RETRY_CODES,
                )
            )
            continue
        results.append(
            OfflineResultOut(
                client_uuid=sale.client_uuid,
                status="creada" if created else "ya_registrada",
                sale_id=sale.pk,
                number=sale.number,
                receipt_url=f"/pos/recibo/{sale.pk}/",
                conflicts=[ConflictOut(kind=c.kind, message=c.message) for c in conflicts],
            )
        )
    return OfflineSalesOut(results=results)
