"""Catalogue change numbers and GET /api/v1/catalog/changes (the offline till's sync).

Every writer of a product, its price or its barcodes gives it a new, higher change
number; the API lists what changed after a number, in pages, inactive products included.
"""

import pytest
from django.test import Client

from itplus.store.catalog.api import ChangedProductOut
from itplus.store.catalog.importing import price_list_import, price_list_parse
from itplus.store.catalog.models import Product
from itplus.store.catalog.services import (
    catalog_changes_record,
    product_update,
    products_set_active,
)
from tests.concurrency import run_together
from tests.factories import make_product, next_ean13

URL = "/api/v1/catalog/changes"


def number(product) -> int:
    return Product.objects.values_list("change_number", flat=True).get(pk=product.pk)


def changes(client, since=0, limit=100):
    response = client.get(URL, {"since": since, "limit": limit})
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
def test_every_writer_gives_the_product_a_higher_change_number():
    milk = make_product(name="Leche", sku="LECHE", price_clp=1190)
    bread = make_product(name="Pan", sku="PAN", price_clp=2490)
    seen = [number(milk)]
    assert number(bread) > number(milk) > 0

    product_update(product=milk, price_clp=1290)
    seen.append(number(milk))
    product_update(product=milk, barcodes=[next_ean13()])
    seen.append(number(milk))
    products_set_active(product_ids=[milk.pk], is_active=False)
    seen.append(number(milk))
    rows = price_list_parse(
        file_bytes=b"sku;nombre;precio\r\nLECHE;Leche;1390\r\nNUEVO;Yogur;450\r\n",
        filename="lista.csv",
    )
    price_list_import(rows=rows, dry_run=False)
    seen.append(number(milk))

    assert seen == sorted(set(seen)), seen  # strictly increasing
    yogurt = Product.objects.get(sku="NUEVO")
    assert number(yogurt) > number(bread)
    assert len({number(p) for p in Product.objects.all()}) == Product.objects.count()


@pytest.mark.django_db
def test_unchanged_products_keep_their_number():
    milk = make_product(name="Leche", sku="LECHE", price_clp=1190)
    before = number(milk)
    products_set_active(product_ids=[milk.pk], is_active=True)  # already active
    assert number(milk) == before


@pytest.mark.django_db
def test_changes_api_pages_through_everything_and_drops_nothing(api_client):
    products = [make_product(price_clp=100 + i) for i in range(7)]
    product_update(product=products[0], price_clp=999)
    products_set_active(product_ids=[products[1].pk], is_active=False)

    since, seen, pages = 0, {}, 0
    while True:
        page = changes(api_client, since, limit=3)
        pages += 1
        for row in page["products"]:
            seen[row["id"]] = row
        assert page["since"] >= since
        since = page["since"]
        if not page["more"]:
            break
    assert pages == 3
    assert set(seen) >= {p.pk for p in products}
    first = seen[products[0].pk]
    assert first["price_clp"] == 999
    assert first["barcodes"] == [products[0].barcodes.first().code]
    # Serialised by hand for speed: still exactly the documented schema.
    assert ChangedProductOut(**first).model_dump() == first
    assert seen[products[1].pk]["is_active"] is False  # the till drops it
    # Nothing after the last number: an empty page, same since.
    assert changes(api_client, since) == {"products": [], "since": since, "more": False}

    product_update(product=products[2], name="Renombrado")
    page = changes(api_client, since)
    assert [row["id"] for row in page["products"]] == [products[2].pk]
    assert page["products"][0]["name"] == "Renombrado"


@pytest.mark.django_db
def test_changes_api_needs_the_terminal_token(product):
    assert Client().get(URL).status_code == 401


@pytest.mark.django_db
def test_changes_api_limits(api_client):
    assert api_client.get(URL, {"limit": 0}).status_code == 422
    assert api_client.get(URL, {"limit": 10_001}).status_code == 422
    assert api_client.get(URL, {"since": -1}).status_code == 422


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_get_distinct_numbers_in_commit_order():
    products = [make_product(price_clp=100) for _ in range(6)]
    top = max(number(p) for p in products)

    def change(product, price):
        return lambda: (
            product_update(
                product=Product.objects.get(pk=product.pk), price_clp=price
            ).change_number
        )

    results = run_together(
        [change(p, 200 + i) for i, p in enumerate(products)]
        + [lambda: catalog_changes_record([p.pk for p in products[:3]])],
        what="a catalogue change",
    )
    assert not [r for r in results if isinstance(r, BaseException)], results
    numbers = [number(p) for p in products]
    assert len(set(numbers)) == len(numbers)
    assert min(numbers) > top
