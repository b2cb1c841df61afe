"""The credit limit holds under concurrent sales on credit.

Six tills sell on credit to the same customer at the same moment (a barrier releases
the threads together); each till has its own series, session and product, so the only
thing they share is the customer's row. Exactly the sales that fit in the limit succeed,
the balance equals the sum of the entries, and it never goes over the limit.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from itplus.store.customers.models import AccountEntry, Customer
from itplus.store.customers.services import CreditLimitExceeded
from itplus.store.sales.models import Sale
from itplus.store.sales.services import sale_complete
from tests.factories import make_product, make_terminal, make_user
from tests.store.customers.factories import fiado_input, new_customer

pytestmark = pytest.mark.django_db(transaction=True)

JOIN_TIMEOUT = 120


def test_concurrent_sales_on_credit_never_exceed_the_limit():
    customer = new_customer(name="Rosa Tapia", credit_limit_clp=10_000)
    tills = [
        (make_terminal(), make_user(role="cajero"), make_product(price_clp=3_000)) for _ in range(6)
    ]
    barrier = threading.Barrier(len(tills))
    results: list = [None] * len(tills)

    def worker(index: int) -> None:
        terminal, cashier, product = tills[index]
        try:
            barrier.wait(timeout=60)
            sale, _created = sale_complete(
                terminal=terminal, cashier=cashier, data=fiado_input(product, customer)
            )
            results[index] = sale.pk
        except BaseException as error:  # reported by the test, not lost in the thread
            results[index] = error
        finally:
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(tills))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a sale hung"

    refused = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(r, CreditLimitExceeded) for r in refused), refused
    sold = [r for r in results if isinstance(r, int)]
    assert (len(sold), len(refused)) == (3, 3)  # 3 × $3.000 fit in $10.000; a 4th does not
    customer.refresh_from_db()
    entries = list(AccountEntry.objects.filter(customer=customer).order_by("id"))
    assert customer.balance_clp == sum(e.amount_clp for e in entries) == 9_000
    assert max(e.balance_after_clp for e in entries) <= customer.credit_limit_clp
    assert sorted(e.balance_after_clp for e in entries) == [3_000, 6_000, 9_000]
    assert sorted(e.sale_id for e in entries) == sorted(sold)
    assert Sale.objects.filter(customer=customer).count() == 3
    assert Customer.objects.get(pk=customer.pk).balance_clp <= 10_000
    connections.close_all()
