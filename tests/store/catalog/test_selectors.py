"""Resolving scanned codes and searching as you type."""

from decimal import Decimal

import pytest

from itplus.core.barcodes import ScalePattern, with_check_digit
from itplus.store.catalog.selectors import product_resolve_code, product_search
from itplus.store.catalog.services import product_update
from tests.factories import make_product, next_ean13

pytestmark = pytest.mark.django_db


def test_resolves_a_barcode():
    code = next_ean13()
    product = make_product(name="Leche Entera 1 L", barcodes=[code])

    resolved = product_resolve_code(code=code)

    assert resolved.product == product
    assert resolved.code == code
    assert resolved.embedded_price_clp is None
    assert resolved.embedded_weight_kg is None


def test_resolves_any_of_several_barcodes_and_strips_spaces():
    codes = [next_ean13(), next_ean13()]
    product = make_product(barcodes=codes)

    assert product_resolve_code(code=codes[1]).product == product
    assert product_resolve_code(code=f"  {codes[0]}\n").product == product


def test_resolves_a_price_embedded_scale_code():
    cheese = make_product(name="Queso Gauda", unit="kg", price_clp=9990, scale_code="01234")
    code = with_check_digit("20" + "01234" + "02497")

    resolved = product_resolve_code(code=code)

    assert resolved.product == cheese
    assert resolved.embedded_price_clp == 2497
    assert resolved.embedded_weight_kg is None


@pytest.mark.parametrize("prefix", ["21", "25"])
def test_resolves_a_weight_embedded_scale_code(prefix):
    ham = make_product(name="Jamón Pierna", unit="kg", price_clp=12990, scale_code="00456")
    code = with_check_digit(prefix + "00456" + "00350")

    resolved = product_resolve_code(code=code)

    assert resolved.product == ham
    assert resolved.embedded_weight_kg == Decimal("0.350")
    assert resolved.embedded_price_clp is None


def test_scale_code_with_unknown_item_or_unconfigured_prefix_is_not_found():
    make_product(unit="kg", scale_code="01234")

    assert product_resolve_code(code=with_check_digit("20" + "09999" + "01000")) is None
    assert product_resolve_code(code=with_check_digit("23" + "01234" + "01000")) is None
    only_weight = [ScalePattern(prefix="21", item_digits=5, embeds="weight")]
    code = with_check_digit("20" + "01234" + "01000")
    assert product_resolve_code(code=code, patterns=only_weight) is None


def test_scale_code_with_wrong_check_digit_is_not_found():
    make_product(unit="kg", scale_code="01234")
    code = with_check_digit("20" + "01234" + "01000")
    broken = code[:-1] + str((int(code[-1]) + 3) % 10)

    assert product_resolve_code(code=broken) is None


def test_falls_back_to_the_sku():
    product = make_product(sku="BOLSA-01", barcodes=[])

    assert product_resolve_code(code="BOLSA-01").product == product


def test_a_barcode_wins_over_a_sku_with_the_same_text():
    code = next_ean13()
    by_barcode = make_product(barcodes=[code])
    make_product(sku=code, barcodes=[])

    assert product_resolve_code(code=code).product == by_barcode


def test_inactive_product_is_not_found_by_any_code():
    code = next_ean13()
    product = make_product(sku="INACTIVO-1", barcodes=[code], unit="kg", scale_code="07777")
    product_update(product=product, is_active=False)

    assert product_resolve_code(code=code) is None
    assert product_resolve_code(code="INACTIVO-1") is None
    assert product_resolve_code(code=with_check_digit("21" + "07777" + "01000")) is None


@pytest.mark.parametrize("code", ["", "   ", "9999999999994", "no-existe"])
def test_unknown_or_empty_code_is_none(code):
    make_product()

    assert product_resolve_code(code=code) is None


def test_search_ignores_accents_and_case():
    banana = make_product(name="Plátano Ecuador")
    make_product(name="Manzana Fuji")

    assert list(product_search(query="platano")) == [banana]
    assert list(product_search(query="PLÁTANO")) == [banana]
    assert list(product_search(query="ecua plat")) == [banana]


def test_search_by_sku_or_barcode_prefix():
    code = next_ean13()
    product = make_product(name="Arroz Grado 1", sku="ARROZ-1KG", barcodes=[code])

    assert list(product_search(query=code[:8])) == [product]
    assert product in product_search(query="ARROZ-1")


def test_search_skips_inactive_products_and_respects_the_limit():
    hidden = make_product(name="Pan Amasado")
    product_update(product=hidden, is_active=False)
    for n in range(5):
        make_product(name=f"Pan Hallulla {n}")

    results = list(product_search(query="pan", limit=3))

    assert len(results) == 3
    assert hidden not in results


def test_search_finds_a_renamed_product_by_its_new_name():
    product = make_product(name="Bebida Cola 3 L")
    product_update(product=product, name="Refresco Cola 3 L")

    assert list(product_search(query="refresco")) == [product]
    assert list(product_search(query="bebida")) == []


def test_empty_search_returns_nothing():
    make_product()

    assert list(product_search(query="   ")) == []
