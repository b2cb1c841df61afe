"""Barcode rules: GS1 check digits (EAN-13, EAN-8, UPC-A) and deli-scale EAN-13 codes."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

GS1_LENGTHS = (8, 12, 13)  # EAN-8, UPC-A, EAN-13


def gs1_check_digit(body: str) -> int:
    """The GS1 check digit of ``body`` (all digits except the last).

    From the right, digits are weighted 3, 1, 3, 1…; the check digit brings the sum up to
    a multiple of 10.
    """
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_valid_gs1(code: str) -> bool:
    """True for a well-formed EAN-13, EAN-8 or UPC-A with a correct check digit."""
    return (
        code.isdigit() and len(code) in GS1_LENGTHS and gs1_check_digit(code[:-1]) == int(code[-1])
    )


def with_check_digit(body: str) -> str:
    return body + str(gs1_check_digit(body))


def is_gs1_shaped(code: str) -> bool:
    """Looks like a retail barcode (all digits, GS1 length): it must then validate."""
    return code.isdigit() and len(code) in GS1_LENGTHS


@dataclass(frozen=True, slots=True)
class ScalePattern:
    prefix: str
    item_digits: int
    embeds: str  # "price" (CLP) or "weight" (grams)

    @property
    def value_digits(self) -> int:
        """How many digits carry the price or weight (between the item code and the
        check digit)."""
        return 12 - len(self.prefix) - self.item_digits

    @property
    def max_weight_kg(self) -> Decimal:
        """The heaviest weight a label of this pattern can carry (all nines, in grams)."""
        return Decimal(10**self.value_digits - 1) / 1000


@dataclass(frozen=True, slots=True)
class ScaleReading:
    item_code: str
    price_clp: int | None = None
    weight_kg: Decimal | None = None


def parse_scale_barcode(code: str, patterns: list[ScalePattern]) -> ScaleReading | None:
    """Decode a price- or weight-embedded EAN-13 printed by a deli scale.

    Layout: prefix (2 digits, 20–29) + item code + embedded value + check digit, e.g.
    ``20 01234 01990 c`` is item 01234 costing $1.990, ``21 01234 01250 c`` weighs
    1,250 kg. Returns None when no pattern matches or the check digit is wrong.
    """
    if not (len(code) == 13 and is_valid_gs1(code)):
        return None
    for pattern in patterns:
        if not code.startswith(pattern.prefix):
            continue
        start = len(pattern.prefix)
        item = code[start : start + pattern.item_digits]
        value = int(code[start + pattern.item_digits : 12])
        if pattern.embeds == "price":
            return ScaleReading(item_code=item, price_clp=value)
        return ScaleReading(item_code=item, weight_kg=Decimal(value) / 1000)
    return None
