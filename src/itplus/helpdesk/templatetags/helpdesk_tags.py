import re

from django import template

from itplus.core.chile import rut_format
from itplus.core.money import format_clp

register = template.Library()


@register.filter
def clp(amount: int) -> str:
    """35000 → "$35.000"."""
    return format_clp(int(amount))


@register.filter
def rut(value: str) -> str:
    return rut_format(value)


@register.filter
def duration(minutes: int) -> str:
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


@register.simple_tag
def whatsapp_link(number: str, text: str = "") -> str:
    """A wa.me link (digits only, country code included) with an optional message."""
    from urllib.parse import quote

    link = "https://wa.me/" + re.sub(r"\D", "", number)
    return link + (f"?text={quote(text)}" if text else "")


@register.filter
def tel(number: str) -> str:
    return "tel:" + re.sub(r"[^\d+]", "", number)
