"""Numbers typed by people in Chile: quantities, weights in kg and peso amounts.

One reading for every screen, the API and the till (``till/static/pos/numbers.js``
implements the same rules; a test runs both on one table):

- **Quantities and weights.** "," is the decimal mark: "1,5" is one and a half. A lone
  "." is a decimal mark too for a weight ("1.5" and "1.500" are 1,5 kg: scales and
  keypads print a dot). For a product counted by the unit, "1.500" could be 1500 or 1,5,
  so it is refused as ambiguous and the message says to type 1500 or 1,5; "1.5" (not
  three digits after the dot) is simply 1,5 and refused as not whole. Thousands may be
  grouped with dots when a comma marks the decimals ("1.234,5") or when there are
  several groups ("1.000.000"). Units are whole numbers; kilograms take at most three
  decimals (grams). Limits: ``MAX_QUANTITY`` units, ``MAX_WEIGHT_KG`` kilograms.
- **Amounts in pesos** are whole. "." groups thousands ("1.000" = 1000, "$ 1.000" and
  "-$1.000" are fine); a group must have three digits ("1.00" is refused). A comma starts
  decimals, which pesos do not have: ",0"/",00" (a spreadsheet's "1990,00") are
  accepted, "1.000,5" is refused. "1,000" is refused as ambiguous (English thousands, or
  one peso?) with a message saying to type 1000 or 1.000. Limit: ``MAX_AMOUNT_CLP``.
- **Signs.** Negative numbers are refused unless the caller passes ``allow_negative``;
  ``positive=True`` refuses zero too. JSON numbers (int, Decimal; floats through their
  shortest repr) skip the text rules and meet the same value rules.

Every refusal is an ``InvalidNumber`` (a ``BusinessError`` and a ``ValueError``) whose
Spanish message names the field and, for a limit, the limit. ``format_quantity`` writes
a quantity so that it reads back the same ("1500", "1,5").
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from itplus.core.errors import BusinessError
from itplus.core.money import format_clp

MAX_QUANTITY = 999_999
MAX_WEIGHT_KG = Decimal("99999.999")
MAX_AMOUNT_CLP = 10**12  # far above any real amount, far below BIGINT
KG_PLACES = Decimal("0.001")
MAX_TEXT_LENGTH = 40  # longer input is not a number anybody typed

_SIGN = re.compile(r"^([-\u2212])?\s*(.*)$", re.S)
_AMOUNT_SIGN = re.compile(r"^([-\u2212])?\s*(\$)?\s*([-\u2212])?\s*(.*)$", re.S)
_INTEGER = re.compile(r"\d+", re.A)
_ONE_MARK = re.compile(r"(\d*)([.,])(\d+)", re.A)
_GROUPED = re.compile(r"(\d{1,3}(?:\.\d{3})+)(?:,(\d+))?", re.A)
_AMOUNT_COMMA = re.compile(r"(\d+|\d{1,3}(?:\.\d{3})+),(\d+)", re.A)
_DOTTED = re.compile(r"\d+(?:\.\d+)+", re.A)


class InvalidNumber(BusinessError, ValueError):
    """A typed number that cannot be read. ``reason`` says why, for programs and tests:
    empty, malformed, ambiguous, grouping, not_whole, decimals, negative, zero, too_large."""

    code = "numero_invalido"
    status = 422

    def __init__(self, *, field: str, detail: str, reason: str):
        super().__init__(_("%(field)s: %(detail)s") % {"field": field, "detail": detail})
        self.field = field
        self.detail = detail
        self.reason = reason


def format_quantity(value: Decimal | int | str | None) -> str:
    """Decimal("2.500") → "2,5", Decimal("1500.000") → "1500": no thousands dots, so the
    text reads back as the same quantity."""
    if value is None or value == "":
        return ""
    return f"{Decimal(value).normalize():f}".replace(".", ",")


def _fail(field: str, reason: str, detail: str) -> InvalidNumber:
    return InvalidNumber(field=field, detail=detail, reason=reason)


def _value_of(value: Any, field: str) -> tuple[str | None, Decimal | None]:
    """(text, None) for typed text to read; (None, number) for a number already."""
    if isinstance(value, bool) or value is None:
        if value is None:
            raise _fail(field, "empty", _("escriba un número."))
        raise _fail(field, "malformed", _("«%(value)s» no es un número.") % {"value": value})
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise _fail(field, "empty", _("escriba un número."))
        if len(text) > MAX_TEXT_LENGTH:
            raise _fail(field, "malformed", _("no es un número."))
        return text, None
    if isinstance(value, int):
        return None, Decimal(value)
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal) and value.is_finite():
        return None, value
    raise _fail(field, "malformed", _("«%(value)s» no es un número.") % {"value": value})


def _malformed(field: str, text: str) -> InvalidNumber:
    return _fail(field, "malformed", _("«%(value)s» no es un número.") % {"value": text})


def _read_quantity_text(text: str, *, weighed: bool, field: str) -> Decimal:
    sign, body = _SIGN.fullmatch(text).groups()
    if _INTEGER.fullmatch(body):
        number = body
    elif match := _ONE_MARK.fullmatch(body):
        whole, mark, fraction = match.groups()
        if mark == "." and not weighed and whole and len(fraction) == 3:
            decimal = format_quantity(Decimal(f"{whole}.{fraction}"))
            raise _fail(
                field,
                "ambiguous",
                _("«%(value)s» es ambiguo: escriba %(thousands)s o %(decimal)s.")
                % {"value": body, "thousands": whole + fraction, "decimal": decimal},
            )
        number = f"{whole or 0}.{fraction}"
    elif (match := _GROUPED.fullmatch(body)) and (match[2] is not None or body.count(".") > 1):
        number = match[1].replace(".", "") + (f".{match[2]}" if match[2] else "")
    else:
        raise _malformed(field, text)
    return Decimal(("-" if sign else "") + number)


def _read_amount_text(text: str, *, field: str) -> Decimal:
    first, _dollar, second, body = _AMOUNT_SIGN.fullmatch(text).groups()
    if first and second:
        raise _malformed(field, text)
    if _INTEGER.fullmatch(body):
        number = body
    elif _GROUPED.fullmatch(body) and "," not in body:
        number = body.replace(".", "")
    elif match := _AMOUNT_COMMA.fullmatch(body):
        whole, fraction = match.groups()
        if "." not in whole and len(fraction) == 3:
            raise _fail(
                field,
                "ambiguous",
                _(
                    "«%(value)s» es ambiguo: los miles se separan con punto; escriba %(plain)s o %(dotted)s."
                )
                % {
                    "value": body,
                    "plain": whole + fraction,
                    "dotted": format_clp(int(whole + fraction))[1:],
                },
            )
        if fraction.strip("0"):
            raise _fail(field, "decimals", _("los pesos no llevan decimales."))
        number = whole.replace(".", "")
    elif _DOTTED.fullmatch(body):
        raise _fail(
            field,
            "grouping",
            _("«%(value)s» no es un monto válido: el punto separa miles (1.000).")
            % {"value": body},
        )
    else:
        raise _malformed(field, text)
    return Decimal(("-" if first or second else "") + number)


def _check_sign(value: Decimal, *, field: str, allow_negative: bool, positive: bool) -> None:
    if value < 0 and not allow_negative:
        raise _fail(field, "negative", _("no admite valores negativos."))
    if value == 0 and positive:
        raise _fail(field, "zero", _("debe ser mayor que cero."))


def parse_quantity(
    value: Any,
    *,
    weighed: bool,
    field: str | None = None,
    allow_negative: bool = False,
    positive: bool = False,
) -> Decimal:
    """A quantity of a product: whole units, or kilograms (``weighed``) with at most 3
    decimals, as a Decimal with 3 places. ``field`` names it in messages ("Cantidad de
    «Pan»")."""
    field = field or (_("Peso") if weighed else _("Cantidad"))
    text, number = _value_of(value, field)
    if text is not None:
        number = _read_quantity_text(text, weighed=weighed, field=field)
    _check_sign(number, field=field, allow_negative=allow_negative, positive=False)
    maximum = MAX_WEIGHT_KG if weighed else Decimal(MAX_QUANTITY)
    if abs(number) > maximum:
        raise _fail(
            field,
            "too_large",
            _("el máximo es %(max)s.")
            % {"max": format_quantity(maximum) + (" kg" if weighed else "")},
        )
    if weighed:
        if number != number.quantize(KG_PLACES):
            raise _fail(field, "decimals", _("admite como máximo 3 decimales (gramos)."))
    elif number != number.to_integral_value():
        raise _fail(field, "not_whole", _("se cuenta por unidad: escriba un número entero."))
    _check_sign(number, field=field, allow_negative=allow_negative, positive=positive)
    return (number if number else abs(number)).quantize(KG_PLACES)  # no "-0"


def parse_weight_kg(value: Any, *, field: str | None = None, positive: bool = False) -> Decimal:
    """A weight in kilograms: "0,750", "0.750", "1,5" (at most 3 decimals)."""
    return parse_quantity(value, weighed=True, field=field, positive=positive)


def parse_count(value: Any, *, field: str | None = None, positive: bool = False) -> int:
    """A whole count of things (coins, bills, units) as an int."""
    return int(parse_quantity(value, weighed=False, field=field, positive=positive))


def parse_amount_clp(
    value: Any,
    *,
    field: str | None = None,
    allow_negative: bool = False,
    positive: bool = False,
    maximum: int = MAX_AMOUNT_CLP,
) -> int:
    """Whole pesos: "1000", "1.000", "$ 1.000", "1990,00"; never decimals."""
    field = field or _("Monto")
    text, number = _value_of(value, field)
    if text is not None:
        number = _read_amount_text(text, field=field)
    _check_sign(number, field=field, allow_negative=allow_negative, positive=False)
    if abs(number) > maximum:
        raise _fail(field, "too_large", _("el máximo es %(max)s.") % {"max": format_clp(maximum)})
    if number != number.to_integral_value():
        raise _fail(field, "decimals", _("los pesos no llevan decimales."))
    _check_sign(number, field=field, allow_negative=allow_negative, positive=positive)
    return int(number)


# --- The API (django-ninja / pydantic) --------------------------------------------------


def _number_input(value: Any) -> str | Decimal:
    """Keep what the client sent, to be read by the service once it knows the product:
    text as typed, a JSON number as a Decimal (a float through its shortest repr)."""
    if isinstance(value, str):
        return value
    try:
        _text, number = _value_of(value, _("Número"))
    except InvalidNumber as error:
        raise PydanticCustomError("numero_invalido", "{detail}", {"detail": error.detail})
    return number


def _amount_input(value: Any) -> int:
    try:
        return parse_amount_clp(value)
    except InvalidNumber as error:
        raise PydanticCustomError("numero_invalido", "{detail}", {"detail": error.detail}) from None


_NUMBER_SCHEMA = WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}]})

NumberInput = Annotated[str | Decimal, PlainValidator(_number_input), _NUMBER_SCHEMA]
"""A JSON number or typed text, read later by ``parse_quantity`` (it needs the product)."""

AmountClpField = Annotated[int, PlainValidator(_amount_input), _NUMBER_SCHEMA]
"""Whole pesos from a JSON number or text ("1.000"), read by ``parse_amount_clp``."""


# --- Django forms -------------------------------------------------------------------------


class _ParsedField(forms.CharField):
    def __init__(self, *, positive: bool = False, **kwargs):
        self.positive = positive
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        try:
            return self.parse(text)
        except InvalidNumber as error:
            raise ValidationError(error.message, code=error.reason) from None

    def parse(self, text: str):
        raise NotImplementedError


class AmountClpFormField(_ParsedField):
    """Whole pesos as ``parse_amount_clp`` reads them ("1.000" is a thousand)."""

    def parse(self, text: str) -> int:
        return parse_amount_clp(text, field=str(self.label or _("Monto")), positive=self.positive)


class CountFormField(_ParsedField):
    """A whole count (coins, bills) as ``parse_count`` reads it."""

    def parse(self, text: str) -> int:
        return parse_count(text, field=str(self.label or _("Cantidad")), positive=self.positive)
