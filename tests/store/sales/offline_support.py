"""Helpers for the offline till tests: leases and offline sales through the real services."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from itplus.store.inventory.models import MovementKind
from itplus.store.inventory.services import stock_move
from itplus.store.sales.blocks import BlockUse, number_blocks_ensure
from itplus.store.sales.models import NumberBlock
from itplus.store.sales.services import (
    LineInput,
    OfflineSale,
    PaymentInput,
    SaleInput,
    offline_sale_sync,
)
from tests.factories import make_product, make_user


def lease(terminal, used: dict[int, int] | None = None) -> list[NumberBlock]:
    """The terminal's open blocks after reporting ``used`` (block id → next unused)."""
    return number_blocks_ensure(
        terminal=terminal,
        used=[BlockUse(block_id=k, next_number=v) for k, v in (used or {}).items()],
    )


def stocked_product(*, price_clp: int = 1190, quantity: int = 1000, **kwargs):
    """A product with stock on hand, so selling it raises no stock conflict."""
    product = make_product(price_clp=price_clp, **kwargs)
    stock_move(
        product=product,
        quantity=Decimal(quantity),
        kind=MovementKind.ADJUSTMENT,
        user=make_user(role="administrador"),
    )
    return product


def offline_input(
    product, *, quantity: str = "1", cash: int = 10_000, unit_price_clp: int | None = None, **kw
) -> SaleInput:
    return SaleInput(
        client_uuid=kw.pop("client_uuid", None) or uuid.uuid4(),
        lines=kw.pop("lines", None)
        or [
            LineInput(
                code=product.barcodes.first().code,
                quantity=Decimal(quantity),
                unit_price_clp=unit_price_clp,
            )
        ],
        payments=kw.pop("payments", None) or [PaymentInput(method="efectivo", amount_clp=cash)],
        **kw,
    )


def sell_offline(
    terminal,
    user,
    block: NumberBlock,
    number: int,
    product,
    *,
    sold_at: datetime | None = None,
    data: SaleInput | None = None,
    cashier_id: int | None = None,
    **kwargs,
):
    """Sync one offline sale; returns (sale, created, conflicts)."""
    return offline_sale_sync(
        terminal=terminal,
        user=user,
        data=data or offline_input(product, **kwargs),
        offline=OfflineSale(
            block_id=block.pk,
            number=number,
            sold_at=sold_at or max(timezone.now() - timedelta(seconds=1), block.leased_at),
            cashier_id=cashier_id,
        ),
    )
