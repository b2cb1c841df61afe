"""Concurrent terminals: gapless numbers, one sale per client UUID, an intact hash chain.

Real threads, each with its own database connection, posting to the real API at the
same moment (a barrier releases them together). On PostgreSQL the series row lock
(``select_for_update``) serialises the numbering; on SQLite ``BEGIN IMMEDIATE`` does.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter

import pytest
from django.db import connections
from django.test import Client

from itplus.store.sales.models import Payment, Sale, SaleLine
from tests.factories import make_product, make_terminal, make_user
from tests.store.sales.test_services import assert_chain_verifies

pytestmark = pytest.mark.django_db(transaction=True)

SALES_URL = "/api/v1/sales"
JOIN_TIMEOUT = 120


def run_together(bodies: list[dict], *, terminal, cashier) -> list:
    """POST each body from its own thread, all released at once. Returns, per body,
    the response or the exception the request raised."""
    barrier = threading.Barrier(len(bodies))
    results: list = [None] * len(bodies)

    def worker(index: int) -> None:
        try:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {terminal.token}")
            client.force_login(cashier)
            barrier.wait(timeout=60)
            results[index] = client.post(
                SALES_URL, data=bodies[index], content_type="application/json"
            )
        except BaseException as error:  # reported by the test, not lost in the thread
            results[index] = error
        finally:
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a request hung"
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results


def body(product, *, cash: int = 10_000, client_uuid: str | None = None) -> dict:
    return {
        "client_uuid": client_uuid or str(uuid.uuid4()),
        "lines": [{"code": product.barcodes.first().code, "quantity": "2"}],
        "payments": [{"method": "efectivo", "amount_clp": cash}],
    }


@pytest.fixture
def till():
    terminal = make_terminal()
    cashier = make_user(role="cajero")
    product = make_product(name="Pan amasado", price_clp=1190)
    yield terminal, cashier, product
    connections.close_all()


def test_twenty_concurrent_sales_get_numbers_one_to_twenty(till):
    terminal, cashier, product = till
    bodies = [body(product) for _ in range(20)]

    responses = run_together(bodies, terminal=terminal, cashier=cashier)

    assert [r.status_code for r in responses] == [201] * 20, [r.content for r in responses]
    numbers = sorted(r.json()["number"] for r in responses)
    assert numbers == list(range(1, 21))
    stored = list(
        Sale.objects.filter(series=terminal.boleta_series).values_list("number", flat=True)
    )
    assert sorted(stored) == list(range(1, 21))  # no duplicates, no gaps
    series = terminal.boleta_series
    series.refresh_from_db()
    assert series.next_number == 21
    assert SaleLine.objects.count() == 20 and Payment.objects.count() == 20
    assert_chain_verifies(series)


def test_ten_concurrent_retries_of_one_sale_make_one_sale(till):
    terminal, cashier, product = till
    shared = body(product, client_uuid=str(uuid.uuid4()))

    responses = run_together([dict(shared) for _ in range(10)], terminal=terminal, cashier=cashier)

    codes = Counter(r.status_code for r in responses)
    assert codes == {201: 1, 200: 9}, [r.content for r in responses]
    assert {r.json()["id"] for r in responses} == {Sale.objects.get().pk}
    assert sum(r.json()["replayed"] for r in responses) == 9
    assert Sale.objects.count() == 1
    assert SaleLine.objects.count() == 1 and Payment.objects.count() == 1
    series = terminal.boleta_series
    series.refresh_from_db()
    assert series.next_number == 2
    assert_chain_verifies(series)


def test_failed_sales_among_concurrent_ones_leave_no_gaps(till):
    terminal, cashier, product = till
    # Every third customer hands over too little cash (the sale is 2 × 1.190 = 2.380).
    bodies = [body(product, cash=1000 if i % 3 == 0 else 5000) for i in range(21)]

    responses = run_together(bodies, terminal=terminal, cashier=cashier)

    refused = [r for r in responses if r.status_code == 422]
    accepted = [r for r in responses if r.status_code == 201]
    assert len(refused) == 7 and len(accepted) == 14, [r.content for r in responses]
    assert all("no alcanza" in r.json()["detail"] for r in refused)
    assert sorted(r.json()["number"] for r in accepted) == list(range(1, 15))
    assert Sale.objects.count() == 14
    assert SaleLine.objects.count() == 14 and Payment.objects.count() == 14
    series = terminal.boleta_series
    series.refresh_from_db()
    assert series.next_number == 15
    assert_chain_verifies(series)


def test_two_terminals_on_separate_series_number_independently(till):
    terminal, cashier, product = till
    other = make_terminal()
    bodies = [body(product) for _ in range(10)]

    first_half = threading.Thread(
        target=lambda: results.append(run_together(bodies[:5], terminal=terminal, cashier=cashier))
    )
    results: list = []
    first_half.start()
    second = run_together(bodies[5:], terminal=other, cashier=cashier)
    first_half.join(JOIN_TIMEOUT)
    first = results[0]

    assert sorted(r.json()["number"] for r in first) == [1, 2, 3, 4, 5]
    assert sorted(r.json()["number"] for r in second) == [1, 2, 3, 4, 5]
    assert_chain_verifies(terminal.boleta_series)
    assert_chain_verifies(other.boleta_series)
