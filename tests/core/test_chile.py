import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cl import rut as stdnum_rut

from itplus.core.chile import (
    GRAN_SANTIAGO_COMMUNES,
    InvalidRut,
    gran_santiago_commune,
    is_gran_santiago,
    rut_clean,
    rut_format,
    rut_validate,
)
from itplus.core.errors import BusinessError


def test_clean_strips_dots_dash_spaces_and_uppercases_k():
    assert rut_clean(" 12.345.678-5 ") == "123456785"
    assert rut_clean("10.000.013-k") == "10000013K"


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("123456785", "12.345.678-5"),
        ("12345678-5", "12.345.678-5"),
        ("10000013k", "10.000.013-K"),
        ("7654321-6", "7.654.321-6"),
    ],
)
def test_format(typed, shown):
    assert rut_format(typed) == shown


def test_validate_returns_compact_form():
    assert rut_validate("12.345.678-5") == "123456785"


def test_wrong_check_digit_says_so_in_spanish():
    with pytest.raises(InvalidRut) as exc:
        rut_validate("12.345.678-9")
    assert isinstance(exc.value, BusinessError)
    assert exc.value.code == "rut_digito_verificador"
    assert "dígito verificador" in exc.value.message and "12.345.678-9" in exc.value.message


@pytest.mark.parametrize(
    ("typed", "compact", "shown"),
    [
        ("123.456-0", "1234560", "123.456-0"),  # a short RUN the issue saw refused
        ("1-9", "19", "1-9"),
        ("12.345-5", "123455", "12.345-5"),
        ("999.999-k", "999999K", "999.999-K"),
        ("1.000.005-k", "1000005K", "1.000.005-K"),
        ("7.654.321-6", "76543216", "7.654.321-6"),
        ("76.086.428-5", "760864285", "76.086.428-5"),
        ("99.999.999-9", "999999999", "99.999.999-9"),
        ("0012.345.678-5", "123456785", "12.345.678-5"),  # leading zeros dropped
    ],
)
def test_every_valid_rut_is_accepted_short_ones_too(typed, compact, shown):
    assert rut_validate(typed) == compact
    assert rut_format(typed) == shown


@pytest.mark.parametrize(
    "typed", ["123.456-1", "1-8", "12.345-K", "1.000.005-0", "76.086.428-4", "12"]
)
def test_bad_check_digits_are_refused(typed):
    with pytest.raises(InvalidRut) as exc:
        rut_validate(typed)
    assert exc.value.code == "rut_digito_verificador"


@given(st.integers(min_value=1, max_value=99_999_999))
def test_the_validator_agrees_with_module_11_for_every_body(body):
    right = stdnum_rut.calc_check_digit(str(body))
    assert rut_validate(f"{body}-{right}") == f"{body}{right}"
    wrong = "0123456789K"[("0123456789K".index(right) + 1) % 11]
    with pytest.raises(InvalidRut):
        rut_validate(f"{body}-{wrong}")


@pytest.mark.parametrize(
    "garbage", ["hola", "0-0", "12.345.678-X", "1234567890123", "123.456.789-2", "1٢-9"]
)
def test_garbage_is_not_a_rut(garbage):
    with pytest.raises(InvalidRut) as exc:
        rut_validate(garbage)
    assert "no es un RUT válido" in exc.value.message


def test_empty_rut_asks_for_one():
    with pytest.raises(InvalidRut) as exc:
        rut_validate("  ")
    assert "Ingrese el RUT" in exc.value.message


@given(st.integers(min_value=1_000_000, max_value=99_999_999))
def test_any_body_with_its_check_digit_round_trips(body):
    rut = f"{body}{stdnum_rut.calc_check_digit(str(body))}"
    assert rut_clean(rut_format(rut)) == rut


def test_gran_santiago_has_the_province_plus_puente_alto_and_san_bernardo():
    assert len(GRAN_SANTIAGO_COMMUNES) == len(set(GRAN_SANTIAGO_COMMUNES)) == 34
    assert {"Puente Alto", "San Bernardo", "Santiago", "Ñuñoa", "Lo Barnechea"} <= set(
        GRAN_SANTIAGO_COMMUNES
    )


@pytest.mark.parametrize(
    ("typed", "official"),
    [
        ("nunoa", "Ñuñoa"),
        ("ÑUÑOA ", "Ñuñoa"),
        ("estacion  central", "Estación Central"),
        ("Santiago Centro", "Santiago"),
        ("maipu", "Maipú"),
        ("puente alto", "Puente Alto"),
    ],
)
def test_lookup_ignores_case_accents_and_spaces(typed, official):
    assert gran_santiago_commune(typed) == official


@pytest.mark.parametrize(
    "outside", ["Valparaíso", "Viña del Mar", "Colina", "Buin", "", "Concepción"]
)
def test_communes_outside_gran_santiago(outside):
    assert not is_gran_santiago(outside)
