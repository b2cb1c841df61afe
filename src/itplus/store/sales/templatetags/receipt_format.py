"""Template filters for receipts: pesos written as ``core.money.format_clp`` does."""

from django import template

from itplus.core.money import format_clp, format_signed_clp

register = template.Library()


@register.filter
def clp(amount_clp: int) -> str:
    """1234 → $1.234"""
    return format_clp(int(amount_clp))


@register.filter
def clp_signed(amount_clp: int) -> str:
    """An adjustment with its sign: 4 → +$4, -3 → -$3."""
    return format_signed_clp(int(amount_clp))
