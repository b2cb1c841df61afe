"""Search-as-you-type ranking and the index-range prefix matching behind it."""

import pytest

from itplus.core.barcodes import with_check_digit
from itplus.store.catalog.selectors import product_search
from tests.factories import make_product

pytestmark = pytest.mark.django_db


def names(query: str, **kwargs) -> list[str]:
    return [p.name for p in product_search(query=query, **kwargs)]


def test_names_starting_with_the_query_come_first():
    make_product(name="Chocolate con Leche")
    make_product(name="Leche Entera 1 L")
    make_product(name="Dulce de Leche")

    assert names("leche") == ["Leche Entera 1 L", "Chocolate con Leche", "Dulce de Leche"]
    assert names("LECHE ent") == ["Leche Entera 1 L"]


def test_names_starting_with_the_first_word_come_before_other_matches():
    make_product(name="Empanada Queso Gourmet")
    make_product(name="Queso Mantecoso Gourmet")
    make_product(name="Queso Gourmet Laminado")

    assert names("queso gou") == [
        "Queso Gourmet Laminado",  # starts with the whole query
        "Queso Mantecoso Gourmet",  # starts with the first word
        "Empanada Queso Gourmet",  # contains the words
    ]


def test_words_contained_anywhere_still_match():
    make_product(name="Plátano Ecuador (kg)")

    assert names("tano") == ["Plátano Ecuador (kg)"]
    assert names("dor plá") == ["Plátano Ecuador (kg)"]


@pytest.mark.parametrize("query", ["arroz", "arroz 1", "leche 9", "zz"])
def test_prefixes_ending_in_z_or_9_are_found(query):
    # The index range's upper bound skips z and 9, which have no successor.
    make_product(name="Arroz 1 kg")
    make_product(name="Leche 9 un")
    make_product(name="Zz Top")

    assert len(names(query)) == 1


def test_barcode_and_sku_prefixes_any_case():
    make_product(name="Arroz Grado 1", sku="ARR-001", barcodes=[with_check_digit("780999000001")])
    make_product(name="Pan Amasado", sku="PAN-001", barcodes=["ABC123"])

    assert names("78099") == ["Arroz Grado 1"]
    assert names("abc1") == ["Pan Amasado"]
    assert names("ARR") == ["Arroz Grado 1"]


def test_a_product_matching_several_ways_appears_once():
    make_product(name="780 Ofertas", barcodes=[with_check_digit("780123456789")])

    assert names("780") == ["780 Ofertas"]


def test_limit_and_inactive_products(django_assert_max_num_queries):
    for n in range(25):
        make_product(name=f"Lápiz {n:02d}")
    hidden = make_product(name="Lápiz Oculto")
    hidden.is_active = False
    hidden.save()

    # A prefix that fills the page runs neither the code queries nor the containment
    # scan: one range query and the final fetch.
    with django_assert_max_num_queries(2):
        found = names("lapiz", limit=20)

    assert found == [f"Lápiz {n:02d}" for n in range(20)]
    assert "Lápiz Oculto" not in names("oculto")
