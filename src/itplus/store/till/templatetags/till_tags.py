from django import template

from itplus.store.config import get_config

register = template.Library()


@register.simple_tag
def store_name() -> str:
    """The shop's name from itplus.toml, for page headers."""
    return get_config().store.name
