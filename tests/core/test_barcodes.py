"""GS1 check digits (EAN-13, EAN-8, UPC-A) and deli-scale EAN-13 codes."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itplus.core.barcodes import (
    ScalePattern,
    gs1_check_digit,
    is_gs1_shaped,
    is_valid_gs1,
    parse_scale_barcode,
    with_check_digit,
)

PATTERNS = [
    ScalePattern(prefix="20", item_digits=5, embeds="price"),
    ScalePattern(prefix="21", item_digits=5, embeds="weight"),
    ScalePattern(prefix="25", item_digits=5, embeds="weight"),
]


@pytest.mark.parametrize(
    "code",
    [
        "4006381333931",  # EAN-13 (Stabilo pen, the classic example)
        "7801610001196",  # EAN-13, Chilean prefix 780
        "73513537",  # EAN-8
        "96385074",  # EAN-8
        "036000291452",  # UPC-A
        "042100005264",  # UPC-A
    ],
)
def test_real_codes_are_valid(code):
    assert is_valid_gs1(code)


@pytest.mark.parametrize(
    "code",
    [
        "4006381333932",  # last digit changed
        "4006381343931",  # a body digit changed
        "73513538",
        "036000291453",
        "4006381333930",
    ],
)
def test_changed_digit_is_invalid(code):
    assert not is_valid_gs1(code)


@pytest.mark.parametrize(
    "code", ["", "400638133393", "40063813339311", "400638133393X", "7351353", "ABCDEFGH"]
)
def test_wrong_shape_is_invalid(code):
    assert not is_valid_gs1(code)


def test_gs1_shaped_only_for_digit_strings_of_gs1_length():
    assert is_gs1_shaped("12345678")
    assert is_gs1_shaped("123456789012")
    assert not is_gs1_shaped("1234567")  # internal code, free-form
    assert not is_gs1_shaped("A2345678")


@pytest.mark.parametrize(
    ("body", "expected"),
    [("400638133393", "4006381333931"), ("7351353", "73513537"), ("03600029145", "036000291452")],
)
def test_with_check_digit(body, expected):
    assert with_check_digit(body) == expected
    assert gs1_check_digit(body) == int(expected[-1])


def _scale(body: str) -> str:
    return with_check_digit(body)


def test_price_embedded_code():
    code = _scale("20" + "01234" + "01990")

    reading = parse_scale_barcode(code, PATTERNS)

    assert reading.item_code == "01234"
    assert reading.price_clp == 1990
    assert reading.weight_kg is None


@pytest.mark.parametrize("prefix", ["21", "25"])
def test_weight_embedded_code(prefix):
    code = _scale(prefix + "00077" + "01250")

    reading = parse_scale_barcode(code, PATTERNS)

    assert reading.item_code == "00077"
    assert reading.weight_kg == Decimal("1.250")
    assert reading.price_clp is None


def test_scale_code_with_wrong_check_digit_is_rejected():
    code = _scale("20" + "01234" + "01990")
    broken = code[:-1] + str((int(code[-1]) + 1) % 10)

    assert parse_scale_barcode(broken, PATTERNS) is None


def test_scale_prefix_not_configured_is_rejected():
    code = _scale("22" + "01234" + "01990")

    assert parse_scale_barcode(code, PATTERNS) is None
    assert parse_scale_barcode(_scale("20" + "01234" + "01990"), []) is None


def test_scale_parser_needs_ean13():
    assert parse_scale_barcode(with_check_digit("2001234"), PATTERNS) is None


@pytest.mark.parametrize(
    "prefix, item_digits, digits, heaviest",
    [
        ("21", 5, 5, Decimal("99.999")),
        ("2", 4, 7, Decimal("9999.999")),
        ("21", 8, 2, Decimal("0.099")),
        ("210", 8, 1, Decimal("0.009")),
    ],
)
def test_a_patterns_value_digits_bound_the_weight_it_can_carry(
    prefix, item_digits, digits, heaviest
):
    pattern = ScalePattern(prefix=prefix, item_digits=item_digits, embeds="weight")

    assert pattern.value_digits == digits
    assert pattern.max_weight_kg == heaviest
    code = _scale(prefix + "1" * item_digits + "9" * digits)
    assert parse_scale_barcode(code, [pattern]).weight_kg == heaviest


bodies = st.sampled_from([7, 11, 12]).flatmap(
    lambda n: st.text(alphabet="0123456789", min_size=n, max_size=n)
)


@given(body=bodies)
def test_every_generated_code_validates(body):
    assert is_valid_gs1(with_check_digit(body))


@given(body=bodies, data=st.data())
def test_changing_any_single_digit_breaks_the_code(body, data):
    code = with_check_digit(body)
    position = data.draw(st.integers(min_value=0, max_value=len(code) - 1))
    replacement = data.draw(st.sampled_from([d for d in "0123456789" if d != code[position]]))

    changed = code[:position] + replacement + code[position + 1 :]

    assert not is_valid_gs1(changed)
