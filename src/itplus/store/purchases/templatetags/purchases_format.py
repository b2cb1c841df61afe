"""Template filters of the purchases pages: pesos and quantities written the Chilean way."""

from django import template

from itplus.core.money import format_clp
from itplus.core.numbers import format_quantity

register = template.Library()


@register.filter
def clp(amount_clp) -> str:
    """1234 → $1.234 (empty for None)."""
    return "" if amount_clp is None or amount_clp == "" else format_clp(int(amount_clp))


@register.filter
def qty(value) -> str:
    """Decimal("2.500") → "2,5"; Decimal("10.000") → "10"."""
    return format_quantity(value)
