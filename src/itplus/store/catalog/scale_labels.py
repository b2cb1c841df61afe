"""Whether a deli-scale label's price or weight is plausible for its product.

A label carries a price (CLP) or a weight (grams) that nobody at the till checks, so a
label printed with the wrong product, a tampered scale or a hand-made code could sell
anything at any price. The weight a label stands for — the embedded weight, or for a
price label the embedded price over the product's price per kg — must lie within
``[scale] min_weight_kg``–``max_weight_kg`` of itplus.toml. Outside it the line needs a
supervisor's approval (the sale asks for it); a label worth $0 is never sold, and no
approval overrides that.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from itplus.core.errors import BusinessError
from itplus.core.money import format_clp, round_clp
from itplus.core.numbers import format_quantity
from itplus.store.catalog.models import Product
from itplus.store.config import get_config

GRAM = Decimal("0.001")


class ScaleLabelWorthless(BusinessError):
    """A scale label that would sell its product for $0."""

    code = "etiqueta_sin_valor"
    status = 422


@dataclass(frozen=True, slots=True)
class ScaleLabelCheck:
    """A label judged against its product: what it charges, the weight it stands for
    (rounded to grams; None for a price label on a product without a price) and, when
    implausible, why (Spanish, for the cashier and the supervisor)."""

    total_clp: int
    weight_kg: Decimal | None
    plausible: bool
    problem: str = ""
    summary: str = ""  # "$1 ≈ menos de 1 g a $29.990/kg": what an approval records


def _kg(weight: Decimal) -> str:
    if weight == 0:
        return _("menos de 1 g")
    return _("%(weight)s kg") % {"weight": format_quantity(weight)}


def scale_label_check(
    *,
    product: Product,
    embedded_price_clp: int | None,
    embedded_weight_kg: Decimal | None,
) -> ScaleLabelCheck | None:
    """Judge a scale label's embedded price or weight against ``product``; None when
    the code carried neither (not a scale label).

    Raises ScaleLabelWorthless when the label would charge $0. The range is inclusive
    and compared exactly (price ≥ min × price per kg), not on a rounded weight.
    """
    if embedded_price_clp is None and embedded_weight_kg is None:
        return None
    limits = get_config().scale
    per_kg = product.price_clp
    if embedded_price_clp is not None:
        total = embedded_price_clp
        weight = (Decimal(total) / per_kg).quantize(GRAM, ROUND_HALF_UP) if per_kg else None
        plausible = bool(per_kg) and (
            limits.min_weight_kg * per_kg <= total <= limits.max_weight_kg * per_kg
        )
    else:
        weight = embedded_weight_kg
        total = round_clp(Decimal(per_kg) * weight)
        plausible = limits.min_weight_kg <= weight <= limits.max_weight_kg
    if total <= 0:
        if per_kg == 0:
            message = _(
                "«%(product)s» tiene precio $0 por kg: corrija su precio antes de vender "
                "con etiqueta de balanza."
            )
        else:
            message = _(
                "La etiqueta de balanza de «%(product)s» vale $0: no se puede vender. "
                "Pese de nuevo el producto e imprima otra etiqueta."
            )
        raise ScaleLabelWorthless(message % {"product": product.name})
    weight_text = _kg(weight) if weight is not None else _("sin precio por kg")
    summary = _("%(price)s, %(weight)s a %(per_kg)s/kg") % {
        "price": format_clp(total),
        "weight": weight_text,
        "per_kg": format_clp(per_kg),
    }
    if plausible:
        return ScaleLabelCheck(total_clp=total, weight_kg=weight, plausible=True, summary=summary)
    values = {
        "product": product.name,
        "price": format_clp(total),
        "per_kg": format_clp(per_kg),
        "weight": weight_text,
        "min": format_quantity(limits.min_weight_kg),
        "max": format_quantity(limits.max_weight_kg),
    }
    if weight is None:
        problem = _(
            "«%(product)s» no tiene precio por kg: la etiqueta de %(price)s no se puede "
            "comprobar. Un supervisor debe autorizarla."
        )
    elif embedded_price_clp is not None:
        problem = _(
            "La etiqueta de «%(product)s» marca %(price)s, que a %(per_kg)s/kg son "
            "%(weight)s: fuera del rango de la balanza (%(min)s a %(max)s kg). Un "
            "supervisor debe autorizarla."
        )
    else:
        problem = _(
            "La etiqueta de «%(product)s» marca %(weight)s: fuera del rango de la balanza "
            "(%(min)s a %(max)s kg). Un supervisor debe autorizarla."
        )
    return ScaleLabelCheck(
        total_clp=total,
        weight_kg=weight,
        plausible=False,
        problem=problem % values,
        summary=summary,
    )
