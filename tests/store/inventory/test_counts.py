"""Physical counts: snapshot at opening, scan to count, post differences once."""

from decimal import Decimal

import pytest

from itplus.core.numbers import InvalidNumber
from itplus.store.inventory.models import CountLine, CountSheet, MovementKind, StockMovement
from itplus.store.inventory.services import (
    CountSheetClosed,
    InventoryError,
    InventoryNotAllowed,
    count_line_set,
    count_sheet_cancel,
    count_sheet_open,
    count_sheet_post,
    count_sheet_scan,
    default_warehouse,
)
from tests.factories import CategoryFactory, make_product, make_sale
from tests.store.inventory.factories import ledger_snapshot, make_warehouse, receive, stock_of

pytestmark = pytest.mark.django_db

REFUSED = (InventoryError, InvalidNumber)  # a rule, or a number that cannot be read


@pytest.fixture
def shelf(supervisor):
    """Two dairy products with stock and one grocery product."""
    dairy, grocery = CategoryFactory(name="Lácteos"), CategoryFactory(name="Abarrotes")
    milk = make_product(name="Leche", category=dairy)
    yoghurt = make_product(name="Yoghurt", category=dairy)
    rice = make_product(name="Arroz", category=grocery)
    for item, qty in ((milk, 10), (yoghurt, 6), (rice, 4)):
        receive(item, qty, user=supervisor)
    return dairy, milk, yoghurt, rice


def scan(sheet, product, user, times=1, quantity=None):
    line = None
    for _ in range(times):
        line = count_sheet_scan(
            sheet=sheet, code=product.barcodes.first().code, user=user, quantity=quantity
        )
    return line


def test_opening_a_sheet_snapshots_the_category(shelf, supervisor):
    dairy, milk, yoghurt, _rice = shelf

    sheet = count_sheet_open(warehouse=default_warehouse(), category=dairy, user=supervisor)

    lines = {line.product: line for line in sheet.lines.all()}
    assert set(lines) == {milk, yoghurt}
    assert lines[milk].expected_quantity == 10
    assert all(line.counted_quantity is None for line in lines.values())
    assert sheet.status == CountSheet.Status.OPEN


def test_scan_increments_and_posting_sets_stock_to_the_count(shelf, supervisor):
    dairy, milk, yoghurt, rice = shelf
    sheet = count_sheet_open(warehouse=default_warehouse(), category=dairy, user=supervisor)

    assert scan(sheet, milk, supervisor, times=8).counted_quantity == 8
    scan(sheet, yoghurt, supervisor, quantity="6")
    movements = count_sheet_post(sheet=sheet, user=supervisor)

    # Only the difference moves: milk 10 → 8; yoghurt matched; rice not in the count.
    assert [(m.product, m.quantity, m.kind) for m in movements] == [
        (milk, Decimal(-2), MovementKind.COUNT)
    ]
    assert (stock_of(milk), stock_of(yoghurt), stock_of(rice)) == (8, 6, 4)
    sheet.refresh_from_db()
    assert sheet.status == CountSheet.Status.POSTED
    line = sheet.lines.get(product=milk)
    assert (line.stock_at_posting, line.difference, line.movement) == (10, -2, movements[0])


def test_sales_during_the_count_are_not_subtracted_twice(shelf, supervisor, terminal, cashier):
    """Counted − stock at posting: a sale made after opening is already in the ledger."""
    dairy, milk, _yoghurt, _rice = shelf
    sheet = count_sheet_open(warehouse=default_warehouse(), category=dairy, user=supervisor)
    make_sale(terminal=terminal, cashier=cashier, products=[milk])  # 10 → 9, then counted
    scan(sheet, milk, supervisor, quantity="9")

    movements = count_sheet_post(sheet=sheet, user=supervisor)

    assert movements == []  # shelf and ledger agree; the snapshot (10) was stale
    assert stock_of(milk) == 9
    assert sheet.lines.get(product=milk).expected_quantity == 10


def test_weighed_products_are_counted_by_kg(supervisor):
    cheese = make_product(name="Queso Gauda granel", unit="kg", price_clp=11990, scale_code="00042")
    receive(cheese, "2.5", user=supervisor)
    sheet = count_sheet_open(warehouse=default_warehouse(), user=supervisor)

    with pytest.raises(REFUSED, match="indique el peso"):
        scan(sheet, cheese, supervisor)
    scan(sheet, cheese, supervisor, quantity="1,250")
    # A deli-scale label with the weight inside (prefix 21, item 00042, 0.980 kg).
    from itplus.core.barcodes import with_check_digit

    count_sheet_scan(sheet=sheet, code=with_check_digit("210004200980"), user=supervisor)
    count_sheet_post(sheet=sheet, user=supervisor)

    assert stock_of(cheese) == Decimal("2.230")


def test_product_outside_the_snapshot_gets_a_line(shelf, supervisor):
    dairy, _milk, _yoghurt, rice = shelf
    sheet = count_sheet_open(warehouse=default_warehouse(), category=dairy, user=supervisor)

    line = scan(sheet, rice, supervisor, times=3)

    assert (line.expected_quantity, line.counted_quantity) == (4, 3)


def test_uncounted_lines_are_left_alone_or_zeroed(shelf, supervisor):
    dairy, milk, yoghurt, _rice = shelf
    sheet = count_sheet_open(warehouse=default_warehouse(), category=dairy, user=supervisor)
    scan(sheet, milk, supervisor, quantity="10")
    count_sheet_post(sheet=sheet, user=supervisor)
    assert stock_of(yoghurt) == 6

    full = count_sheet_open(warehouse=default_warehouse(), category=dairy, user=supervisor)
    scan(full, milk, supervisor, quantity="10")
    count_sheet_post(sheet=full, user=supervisor, uncounted_as_zero=True)
    assert stock_of(yoghurt) == 0


def test_count_in_another_warehouse(shelf, supervisor):
    _dairy, milk, _yoghurt, _rice = shelf
    back = make_warehouse()
    sheet = count_sheet_open(warehouse=back, user=supervisor)
    scan(sheet, milk, supervisor, quantity="5")

    count_sheet_post(sheet=sheet, user=supervisor)

    assert (stock_of(milk), stock_of(milk, back)) == (10, 5)


# --- Refusals: a clear message and nothing changes ------------------------------------


@pytest.fixture
def open_sheet(shelf, supervisor):
    dairy, milk, _yoghurt, _rice = shelf
    sheet = count_sheet_open(warehouse=default_warehouse(), category=dairy, user=supervisor)
    scan(sheet, milk, supervisor, times=2)
    return sheet


def count_state(sheet):
    return ledger_snapshot(), list(
        CountLine.objects.filter(sheet=sheet)
        .order_by("id")
        .values_list("product_id", "counted_quantity")
    )


@pytest.mark.parametrize(
    ("code", "quantity", "message"),
    [
        ("7809999999999", None, "Código «7809999999999» no encontrado"),
        ("", None, "no encontrado"),
        ("\x00", None, "no encontrado"),
        (None, "-3", "no admite valores negativos"),
        (None, "0", "mayor que cero"),
        (None, "2,5", "por unidad"),
        (None, "muchos", "no es un número"),
    ],
)
def test_bad_scans_are_refused(open_sheet, shelf, supervisor, code, quantity, message):
    milk = shelf[1]
    before = count_state(open_sheet)

    with pytest.raises(REFUSED, match=message):
        count_sheet_scan(
            sheet=open_sheet,
            code=milk.barcodes.first().code if code is None else code,
            quantity=quantity,
            user=supervisor,
        )

    assert count_state(open_sheet) == before


def test_negative_count_correction_is_refused(open_sheet, shelf, supervisor):
    before = count_state(open_sheet)

    with pytest.raises(REFUSED, match="no admite valores negativos"):
        count_line_set(sheet=open_sheet, product=shelf[1], counted="-1", user=supervisor)

    assert count_state(open_sheet) == before


def test_posting_twice_is_refused(open_sheet, supervisor):
    count_sheet_post(sheet=open_sheet, user=supervisor)
    before = count_state(open_sheet)

    with pytest.raises(CountSheetClosed, match="ya está contabilizada"):
        count_sheet_post(sheet=open_sheet, user=supervisor)

    assert count_state(open_sheet) == before


def test_closed_sheet_refuses_scans_and_posting(open_sheet, shelf, supervisor):
    count_sheet_cancel(sheet=open_sheet, user=supervisor, reason="Se contó mal")
    before = count_state(open_sheet)

    with pytest.raises(CountSheetClosed, match="ya está anulada"):
        scan(open_sheet, shelf[1], supervisor)
    with pytest.raises(CountSheetClosed):
        count_sheet_post(sheet=open_sheet, user=supervisor)
    with pytest.raises(CountSheetClosed):
        count_line_set(sheet=open_sheet, product=shelf[1], counted="3", user=supervisor)

    assert count_state(open_sheet) == before


def test_cancel_needs_a_reason_and_a_manager(open_sheet, supervisor, cashier):
    with pytest.raises(REFUSED, match="motivo"):
        count_sheet_cancel(sheet=open_sheet, user=supervisor, reason=" ")
    with pytest.raises(InventoryNotAllowed):
        count_sheet_cancel(sheet=open_sheet, user=cashier, reason="No")
    open_sheet.refresh_from_db()
    assert open_sheet.status == CountSheet.Status.OPEN


def test_cashier_may_scan_but_not_post(open_sheet, shelf, supervisor, cashier):
    scan(open_sheet, shelf[1], cashier)
    before = count_state(open_sheet)

    with pytest.raises(InventoryNotAllowed):
        count_sheet_post(sheet=open_sheet, user=cashier)

    assert count_state(open_sheet) == before


def test_posting_a_sheet_with_nothing_counted_is_refused(shelf, supervisor):
    sheet = count_sheet_open(warehouse=default_warehouse(), category=shelf[0], user=supervisor)

    with pytest.raises(REFUSED, match="no tiene productos contados"):
        count_sheet_post(sheet=sheet, user=supervisor)

    sheet.refresh_from_db()
    assert sheet.status == CountSheet.Status.OPEN
    assert StockMovement.objects.filter(kind=MovementKind.COUNT).count() == 0
