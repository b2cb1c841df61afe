"""`itplus audit` catches customer accounts that don't add up."""

from __future__ import annotations

import pytest

from itplus.core.audit import run_audit
from itplus.store.customers.models import AccountEntry, Customer
from itplus.store.customers.services import customer_payment_record
from tests.factories import make_product
from tests.store.customers.factories import new_customer, sell_on_credit

pytestmark = pytest.mark.django_db


def problems(check: str) -> list[str]:
    return [p.message for p in run_audit().problems if p.check == check]


@pytest.fixture
def account(terminal, cashier):
    customer = new_customer(rut="12.345.678-5", name="Rosa Tapia", credit_limit_clp=10_000)
    sell_on_credit(
        terminal=terminal, cashier=cashier, product=make_product(price_clp=4_000), customer=customer
    )
    customer_payment_record(customer=customer, amount_clp=1_000, method="efectivo", user=cashier)
    return customer


def test_a_clean_store_passes(account):
    report = run_audit()
    assert problems("cuenta") == problems("fiado") == problems("rut") == []
    assert report.checked["movimientos de cuenta corriente"] == 2
    assert report.checked["ventas fiadas"] == 1


def test_a_balance_edited_behind_the_ledger_is_named(account):
    Customer.objects.filter(pk=account.pk).update(balance_clp=0)
    assert problems("cuenta") == [
        "Cliente 12345678-5: la deuda registrada ($0) no es la suma de sus movimientos ($3.000)."
    ]


def test_an_edited_entry_is_named(account):
    entry = AccountEntry.objects.filter(customer=account, kind="cargo").get()
    AccountEntry.objects.filter(pk=entry.pk).update(amount_clp=3_000)
    found = problems("cuenta")
    assert any("dice saldo $4.000 pero la suma de los movimientos da $3.000" in m for m in found)
    assert any("no es la suma de sus movimientos" in m for m in found)
    assert any(
        "se pagó $4.000 con cuenta corriente pero se cargaron $3.000" in m
        for m in problems("fiado")
    )


def test_an_invalid_rut_is_named(account):
    Customer.objects.filter(pk=account.pk).update(rut="12345678-4")
    assert problems("rut") == [f"El cliente {account.pk} tiene un RUT no válido: «12345678-4»."]
