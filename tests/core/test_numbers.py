"""Numbers typed by people (itplus.core.numbers): one table of inputs, also run through
the till's numbers.js by tests/store/till/test_numbers_js.py."""

from decimal import Decimal

import pytest
from django import forms
from hypothesis import given
from hypothesis import strategies as st

from itplus.core.errors import BusinessError
from itplus.core.numbers import (
    MAX_AMOUNT_CLP,
    MAX_QUANTITY,
    MAX_WEIGHT_KG,
    AmountClpFormField,
    CountFormField,
    InvalidNumber,
    format_quantity,
    parse_amount_clp,
    parse_count,
    parse_quantity,
    parse_weight_kg,
)

# (text, weighed, expected): a Decimal string, or the refusal's reason.
QUANTITY_CASES = [
    ("3", False, "3"),
    ("3", True, "3"),
    ("1,5", True, "1.5"),
    ("1.5", True, "1.5"),
    ("1.500", True, "1.5"),
    ("0,750", True, "0.75"),
    ("0.750", True, "0.75"),
    (",5", True, "0.5"),
    (" 2 ", False, "2"),
    ("2,0", False, "2"),
    ("1500", False, "1500"),
    ("1.234,5", True, "1234.5"),
    ("1.000.000", False, "too_large"),
    ("1.500", False, "ambiguous"),
    ("1.000", False, "ambiguous"),
    ("1,5", False, "not_whole"),
    ("1.5", False, "not_whole"),
    ("1,2345", True, "decimals"),
    ("0,0001", True, "decimals"),
    ("1,5000", True, "1.5"),
    ("-2", False, "negative"),
    ("0", False, "0"),
    ("", True, "empty"),
    ("   ", False, "empty"),
    ("abc", False, "malformed"),
    ("1,000.5", True, "malformed"),
    ("1.2.3", True, "malformed"),
    ("1e3", False, "malformed"),
    ("NaN", True, "malformed"),
    ("5,", True, "malformed"),
    ("999999", False, "999999"),
    ("1000000", False, "too_large"),
    ("99999,999", True, "99999.999"),
    ("100000", True, "too_large"),
    ("1" * 41, False, "malformed"),
]

# (text, expected): an int, or the refusal's reason.
AMOUNT_CASES = [
    ("1000", 1000),
    ("1.000", 1000),
    ("$1.000", 1000),
    ("$ 1.000", 1000),
    (" $ 12.345.678 ", 12345678),
    ("1990,00", 1990),
    ("1.990,0", 1990),
    ("0", 0),
    ("1.000,5", "decimals"),
    ("1,5", "decimals"),
    ("1,000", "ambiguous"),
    ("1.00", "grouping"),
    ("10.00", "grouping"),
    ("1.0000", "grouping"),
    ("-500", "negative"),
    ("-$500", "negative"),
    ("$", "malformed"),
    ("mil", "malformed"),
    ("1 000", "malformed"),
    ("", "empty"),
    ("1.000.000.000.000", 10**12),
    ("1.000.000.000.001", "too_large"),
]


def quantity_or_reason(text, weighed):
    try:
        return parse_quantity(text, weighed=weighed)
    except InvalidNumber as error:
        return error.reason


def amount_or_reason(text):
    try:
        return parse_amount_clp(text)
    except InvalidNumber as error:
        return error.reason


@pytest.mark.parametrize(("text", "weighed", "expected"), QUANTITY_CASES)
def test_quantities(text, weighed, expected):
    got = quantity_or_reason(text, weighed)
    if expected[0].isdigit():
        assert got == Decimal(expected)
        assert got.as_tuple().exponent == -3  # the 3 places the database keeps
    else:
        assert got == expected


@pytest.mark.parametrize(("text", "expected"), AMOUNT_CASES)
def test_amounts(text, expected):
    got = amount_or_reason(text)
    assert got == expected
    assert type(got) is type(expected)


def test_messages_name_the_field_and_the_limit():
    with pytest.raises(InvalidNumber) as refused:
        parse_quantity("1.500", weighed=False, field="Cantidad de «Pan»")
    assert refused.value.message == "Cantidad de «Pan»: «1.500» es ambiguo: escriba 1500 o 1,5."
    with pytest.raises(InvalidNumber, match=r"^Cantidad: el máximo es 999999\.$"):
        parse_quantity("1000000", weighed=False)
    with pytest.raises(InvalidNumber, match=r"^Peso: el máximo es 99999,999 kg\.$"):
        parse_weight_kg("100000")
    with pytest.raises(InvalidNumber, match=r"^Monto: el máximo es \$1\.000\.000\.000\.000\.$"):
        parse_amount_clp(MAX_AMOUNT_CLP + 1)
    with pytest.raises(InvalidNumber, match="escriba 1000 o 1.000"):
        parse_amount_clp("1,000")


def test_invalid_number_is_a_business_error_and_a_value_error():
    with pytest.raises(InvalidNumber) as refused:
        parse_amount_clp("x", field="Fondo inicial")
    error = refused.value
    assert isinstance(error, BusinessError) and isinstance(error, ValueError)
    assert (error.code, error.status, error.field) == ("numero_invalido", 422, "Fondo inicial")


def test_sign_options():
    assert parse_quantity("-2", weighed=False, allow_negative=True) == Decimal("-2")
    assert parse_amount_clp("-$1.000", allow_negative=True) == -1000
    assert parse_amount_clp("$ -1.000", allow_negative=True) == -1000
    with pytest.raises(InvalidNumber, match="mayor que cero") as refused:
        parse_quantity("0", weighed=True, positive=True)
    assert refused.value.reason == "zero"
    with pytest.raises(InvalidNumber):
        parse_amount_clp("0", positive=True)
    assert parse_quantity("-0", weighed=True) == 0
    assert str(parse_quantity("-0", weighed=True)) == "0.000"


def test_numbers_skip_the_text_rules_but_not_the_value_rules():
    assert parse_quantity(1.5, weighed=True) == Decimal("1.5")
    assert parse_quantity(Decimal("1500"), weighed=False) == 1500
    assert parse_amount_clp(1000) == 1000
    assert parse_amount_clp(Decimal("1000.00")) == 1000
    for bad in (Decimal("1.5"), 1.5, True, None, Decimal("NaN"), Decimal("Infinity"), [1]):
        with pytest.raises(InvalidNumber):
            parse_amount_clp(bad)
    with pytest.raises(InvalidNumber, match="entero"):
        parse_quantity(Decimal("1.5"), weighed=False)
    with pytest.raises(InvalidNumber, match="máximo"):
        parse_quantity(Decimal("1E+40"), weighed=True)


def test_counts_are_ints():
    assert parse_count("12") == 12 and type(parse_count("12")) is int
    with pytest.raises(InvalidNumber):
        parse_count("1.000")


def test_format_quantity_reads_back():
    assert format_quantity(Decimal("2.500")) == "2,5"
    assert format_quantity(Decimal("1500.000")) == "1500"
    assert format_quantity(Decimal("0.750")) == "0,75"
    assert format_quantity(None) == ""


def test_form_fields_read_like_the_parser():
    class Form(forms.Form):
        amount = AmountClpFormField(label="Monto", positive=True)
        pieces = CountFormField(label="Cantidad", required=False)

    form = Form(data={"amount": "1.000", "pieces": ""})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"amount": 1000, "pieces": None}

    form = Form(data={"amount": "1.000,5", "pieces": "1.500"})
    assert not form.is_valid()
    assert form.errors["amount"] == ["Monto: los pesos no llevan decimales."]
    assert "ambiguo" in form.errors["pieces"][0]


# --- Properties ---------------------------------------------------------------------------

weights = st.decimals(min_value=0, max_value=MAX_WEIGHT_KG, places=3)
units = st.integers(min_value=0, max_value=MAX_QUANTITY)
amounts = st.integers(min_value=0, max_value=MAX_AMOUNT_CLP)


@given(weights)
def test_a_weight_reads_the_same_with_comma_or_dot(weight):
    written = format_quantity(weight)
    assert parse_weight_kg(written) == weight
    assert parse_weight_kg(written.replace(",", ".")) == weight
    assert parse_weight_kg(f"{weight:f}") == weight


@given(units)
def test_a_unit_quantity_reads_back_as_written(count):
    assert parse_quantity(format_quantity(Decimal(count)), weighed=False) == count
    assert parse_quantity(str(count), weighed=False) == count


@given(amounts)
def test_an_amount_reads_the_same_grouped_or_not(amount):
    grouped = f"{amount:,}".replace(",", ".")
    assert parse_amount_clp(str(amount)) == amount
    assert parse_amount_clp(grouped) == amount
    assert parse_amount_clp(f"$ {grouped}") == amount


@given(st.text(max_size=12))
def test_any_text_is_read_or_refused_with_a_reason(text):
    for weighed in (True, False):
        try:
            value = parse_quantity(text, weighed=weighed, allow_negative=True)
        except InvalidNumber as error:
            assert error.reason and error.message
        else:
            assert abs(value) <= (MAX_WEIGHT_KG if weighed else MAX_QUANTITY)
    try:
        amount = parse_amount_clp(text, allow_negative=True)
    except InvalidNumber as error:
        assert error.reason and error.message
    else:
        assert abs(amount) <= MAX_AMOUNT_CLP
