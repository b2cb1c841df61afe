"""Customer search for the till and the account statement's running balance."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from itplus.store.customers.models import AccountEntry
from itplus.store.customers.selectors import customer_search, customer_statement, statement_csv_rows
from itplus.store.customers.services import customer_payment_record, customer_update
from tests.factories import make_customer, make_product
from tests.store.customers.factories import new_customer, sell_on_credit

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "juana": new_customer(rut="12.345.678-5", name="Juana Muñoz"),
        "kiosko": new_customer(rut="10.000.013-K", name="Kiosko La Esquina"),
        "empresa": new_customer(rut="76.086.428-5", name="Distribuidora Ñuble SpA"),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("12.345", ["juana"]),
        ("12345678", ["juana"]),
        ("12.345.678-5", ["juana"]),
        ("123456785", ["juana"]),
        ("10000013k", ["kiosko"]),
        ("10.000.013-k", ["kiosko"]),
        ("1", ["kiosko", "juana"]),  # by RUT order
        ("7", ["empresa"]),
        ("munoz", ["juana"]),
        ("MUÑOZ juana", ["juana"]),
        ("nuble", ["empresa"]),
        ("esquina kiosko", ["kiosko"]),
        ("pedro", []),
        ("", []),
        ("66.666.666-6", []),  # the final consumer is the default, not a search result
        ("consumidor", []),
    ],
)
def test_search_by_rut_prefix_or_name(people, query, expected):
    assert [c.pk for c in customer_search(q=query)] == [people[k].pk for k in expected]


def test_search_skips_inactive_customers_and_finds_rows_made_outside_the_services(people):
    customer_update(customer=people["juana"], is_active=False)
    assert customer_search(q="juana") == []
    legacy = make_customer(name="Almacén Ñandú")  # written directly: no search_text
    assert customer_search(q="Ñandú") == [legacy]


def test_statement_running_balance_matches_the_entries(terminal, cashier):
    customer = new_customer(name="Rosa Tapia", credit_limit_clp=50_000)
    product = make_product(price_clp=3_990)
    for _ in range(3):
        sell_on_credit(terminal=terminal, cashier=cashier, product=product, customer=customer)
    customer_payment_record(customer=customer, amount_clp=5_000, method="efectivo", user=cashier)
    sell_on_credit(
        terminal=terminal, cashier=cashier, product=product, customer=customer, quantity="2"
    )
    customer_payment_record(customer=customer, amount_clp=2_000, method="debito", user=cashier)

    statement = customer_statement(customer=customer)

    customer.refresh_from_db()
    balances = [line.balance_clp for line in statement.lines]
    assert balances == [3_990, 7_980, 11_970, 6_970, 14_950, 12_950]
    assert [line.entry.balance_after_clp for line in statement.lines] == balances
    assert statement.closing_balance_clp == customer.balance_clp == 12_950
    assert statement.total_charges_clp - statement.total_payments_clp == customer.balance_clp
    rows = list(statement_csv_rows(statement))
    assert rows[0] == ["Fecha", "Tipo", "Documento", "Detalle", "Cargo", "Abono", "Saldo"]
    assert rows[1][-1] == "0"
    assert [r[-1] for r in rows[2:]] == [str(b) for b in balances]
    assert rows[5][5] == "5000"


def test_statement_of_a_period_brings_the_balance_forward(terminal, cashier):
    customer = new_customer(credit_limit_clp=50_000)
    product = make_product(price_clp=1_000)
    sell_on_credit(terminal=terminal, cashier=cashier, product=product, customer=customer)
    sell_on_credit(terminal=terminal, cashier=cashier, product=product, customer=customer)
    # the first charge happened last week
    first = AccountEntry.objects.order_by("id").first()
    AccountEntry.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(days=7))
    today = timezone.localdate()

    statement = customer_statement(customer=customer, date_from=today, date_to=today)

    assert statement.opening_balance_clp == 1_000
    assert [line.balance_clp for line in statement.lines] == [2_000]
    assert (
        customer_statement(customer=customer, date_to=today - timedelta(days=1)).closing_balance_clp
        == 1_000
    )
