"""Till reads: what the till page needs to start."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import QuerySet

from itplus.store.accounts.permissions import staff_role
from itplus.store.config import get_config
from itplus.store.terminals.models import Terminal


@dataclass(frozen=True, slots=True)
class TillContext:
    store_name: str
    role: str
    discount_limit_percent: int


def till_context(*, user: User) -> TillContext:
    """The cashier's role and discount limit (the server re-checks every sale)."""
    config = get_config()
    role = staff_role(user)
    return TillContext(
        store_name=config.store.name,
        role=role,
        discount_limit_percent=config.discount_limit_percent(role),
    )


def pairable_terminals() -> QuerySet[Terminal]:
    return Terminal.objects.filter(is_active=True).order_by("code")
