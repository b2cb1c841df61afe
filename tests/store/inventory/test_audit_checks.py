"""`itplus audit` checks the inventory ledger: stock = sum of movements, running balances."""

from decimal import Decimal

import pytest

from itplus.core.audit import run_audit
from itplus.store.inventory.models import Stock, StockMovement
from itplus.store.inventory.services import TransferLine, stock_adjust, stock_transfer
from tests.factories import make_product, make_sale
from tests.store.inventory.factories import make_warehouse, receive

pytestmark = pytest.mark.django_db


def inventory_problems():
    return [p for p in run_audit().problems if p.check == "inventario"]


@pytest.fixture
def moved(supervisor, terminal, cashier):
    milk = make_product(name="Leche Colun 1 L")
    bread = make_product(name="Pan Molde")
    receive(milk, 12, user=supervisor)
    receive(bread, 3, user=supervisor)
    make_sale(terminal=terminal, cashier=cashier, products=[milk, bread, bread])
    stock_adjust(product=milk, quantity="-1", reason="Merma", user=supervisor)
    stock_transfer(
        lines=[TransferLine(product=milk, quantity="2")],
        source=Stock.objects.get(product=milk).warehouse,
        destination=make_warehouse(name="Trastienda"),
        user=supervisor,
    )
    return milk, bread


def test_a_consistent_ledger_passes(moved):
    report = run_audit()

    assert inventory_problems() == []
    assert report.checked["movimientos de inventario"] == 8
    assert report.checked["existencias"] == 3


def test_a_stock_row_edited_directly_is_named(moved):
    milk, _bread = moved
    Stock.objects.filter(product=milk, warehouse__is_default=True).update(quantity=Decimal(50))

    (problem,) = inventory_problems()

    assert "«Leche Colun 1 L» en Bodega principal" in problem.message
    assert "(50)" in problem.message and "(8)" in problem.message
    assert "fuera del libro de inventario" in problem.message


def test_an_altered_movement_breaks_the_running_balance(moved):
    _milk, bread = moved
    first = StockMovement.objects.filter(product=bread).order_by("id").first()
    StockMovement.objects.filter(pk=first.pk).update(quantity=Decimal(5))

    problems = inventory_problems()

    messages = " ".join(p.message for p in problems)
    assert "«Pan Molde»" in messages
    assert "no sigue al saldo anterior" in messages
    assert "no es la suma de sus movimientos" in messages


def test_a_deleted_movement_is_caught(moved):
    milk, _bread = moved
    StockMovement.objects.filter(product=milk, kind="ajuste")._raw_delete("default")

    problems = inventory_problems()

    assert problems and all("«Leche Colun 1 L»" in p.message for p in problems)
