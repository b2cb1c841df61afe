"""Adjustments, transfers, reorder points and the negative-stock setting.

Every refusal leaves the ledger and the stock rows exactly as they were.
"""

from decimal import Decimal

import pytest

from itplus.core.numbers import InvalidNumber
from itplus.store.inventory.models import MovementKind, Stock, StockMovement
from itplus.store.inventory.services import (
    InsufficientStock,
    InventoryError,
    InventoryNotAllowed,
    StockChange,
    TransferLine,
    default_warehouse,
    reorder_point_set,
    stock_adjust,
    stock_apply,
    stock_transfer,
)
from itplus.store.sales.models import Sale
from itplus.store.sales.services import sale_complete
from tests.factories import make_product, make_user, sale_input
from tests.store.inventory.factories import (
    ledger_snapshot,
    make_warehouse,
    receive,
    set_negative_stock,
    stock_of,
)

pytestmark = pytest.mark.django_db

REFUSED = (InventoryError, InvalidNumber)  # a rule, or a number that cannot be read


# --- Adjustments -----------------------------------------------------------------------


def test_adjustment_records_reason_user_and_running_balance(product, supervisor):
    receive(product, 10, user=supervisor)

    movement = stock_adjust(
        product=product, quantity="-3", reason="Merma: vencidos", user=supervisor
    )

    assert movement.kind == MovementKind.ADJUSTMENT
    assert movement.quantity == Decimal("-3")
    assert movement.resulting_quantity == Decimal("7")
    assert movement.reason == "Merma: vencidos"
    assert movement.user == supervisor
    assert stock_of(product) == Decimal("7")


@pytest.mark.parametrize(
    ("quantity", "reason", "message"),
    [
        ("0", "Merma", "no puede ser cero"),
        ("5", "", "Indique el motivo"),
        ("5", "   ", "Indique el motivo"),
        ("1,5", "Error", "por unidad"),
        ("abc", "Error", "no es un número"),
        ("NaN", "Error", "no es un número"),
        ("99999999", "Error", "el máximo es 999999"),
    ],
)
def test_bad_adjustment_is_refused_and_changes_nothing(
    product, supervisor, quantity, reason, message
):
    receive(product, 4, user=supervisor)
    before = ledger_snapshot()

    with pytest.raises(REFUSED) as error:
        stock_adjust(product=product, quantity=quantity, reason=reason, user=supervisor)

    assert message in error.value.message
    assert ledger_snapshot() == before


def test_cashier_cannot_adjust(product, cashier):
    before = ledger_snapshot()

    with pytest.raises(InventoryNotAllowed, match="supervisor o un administrador"):
        stock_adjust(product=product, quantity="2", reason="Hallazgo", user=cashier)

    assert ledger_snapshot() == before


def test_weighed_adjustment_accepts_grams(supervisor):
    cheese = make_product(name="Queso granel", unit="kg", price_clp=9990)

    stock_adjust(product=cheese, quantity="1,250", reason="Ingreso inicial", user=supervisor)

    assert stock_of(cheese) == Decimal("1.250")


def test_adjustment_below_zero_refused_when_setting_forbids(product, supervisor):
    set_negative_stock(False)
    receive(product, 2, user=supervisor)
    before = ledger_snapshot()

    with pytest.raises(InsufficientStock, match="Stock insuficiente de «Leche Entera 1 L»"):
        stock_adjust(product=product, quantity="-3", reason="Merma", user=supervisor)

    assert ledger_snapshot() == before


# --- Transfers -------------------------------------------------------------------------


def test_transfer_moves_stock_in_one_transaction(product, supervisor):
    main = default_warehouse()
    back = make_warehouse(code="trastienda", name="Trastienda")
    receive(product, 10, user=supervisor)

    out, into = stock_transfer(
        lines=[TransferLine(product=product, quantity="4")],
        source=main,
        destination=back,
        user=supervisor,
        reason="Reponer sala",
    )

    assert (out.warehouse, out.quantity, out.resulting_quantity) == (main, Decimal(-4), Decimal(6))
    assert (into.warehouse, into.quantity, into.resulting_quantity) == (
        back,
        Decimal(4),
        Decimal(4),
    )
    assert {out.kind, into.kind} == {MovementKind.TRANSFER}
    assert stock_of(product, main) == 6
    assert stock_of(product, back) == 4


def test_transfer_to_the_same_warehouse_is_refused(product, supervisor):
    receive(product, 10, user=supervisor)
    before = ledger_snapshot()

    with pytest.raises(REFUSED, match="deben ser distintas"):
        stock_transfer(
            lines=[TransferLine(product=product, quantity="1")],
            source=default_warehouse(),
            destination=default_warehouse(),
            user=supervisor,
        )

    assert ledger_snapshot() == before


def test_transfer_of_more_than_available_is_refused_without_negatives(supervisor):
    set_negative_stock(False)
    milk, bread = make_product(name="Leche"), make_product(name="Pan")
    back = make_warehouse()
    receive(milk, 10, user=supervisor)
    receive(bread, 1, user=supervisor)
    before = ledger_snapshot()

    with pytest.raises(InsufficientStock, match="«Pan»"):
        stock_transfer(
            lines=[
                TransferLine(product=milk, quantity="5"),
                TransferLine(product=bread, quantity="2"),
            ],
            source=default_warehouse(),
            destination=back,
            user=supervisor,
        )

    # The milk line, valid on its own, was rolled back with the rest.
    assert ledger_snapshot() == before
    assert stock_of(milk, back) == 0


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "no tiene productos"),
        (["0"], "mayor que cero"),
        (["-2"], "no admite valores negativos"),
        (["1", "1"], "dos veces"),
    ],
)
def test_bad_transfer_is_refused(product, supervisor, lines, message):
    receive(product, 10, user=supervisor)
    back = make_warehouse()
    before = ledger_snapshot()

    with pytest.raises(REFUSED, match=message):
        stock_transfer(
            lines=[TransferLine(product=product, quantity=q) for q in lines],
            source=default_warehouse(),
            destination=back,
            user=supervisor,
        )

    assert ledger_snapshot() == before


def test_cashier_cannot_transfer(product, cashier):
    with pytest.raises(InventoryNotAllowed):
        stock_transfer(
            lines=[TransferLine(product=product, quantity="1")],
            source=default_warehouse(),
            destination=make_warehouse(),
            user=cashier,
        )
    assert StockMovement.objects.count() == 0


def test_unknown_movement_kind_is_refused(product, supervisor):
    with pytest.raises(REFUSED, match="Tipo de movimiento desconocido"):
        stock_apply(
            changes=[StockChange(product=product, quantity=Decimal(1))],
            kind="regalo",
            user=supervisor,
        )
    assert StockMovement.objects.count() == 0


# --- Reorder points --------------------------------------------------------------------


def test_reorder_point_and_suggested_order(supervisor):
    milk = make_product(name="Leche")
    receive(milk, 3, user=supervisor)

    stock = reorder_point_set(
        product=milk,
        warehouse=default_warehouse(),
        reorder_point="5",
        reorder_target="12",
        user=supervisor,
    )

    assert stock.is_low
    assert stock.suggested_order_quantity == Decimal(9)
    # Without a target, the order brings it to twice the point.
    stock = reorder_point_set(
        product=milk, warehouse=default_warehouse(), reorder_point="5", user=supervisor
    )
    assert stock.suggested_order_quantity == Decimal(7)


@pytest.mark.parametrize(
    ("point", "target", "message"),
    [
        ("-1", None, "no admite valores negativos"),
        ("5", "3", "no puede ser menor"),
        (None, "3", "indique el punto"),
    ],
)
def test_bad_reorder_point_is_refused(product, supervisor, point, target, message):
    reorder_point_set(
        product=product, warehouse=default_warehouse(), reorder_point="2", user=supervisor
    )

    with pytest.raises(REFUSED, match=message):
        reorder_point_set(
            product=product,
            warehouse=default_warehouse(),
            reorder_point=point,
            reorder_target=target,
            user=supervisor,
        )

    stock = Stock.objects.get(product=product)
    assert (stock.reorder_point, stock.reorder_target) == (Decimal(2), None)


# --- Selling below zero: a setting, never silent -----------------------------------------


def test_sale_below_zero_refused_when_setting_forbids(terminal, cashier, product, supervisor):
    set_negative_stock(False)
    receive(product, 1, user=supervisor)
    before = ledger_snapshot()
    sales = Sale.objects.count()

    with pytest.raises(InsufficientStock) as error:
        sale_complete(terminal=terminal, cashier=cashier, data=sale_input([product, product]))

    assert error.value.message == (
        "Stock insuficiente de «Leche Entera 1 L» en Bodega principal: quedarían -1."
    )
    assert ledger_snapshot() == before
    assert Sale.objects.count() == sales


def test_sale_below_zero_recorded_and_flagged_when_allowed(terminal, cashier, product, supervisor):
    from itplus.store.inventory.selectors import StockFilter, stock_list

    set_negative_stock(True)
    receive(product, 1, user=supervisor)

    sale, _ = sale_complete(terminal=terminal, cashier=cashier, data=sale_input([product, product]))

    movements = list(StockMovement.objects.filter(kind=MovementKind.SALE).order_by("id"))
    assert [m.resulting_quantity for m in movements] == [Decimal(0), Decimal(-1)]
    assert stock_of(product) == Decimal(-1)
    negative = stock_list(filters=StockFilter(warehouse=default_warehouse(), only="negativo"))
    assert [p.pk for p in negative] == [product.pk]
    assert negative[0].qty == Decimal(-1)


def test_other_users_of_stock_apply_keep_working(product):
    """Purchases (recepcion) and returns (devolucion) call stock_apply as before."""
    user = make_user(role="cajero")
    stock_apply(
        changes=[StockChange(product=product, quantity=Decimal(2))],
        kind=MovementKind.RETURN,
        user=user,
        reference="NC-1",
    )
    assert stock_of(product) == 2
