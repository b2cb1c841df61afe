"""A quantity of a product as a person typed it, read with the product's own unit:
whole units, or kilograms for a product sold by weight (rules in itplus.core.numbers)."""

from decimal import Decimal

from django.utils.translation import gettext as _

from itplus.core.numbers import parse_quantity
from itplus.store.catalog.models import Product


def product_quantity_parse(
    value, *, product: Product, positive: bool = False, allow_negative: bool = False
) -> Decimal:
    """``value`` (text, Decimal or int) as a Decimal with 3 places; an ``InvalidNumber``
    naming the product otherwise."""
    return parse_quantity(
        value,
        weighed=product.is_weighed,
        field=_("Cantidad de «%(product)s»") % {"product": product.name},
        positive=positive,
        allow_negative=allow_negative,
    )
