"""Suppliers, purchase orders, goods receipts, costs and supplier invoices, through the
real services."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import F, Sum
from django.utils import timezone

from itplus.core.audit import run_audit
from itplus.core.numbers import InvalidNumber
from itplus.store.catalog.models import Product
from itplus.store.inventory.models import Stock, StockMovement
from itplus.store.inventory.services import stock_move
from itplus.store.purchases.models import (
    GoodsReceipt,
    GoodsReceiptLine,
    OrderStatus,
    ProductCost,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    SupplierInvoice,
)
from itplus.store.purchases.services import (
    OrderLineInput,
    OrderNotReceivable,
    OverReceipt,
    PurchaseError,
    ReceiptLineInput,
    average_cost,
    goods_receipt_post,
    purchase_order_cancel,
    purchase_order_create,
    purchase_order_send,
    purchase_order_update,
    supplier_create,
    supplier_invoice_record,
    supplier_update,
)
from itplus.store.sales.services import LineInput
from tests.factories import make_product, make_sale, make_user
from tests.store.purchases.factories import code_of, make_order, make_supplier, receive

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer():
    return make_user(role="administrador")


@pytest.fixture
def supplier():
    return make_supplier()


def stock_of(product: Product) -> Decimal:
    return Stock.objects.filter(product=product).aggregate(s=Sum("quantity"))["s"] or Decimal(0)


def ledger_of(product: Product) -> Decimal:
    return StockMovement.objects.filter(product=product).aggregate(s=Sum("quantity"))[
        "s"
    ] or Decimal(0)


def snapshot() -> dict:
    """Everything a purchases write may touch, to show a refusal changed nothing."""
    return {
        "suppliers": list(Supplier.objects.order_by("pk").values()),
        "orders": list(PurchaseOrder.objects.order_by("pk").values()),
        "order_lines": list(PurchaseOrderLine.objects.order_by("pk").values()),
        "receipts": list(GoodsReceipt.objects.order_by("pk").values()),
        "receipt_lines": GoodsReceiptLine.objects.count(),
        "invoices": list(SupplierInvoice.objects.order_by("pk").values()),
        "stock": list(Stock.objects.order_by("pk").values("product_id", "quantity")),
        "movements": StockMovement.objects.count(),
        "costs": list(ProductCost.objects.order_by("pk").values()),
        "catalog_costs": list(Product.objects.order_by("pk").values_list("pk", "cost_clp")),
    }


# ------------------------------------------------------------------------ suppliers


class TestSupplier:
    def test_rut_is_validated_stored_clean_and_shown_formatted(self):
        supplier = supplier_create(rut="76.086.428-5", name="  Comercial del Sur SpA ")
        assert supplier.rut == "76086428-5"
        assert supplier.rut_display == "76.086.428-5"
        assert supplier.name == "Comercial del Sur SpA"

    @pytest.mark.parametrize(
        "rut",
        ["76086428-5", "76.086.428-5", "760864285", " 76086428 - 5 "],
    )
    def test_dots_and_dash_variants(self, rut):
        assert supplier_create(rut=rut, name="X").rut == "76086428-5"

    def test_k_check_digit(self):
        # 10.000.013: 3·2+1·3+0·4+0·5+0·6+0·7+0·2+1·3 = 12 → 11 − 1 = 10 → K
        assert supplier_create(rut="10.000.013-k", name="K").rut == "10000013-K"

    @pytest.mark.parametrize(
        ("rut", "fragment"),
        [
            ("76.086.428-4", "dígito verificador"),
            ("hola", "no es un RUT válido"),
            ("", "Ingrese el RUT"),
        ],
    )
    def test_invalid_rut_refused_in_spanish(self, rut, fragment):
        with pytest.raises(PurchaseError) as exc:
            supplier_create(rut=rut, name="X")
        assert fragment in exc.value.message
        assert Supplier.objects.count() == 0

    def test_duplicate_rut_refused_whatever_the_format(self):
        make_supplier(rut="76086428-5", name="Primero")
        before = snapshot()
        with pytest.raises(PurchaseError, match="Ya existe un proveedor con el RUT 76.086.428-5"):
            supplier_create(rut="76.086.428-5", name="Segundo")
        assert snapshot() == before

    @pytest.mark.parametrize(
        ("fields", "fragment"),
        [
            ({"name": "  "}, "razón social"),
            ({"email": "no-es-correo"}, "no es un correo válido"),
            ({"payment_terms_days": -1}, "plazo de pago"),
        ],
    )
    def test_bad_fields_refused(self, fields, fragment):
        with pytest.raises(PurchaseError, match=fragment):
            supplier_create(**({"rut": "76086428-5", "name": "X"} | fields))
        assert Supplier.objects.count() == 0

    def test_update_revalidates(self, supplier):
        updated = supplier_update(supplier=supplier, payment_terms_days=60, comuna="Maipú")
        assert (updated.payment_terms_days, updated.comuna) == (60, "Maipú")
        with pytest.raises(PurchaseError, match="dígito verificador"):
            supplier_update(supplier=supplier, rut="76.086.428-4")
        supplier.refresh_from_db()
        assert supplier.rut != "76086428-4"


# ------------------------------------------------------------------ purchase orders


class TestPurchaseOrder:
    def test_totals_net_plus_iva_on_the_document_total(self, supplier, buyer):
        rice = make_product(name="Arroz 1 kg")
        cheese = make_product(name="Queso a granel", unit="kg")
        order = purchase_order_create(
            supplier=supplier,
            user=buyer,
            lines=[
                OrderLineInput(code_of(rice), "12", 1_033),
                OrderLineInput(code_of(cheese), "2,345", 6_590),
            ],
        )
        # 12 × 1.033 = 12.396; 2,345 kg × 6.590 = 15.453,55 → 15.454; net 27.850
        # IVA 19% of the net total: 5.291,5 → 5.292 (half up); total 33.142.
        assert order.status == OrderStatus.DRAFT
        assert [line.net_clp for line in order.lines.all()] == [12_396, 15_454]
        assert (order.net_clp, order.iva_clp, order.total_clp) == (27_850, 5_292, 33_142)

    @pytest.mark.parametrize(
        ("quantity", "cost", "fragment"),
        [
            ("0", 100, "mayor que cero"),
            ("-2", 100, "no admite valores negativos"),
            ("1.5", 100, "número entero"),
            ("1.500", 100, "es ambiguo: escriba 1500 o 1,5"),
            ("abc", 100, "no es un número"),
            ("1000000", 100, "el máximo es 999999"),
            ("3", -1, "Costo de .*no admite valores negativos"),
            ("3", "1,5", "los pesos no llevan decimales"),
        ],
    )
    def test_bad_lines_refused_nothing_written(self, supplier, buyer, quantity, cost, fragment):
        product = make_product()
        before = snapshot()
        with pytest.raises(InvalidNumber, match=fragment):
            purchase_order_create(
                supplier=supplier,
                user=buyer,
                lines=[OrderLineInput(code_of(product), quantity, cost)],
            )
        assert snapshot() == before

    def test_weighed_product_takes_grams_not_less(self, supplier, buyer):
        cheese = make_product(unit="kg")
        with pytest.raises(InvalidNumber, match="3 decimales"):
            purchase_order_create(
                supplier=supplier, user=buyer, lines=[OrderLineInput(code_of(cheese), "1.2345", 10)]
            )

    def test_unknown_product_and_empty_order_refused(self, supplier, buyer):
        with pytest.raises(
            PurchaseError, match="No existe un producto activo con el código «NOPE»"
        ):
            purchase_order_create(
                supplier=supplier, user=buyer, lines=[OrderLineInput("NOPE", "1", 10)]
            )
        with pytest.raises(PurchaseError, match="al menos una línea"):
            purchase_order_create(supplier=supplier, user=buyer, lines=[])
        assert PurchaseOrder.objects.count() == 0

    def test_edit_only_while_draft(self, supplier, buyer):
        a, b = make_product(), make_product()
        order = make_order(supplier=supplier, user=buyer, lines=[(a, 5, 100)], send=False)
        order = purchase_order_update(
            order=order,
            user=buyer,
            lines=[OrderLineInput(code_of(b), "10", 200)],
            notes="urgente",
        )
        assert [(line.product_id, line.quantity) for line in order.lines.all()] == [
            (b.pk, Decimal("10"))
        ]
        assert (order.net_clp, order.iva_clp, order.total_clp) == (2_000, 380, 2_380)
        purchase_order_send(order=order, user=buyer)
        before = snapshot()
        with pytest.raises(PurchaseError, match="ya no es borrador"):
            purchase_order_update(
                order=order, user=buyer, lines=[OrderLineInput(code_of(a), "1", 1)]
            )
        assert snapshot() == before

    def test_cancel_is_a_status_change_and_needs_a_reason(self, supplier, buyer):
        order = make_order(supplier=supplier, user=buyer, lines=[(make_product(), 5, 100)])
        with pytest.raises(PurchaseError, match="motivo"):
            purchase_order_cancel(order=order, user=buyer, reason=" ")
        order = purchase_order_cancel(order=order, user=buyer, reason="Proveedor sin stock")
        assert order.status == OrderStatus.CANCELLED
        assert PurchaseOrder.objects.filter(pk=order.pk).exists()
        assert order.lines.count() == 1
        with pytest.raises(PurchaseError, match="anulada"):
            purchase_order_cancel(order=order, user=buyer, reason="otra vez")

    def test_inactive_supplier_refused(self, buyer):
        supplier = make_supplier(is_active=False)
        with pytest.raises(PurchaseError, match="inactivo"):
            make_order(supplier=supplier, user=buyer, lines=[(make_product(), 1, 1)])


# ------------------------------------------------------------------- goods receipts


class TestGoodsReceipt:
    def test_partial_receipts_update_pending_and_status(self, supplier, buyer):
        milk, bread = make_product(name="Leche"), make_product(name="Pan molde")
        order = make_order(
            supplier=supplier, user=buyer, lines=[(milk, 24, 700), (bread, 10, 1_500)]
        )
        assert order.status == OrderStatus.SENT

        first = receive(order=order, user=buyer, lines=[(milk, 10, None)])
        order.refresh_from_db()
        lines = {line.product_id: line for line in order.lines.all()}
        assert order.status == OrderStatus.PARTIAL
        assert lines[milk.pk].pending_quantity == 14
        assert lines[bread.pk].pending_quantity == 10
        assert first.reference == f"OC-{order.pk}/REC-{first.pk}"
        assert (first.net_clp, first.iva_clp, first.total_clp) == (7_000, 1_330, 8_330)

        receive(order=order, user=buyer, lines=[(milk, 14, None), (bread, 4, None)])
        order.refresh_from_db()
        assert order.status == OrderStatus.PARTIAL
        assert order.lines.get(product=bread).pending_quantity == 6

        receive(order=order, user=buyer, lines=[(bread, 6, None)])
        order.refresh_from_db()
        assert order.status == OrderStatus.RECEIVED
        assert all(line.pending_quantity == 0 for line in order.lines.all())
        assert stock_of(milk) == 24 and stock_of(bread) == 10

    def test_one_movement_per_line_with_the_reference(self, supplier, buyer):
        milk, bread = make_product(), make_product()
        order = make_order(supplier=supplier, user=buyer, lines=[(milk, 5, 700), (bread, 3, 900)])
        receipt = receive(order=order, user=buyer, lines=[(milk, 5, None), (bread, 2, None)])
        movements = StockMovement.objects.filter(reference=receipt.reference).order_by("id")
        assert [(m.product_id, m.quantity, m.kind) for m in movements] == [
            (milk.pk, Decimal("5"), "recepcion"),
            (bread.pk, Decimal("2"), "recepcion"),
        ]
        assert [line.movement_id for line in receipt.lines.order_by("position")] == [
            m.pk for m in movements
        ]
        assert movements[0].user == buyer

    def test_over_receipt_refused_in_one_receipt(self, supplier, buyer):
        milk = make_product()
        order = make_order(supplier=supplier, user=buyer, lines=[(milk, 5, 700)])
        before = snapshot()
        with pytest.raises(OverReceipt, match="quedan 5 por recibir, no 6"):
            receive(order=order, user=buyer, lines=[(milk, 6, None)])
        assert snapshot() == before

    def test_over_receipt_refused_across_partial_receipts(self, supplier, buyer):
        milk = make_product(name="Leche")
        order = make_order(supplier=supplier, user=buyer, lines=[(milk, 10, 700)])
        receive(order=order, user=buyer, lines=[(milk, 4, None)])
        receive(order=order, user=buyer, lines=[(milk, 5, None)])
        before = snapshot()
        with pytest.raises(OverReceipt) as exc:
            receive(order=order, user=buyer, lines=[(milk, 2, None)])
        assert exc.value.message == (
            "«Leche»: se pidieron 10 y ya se recibieron 9; quedan 1 por recibir, no 2."
        )
        assert snapshot() == before
        # The same product scanned twice in one receipt counts once, summed.
        with pytest.raises(OverReceipt):
            receive(order=order, user=buyer, lines=[(milk, 1, None), (milk, 1, None)])
        assert snapshot() == before

    def test_weighed_partial_receipts_to_the_gram(self, supplier, buyer):
        cheese = make_product(name="Queso", unit="kg")
        order = make_order(supplier=supplier, user=buyer, lines=[(cheese, "5.000", 6_000)])
        receive(order=order, user=buyer, lines=[(cheese, "2.345", None)])
        receive(order=order, user=buyer, lines=[(cheese, "2.655", None)])
        order.refresh_from_db()
        assert order.status == OrderStatus.RECEIVED
        with pytest.raises(OrderNotReceivable, match="ya se recibió completa"):
            receive(order=order, user=buyer, lines=[(cheese, "0.001", None)])

    @pytest.mark.parametrize(
        ("line", "fragment"),
        [
            (ReceiptLineInput("7800000000000", "1"), "No existe un producto activo con el código"),
            (ReceiptLineInput("{code}", "0"), "mayor que cero"),
            (ReceiptLineInput("{code}", "-3"), "no admite valores negativos"),
            (ReceiptLineInput("{code}", "1", -5), "no admite valores negativos"),
        ],
    )
    def test_bad_receipt_lines_change_nothing(self, supplier, buyer, line, fragment):
        milk, bread = make_product(), make_product()
        order = make_order(supplier=supplier, user=buyer, lines=[(milk, 5, 700), (bread, 5, 800)])
        receive(order=order, user=buyer, lines=[(milk, 1, None)])
        before = snapshot()
        good = ReceiptLineInput(code_of(milk), "2")
        bad = ReceiptLineInput(
            line.code.format(code=code_of(bread)), line.quantity, line.unit_cost_clp
        )
        with pytest.raises((PurchaseError, InvalidNumber), match=fragment):
            goods_receipt_post(order=order, user=buyer, lines=[good, bad])
        assert snapshot() == before

    def test_receipt_on_cancelled_or_draft_order_refused(self, supplier, buyer):
        milk = make_product()
        draft = make_order(supplier=supplier, user=buyer, lines=[(milk, 5, 700)], send=False)
        cancelled = make_order(supplier=supplier, user=buyer, lines=[(milk, 5, 700)])
        purchase_order_cancel(order=cancelled, user=buyer, reason="Ya no se necesita")
        before = snapshot()
        with pytest.raises(OrderNotReceivable, match="está anulada"):
            receive(order=cancelled, user=buyer, lines=[(milk, 1, None)])
        with pytest.raises(OrderNotReceivable, match="borrador"):
            receive(order=draft, user=buyer, lines=[(milk, 1, None)])
        assert snapshot() == before

    def test_cancelling_a_partial_order_keeps_what_arrived(self, supplier, buyer):
        milk = make_product()
        order = make_order(supplier=supplier, user=buyer, lines=[(milk, 5, 700)])
        receive(order=order, user=buyer, lines=[(milk, 2, None)])
        purchase_order_cancel(order=order, user=buyer, reason="El resto no llega")
        assert stock_of(milk) == 2
        assert order.lines.get().received_quantity == 2

    def test_products_not_on_the_order_only_when_allowed(self, supplier, buyer):
        milk, gift = make_product(), make_product(name="Yogurt")
        order = make_order(supplier=supplier, user=buyer, lines=[(milk, 5, 700)])
        before = snapshot()
        with pytest.raises(PurchaseError, match="«Yogurt» no está en la orden"):
            receive(order=order, user=buyer, lines=[(milk, 5, None), (gift, 2, 300)])
        assert snapshot() == before
        with pytest.raises(PurchaseError, match="Indique el costo neto de «Yogurt»"):
            receive(order=order, user=buyer, lines=[(gift, 2, None)], allow_unordered=True)

        receipt = receive(
            order=order, user=buyer, lines=[(milk, 5, None), (gift, 2, 300)], allow_unordered=True
        )
        order.refresh_from_db()
        assert order.status == OrderStatus.RECEIVED
        assert receipt.lines.get(product=gift).order_line is None
        assert stock_of(gift) == 2

    def test_direct_receipt_without_order(self, supplier, buyer):
        eggs = make_product(name="Huevos")
        receipt = receive(supplier=supplier, user=buyer, lines=[(eggs, 30, 150)])
        assert receipt.order is None and receipt.reference == f"REC-{receipt.pk}"
        assert stock_of(eggs) == 30
        with pytest.raises(PurchaseError, match="Indique el costo neto"):
            receive(supplier=supplier, user=buyer, lines=[(eggs, 1, None)])
        with pytest.raises(PurchaseError, match="orden de compra o el proveedor"):
            receive(user=buyer, lines=[(eggs, 1, 100)])

    def test_stock_equals_ledger_after_receipts_sales_and_adjustments(
        self, supplier, buyer, terminal, cashier
    ):
        milk, bread = make_product(price_clp=1_190), make_product(price_clp=1_990)
        order = make_order(supplier=supplier, user=buyer, lines=[(milk, 20, 700), (bread, 8, 900)])
        receive(order=order, user=buyer, lines=[(milk, 12, None), (bread, 8, None)])
        make_sale(terminal=terminal, cashier=cashier, products=[milk, bread])
        stock_move(product=milk, quantity=Decimal("-1"), kind="ajuste", user=buyer, reason="Rota")
        receive(order=order, user=buyer, lines=[(milk, 8, None)])
        receive(supplier=supplier, user=buyer, lines=[(bread, 3, 850)])
        for product, expected in ((milk, 18), (bread, 10)):
            assert stock_of(product) == ledger_of(product) == expected


# ---------------------------------------------------------------------------- costs


class TestCosts:
    def test_average_cost_formula(self):
        assert (
            average_cost(
                stock_before=Decimal(10),
                average_before_clp=500,
                quantity=Decimal(5),
                unit_cost_clp=800,
            )
            == 600
        )
        # Nothing or less than nothing on hand: the receipt's cost.
        for before in (Decimal(0), Decimal(-2)):
            assert (
                average_cost(
                    stock_before=before,
                    average_before_clp=999,
                    quantity=Decimal(5),
                    unit_cost_clp=700,
                )
                == 700
            )

    def test_worked_example_units(self, supplier, buyer, terminal, cashier):
        oil = make_product(name="Aceite 1 L", price_clp=2_990)
        order = make_order(supplier=supplier, user=buyer, lines=[(oil, 30, 500)])

        # 1) No stock: 10 × $500 → average 500 (nothing to average with), last 500.
        receive(order=order, user=buyer, lines=[(oil, 10, None)])
        cost = ProductCost.objects.get(product=oil)
        assert (cost.last_cost_clp, cost.average_cost_clp) == (500, 500)

        # 2) Stock 10 at 500, receive 5 at 800 (the supplier raised the price):
        #    (10 × 500 + 5 × 800) / 15 = 9.000 / 15 = 600.
        receive(order=order, user=buyer, lines=[(oil, 5, 800)])
        cost.refresh_from_db()
        assert (cost.last_cost_clp, cost.average_cost_clp) == (800, 600)

        # 3) Sell 3 → stock 12. Receive 8 at 650: (12 × 600 + 8 × 650) / 20
        #    = (7.200 + 5.200) / 20 = 620.
        make_sale(
            terminal=terminal,
            cashier=cashier,
            products=[],
            lines=[LineInput(code=code_of(oil), quantity=Decimal("3"))],
        )
        receipt = receive(order=order, user=buyer, lines=[(oil, 8, 650)])
        cost.refresh_from_db()
        assert (cost.last_cost_clp, cost.average_cost_clp) == (650, 620)
        line = receipt.lines.get()
        assert (line.stock_before, line.average_cost_before_clp, line.average_cost_after_clp) == (
            Decimal("12"),
            600,
            620,
        )

        # 4) Rounding, half up to the peso: stock 20 at 620, receive 7 at 633:
        #    (12.400 + 4.431) / 27 = 16.831 / 27 = 623,37 → 623.
        receive(order=order, user=buyer, lines=[(oil, 7, 633)])
        cost.refresh_from_db()
        assert cost.average_cost_clp == 623
        oil.refresh_from_db()
        assert oil.cost_clp == 633  # the catalog follows the last cost

    def test_worked_example_rounds_half_up(self, supplier, buyer):
        salt = make_product()
        receive(supplier=supplier, user=buyer, lines=[(salt, 1, 100)])
        # (1 × 100 + 1 × 101) / 2 = 100,5 → 101
        receive(supplier=supplier, user=buyer, lines=[(salt, 1, 101)])
        assert ProductCost.objects.get(product=salt).average_cost_clp == 101

    def test_worked_example_weighed(self, supplier, buyer):
        ham = make_product(name="Jamón", unit="kg", price_clp=9_990)
        # 2,500 kg at $1.200/kg → average 1.200 (no stock before).
        receive(supplier=supplier, user=buyer, lines=[(ham, "2.500", 1_200)])
        # 1,250 kg at $1.500: (2,5 × 1.200 + 1,25 × 1.500) / 3,75 = 4.875 / 3,75 = 1.300
        receipt = receive(supplier=supplier, user=buyer, lines=[(ham, "1.250", 1_500)])
        cost = ProductCost.objects.get(product=ham)
        assert (cost.last_cost_clp, cost.average_cost_clp) == (1_500, 1_300)
        assert receipt.net_clp == 1_875 and receipt.iva_clp == 356  # 356,25 → 356

    def test_oversold_stock_takes_the_receipt_cost(self, supplier, buyer, terminal, cashier):
        soda = make_product(price_clp=1_500)
        receive(supplier=supplier, user=buyer, lines=[(soda, 1, 400)])
        # Sold 3 with 1 on hand (the store allows selling below zero) → stock −2.
        make_sale(
            terminal=terminal,
            cashier=cashier,
            products=[],
            lines=[LineInput(code=code_of(soda), quantity=Decimal("3"))],
        )
        assert stock_of(soda) == -2
        receive(supplier=supplier, user=buyer, lines=[(soda, 6, 700)])
        cost = ProductCost.objects.get(product=soda)
        assert (cost.last_cost_clp, cost.average_cost_clp) == (700, 700)
        assert stock_of(soda) == 4

    def test_stock_from_before_purchases_averages_with_the_catalog_cost(self, supplier, buyer):
        flour = make_product(cost_clp=300)
        stock_move(product=flour, quantity=Decimal("4"), kind="conteo", user=buyer)
        # (4 × 300 + 4 × 500) / 8 = 400
        receive(supplier=supplier, user=buyer, lines=[(flour, 4, 500)])
        assert ProductCost.objects.get(product=flour).average_cost_clp == 400

    def test_stock_in_every_warehouse_counts(self, supplier, buyer):
        from itplus.store.inventory.models import Warehouse

        back = Warehouse.objects.create(code="trastienda", name="Trastienda")
        sugar = make_product()
        receive(supplier=supplier, user=buyer, lines=[(sugar, 10, 1_000)], warehouse=back)
        # Main warehouse empty, but 10 at 1.000 in the back: (10 × 1.000 + 10 × 1.200) / 20
        receive(supplier=supplier, user=buyer, lines=[(sugar, 10, 1_200)])
        assert ProductCost.objects.get(product=sugar).average_cost_clp == 1_100

    def test_margin_on_the_average_cost(self, supplier, buyer):
        from itplus.store.purchases.selectors import product_margin

        oil = make_product(price_clp=2_990)
        assert product_margin(product=oil).average_cost_clp is None
        receive(supplier=supplier, user=buyer, lines=[(oil, 10, 1_800)])
        margin = product_margin(product=oil)
        # 2.990 / 1,19 = 2.512,6 → net 2.513; margin 2.513 − 1.800 = 713 (28,4%).
        assert (margin.price_net_clp, margin.margin_clp, margin.margin_percent) == (
            2_513,
            713,
            Decimal("28.4"),
        )


# ------------------------------------------------------------------ supplier invoices


class TestSupplierInvoice:
    @pytest.fixture
    def receipts(self, supplier, buyer):
        milk, bread = make_product(), make_product()
        order = make_order(
            supplier=supplier, user=buyer, lines=[(milk, 10, 700), (bread, 10, 1_000)]
        )
        first = receive(order=order, user=buyer, lines=[(milk, 10, None)])  # 7.000 + 1.330
        second = receive(order=order, user=buyer, lines=[(bread, 5, None)])  # 5.000 + 950
        return first, second

    def record(self, supplier, buyer, receipts, **kwargs):
        args = {
            "supplier": supplier,
            "folio": 4512,
            "issued_on": timezone.localdate(),
            "net_clp": 12_000,
            "iva_clp": 2_280,
            "total_clp": 14_280,
            "receipts": receipts,
            "user": buyer,
        } | kwargs
        return supplier_invoice_record(**args)

    def test_invoice_matching_its_receipts(self, supplier, buyer, receipts):
        invoice = self.record(supplier, buyer, receipts)
        assert (invoice.receipts_total_clp, invoice.difference_clp) == (14_280, 0)
        assert set(invoice.receipts.all()) == set(receipts)
        assert not invoice.has_difference

    def test_duplicate_folio_refused_for_the_same_supplier(self, supplier, buyer, receipts):
        self.record(supplier, buyer, receipts[:1], net_clp=7_000, iva_clp=1_330, total_clp=8_330)
        before = snapshot()
        with pytest.raises(PurchaseError) as exc:
            self.record(supplier, buyer, receipts[1:], net_clp=5_000, iva_clp=950, total_clp=5_950)
        assert exc.value.message == (
            f"La factura folio 4512 de {supplier.name} ya está registrada."
        )
        assert exc.value.code == "factura_duplicada"
        assert snapshot() == before

    def test_same_folio_from_another_supplier_is_fine(self, supplier, buyer, receipts):
        self.record(supplier, buyer, receipts)
        other = make_supplier(name="Otro")
        eggs = make_product()
        receipt = receive(supplier=other, user=buyer, lines=[(eggs, 10, 100)])
        invoice = self.record(other, buyer, [receipt], net_clp=1_000, iva_clp=190, total_clp=1_190)
        assert invoice.folio == 4512

    def test_difference_refused_unless_accepted_with_a_reason(self, supplier, buyer, receipts):
        before = snapshot()
        kwargs = {"net_clp": 12_500, "iva_clp": 2_375, "total_clp": 14_875}
        with pytest.raises(PurchaseError, match="diferencia \\$595"):
            self.record(supplier, buyer, receipts, **kwargs)
        with pytest.raises(PurchaseError, match="no cuadra"):
            self.record(supplier, buyer, receipts, accept_difference=True, **kwargs)
        assert snapshot() == before
        invoice = self.record(
            supplier, buyer, receipts, accept_difference=True, difference_reason="Flete", **kwargs
        )
        assert (invoice.difference_clp, invoice.difference_reason) == (595, "Flete")
        assert invoice.has_difference

    @pytest.mark.parametrize(
        ("kwargs", "fragment"),
        [
            (
                {"total_clp": 14_281},
                "Neto \\$12.000 \\+ IVA \\$2.280 suman \\$14.280, no el total \\$14.281",
            ),
            ({"iva_clp": 2_282, "total_clp": 14_282}, "El IVA de un neto de \\$12.000 es \\$2.280"),
            ({"folio": 0}, "mayor que cero"),
            ({"net_clp": -1}, "no negativo"),
            ({"issued_on": timezone.localdate() + timedelta(days=2)}, "futura"),
        ],
    )
    def test_bad_invoice_refused(self, supplier, buyer, receipts, kwargs, fragment):
        before = snapshot()
        with pytest.raises(PurchaseError, match=fragment):
            self.record(supplier, buyer, receipts, **kwargs)
        assert snapshot() == before

    def test_receipt_of_another_supplier_or_already_invoiced(self, supplier, buyer, receipts):
        other = make_supplier(name="Otro")
        with pytest.raises(PurchaseError, match="no es de Otro"):
            self.record(other, buyer, receipts)
        self.record(supplier, buyer, receipts)
        with pytest.raises(PurchaseError, match="ya está en otra factura"):
            self.record(
                supplier,
                buyer,
                receipts[:1],
                folio=4513,
                net_clp=7_000,
                iva_clp=1_330,
                total_clp=8_330,
            )


# ------------------------------------------------- a botillería's invoice: IVA, ILA, exempt


class TestBotilleriaInvoice:
    """Pisco (ILA 31,5%), beer (ILA 20,5%) and an exempt line on one supplier invoice."""

    @pytest.fixture
    def goods(self):
        return {
            "pisco": make_product(name="Pisco 35° 700 ml", price_clp=8_990, ila_tax="ila_315"),
            "beer": make_product(name="Cerveza lata 470 ml", price_clp=1_290, ila_tax="ila_205"),
            "ice": make_product(name="Hielo 2 kg (exento)", price_clp=1_500, is_exempt=True),
        }

    def test_receipt_states_net_exempt_iva_and_ila_and_costs_stay_net(self, supplier, buyer, goods):
        # given 2 pisco at 5.000 net, 10 beers at 500 net and 4 bags of ice at 500
        receipt = receive(
            supplier=supplier,
            user=buyer,
            lines=[(goods["pisco"], 2, 5_000), (goods["beer"], 10, 500), (goods["ice"], 4, 500)],
        )
        # then the receipt is stated as the supplier's factura will be
        assert (
            receipt.net_clp,
            receipt.exempt_clp,
            receipt.iva_clp,
            receipt.ila_clp,
            receipt.total_clp,
        ) == (15_000, 2_000, 2_850, 3_150 + 1_025, 24_025)
        # and costs are the net unit costs: IVA and ILA are tax credits, not cost
        costs = {c.product_id: c for c in ProductCost.objects.all()}
        assert costs[goods["pisco"].pk].average_cost_clp == 5_000
        assert costs[goods["beer"].pk].last_cost_clp == 500
        assert costs[goods["ice"].pk].average_cost_clp == 500
        goods["pisco"].refresh_from_db()
        assert goods["pisco"].cost_clp == 5_000

    def test_the_audit_recomputes_orders_and_receipts_with_ila_and_exempt(
        self, supplier, buyer, goods
    ):
        order = make_order(
            supplier=supplier,
            user=buyer,
            lines=[(goods["pisco"], 2, 5_000), (goods["beer"], 10, 500), (goods["ice"], 4, 500)],
        )
        assert (order.exempt_clp, order.ila_clp, order.total_clp) == (2_000, 4_175, 24_025)
        receive(order=order, user=buyer, lines=[(goods["pisco"], 2, None), (goods["ice"], 4, None)])
        assert not [p for p in run_audit().problems if p.check == "compras"]
        # a receipt whose ILA was changed around the services is caught
        GoodsReceipt.objects.update(
            ila_clp=0, total_clp=F("net_clp") + F("exempt_clp") + F("iva_clp")
        )
        problems = [p.message for p in run_audit().problems if p.check == "compras"]
        assert len(problems) == 1 and "no son los de sus líneas" in problems[0]

    def test_the_issue_s_invoice_is_recorded(self, supplier, buyer, goods):
        # net 10.000 + IVA 1.900 + ILA 2.050 = 13.950, once refused as
        # "Neto + IVA no suman el total"
        receipt = receive(supplier=supplier, user=buyer, lines=[(goods["beer"], 20, 500)])
        invoice = supplier_invoice_record(
            supplier=supplier,
            folio=901,
            issued_on=timezone.localdate(),
            net_clp=10_000,
            iva_clp=1_900,
            ila_by_rate={"ila_205": 2_050},
            total_clp=13_950,
            receipts=[receipt],
            user=buyer,
        )
        assert (invoice.ila_clp, invoice.difference_clp, invoice.rounding_clp) == (2_050, 0, 0)
        assert invoice.ila_by_rate == {"ila_205": 2_050}

    def test_invoice_with_iva_ila_315_and_an_exempt_line(self, supplier, buyer, goods):
        receipt = receive(
            supplier=supplier,
            user=buyer,
            lines=[(goods["pisco"], 2, 5_000), (goods["ice"], 4, 500)],
        )
        before_cost = ProductCost.objects.get(product=goods["pisco"]).average_cost_clp
        invoice = supplier_invoice_record(
            supplier=supplier,
            folio=902,
            issued_on=timezone.localdate(),
            net_clp=10_000,
            exempt_clp=2_000,
            iva_clp=1_900,
            ila_by_rate={"ila_315": 3_150},
            total_clp=17_050,
            receipts=[receipt],
            user=buyer,
        )
        assert (invoice.total_clp, invoice.receipts_total_clp, invoice.difference_clp) == (
            17_050,
            17_050,
            0,
        )
        assert not invoice.has_difference
        # recording the invoice does not change costs: the receipt set them, net
        assert ProductCost.objects.get(product=goods["pisco"]).average_cost_clp == before_cost
        assert before_cost == 5_000

    @pytest.mark.parametrize(("iva", "ila"), [(1_901, 3_150), (1_899, 3_151), (1_901, 3_149)])
    def test_the_supplier_s_rounding_of_a_peso_per_tax_line_is_accepted(
        self, supplier, buyer, goods, iva, ila
    ):
        receipt = receive(supplier=supplier, user=buyer, lines=[(goods["pisco"], 2, 5_000)])
        invoice = supplier_invoice_record(
            supplier=supplier,
            folio=903,
            issued_on=timezone.localdate(),
            net_clp=10_000,
            iva_clp=iva,
            ila_by_rate={"ila_315": ila},
            total_clp=10_000 + iva + ila,
            receipts=[receipt],
            user=buyer,
        )
        assert invoice.rounding_clp == (iva - 1_900) + (ila - 3_150)
        assert invoice.difference_clp == 0 and not invoice.has_difference

    @pytest.mark.parametrize(
        ("kwargs", "fragment"),
        [
            # two pesos off on ILA is not rounding
            ({"ila_by_rate": {"ila_315": 3_152}, "total_clp": 15_052}, "ILA 31,5% \\$3.152"),
            # ILA at the wrong rate
            ({"ila_by_rate": {"ila_205": 2_050}, "total_clp": 13_950}, "ILA 20,5% \\$2.050"),
            # the exempt line forgotten by the receipt
            ({"exempt_clp": 500, "total_clp": 15_550}, "exento \\$500, recepciones \\$0"),
            ({"iva_clp": 1_902, "total_clp": 15_052}, "es \\$1.900"),
            ({"ila_by_rate": {"ila_99": 1}}, "Tasa de ILA desconocida"),
            ({"other_taxes_clp": -5}, "no negativo"),
            (
                {"ila_by_rate": {"ila_315": 3_150}, "total_clp": 15_000},
                "Neto \\$10.000 \\+ IVA \\$1.900 \\+ ILA 31,5% \\$3.150 suman \\$15.050",
            ),
        ],
    )
    def test_what_is_not_rounding_is_refused(self, supplier, buyer, goods, kwargs, fragment):
        receipt = receive(supplier=supplier, user=buyer, lines=[(goods["pisco"], 2, 5_000)])
        before = snapshot()
        args = {
            "supplier": supplier,
            "folio": 904,
            "issued_on": timezone.localdate(),
            "net_clp": 10_000,
            "iva_clp": 1_900,
            "ila_by_rate": {"ila_315": 3_150},
            "total_clp": 15_050,
            "receipts": [receipt],
            "user": buyer,
        } | kwargs
        with pytest.raises(PurchaseError, match=fragment):
            supplier_invoice_record(**args)
        assert snapshot() == before

    def test_other_specific_taxes_are_recorded_outside_the_receipts(self, supplier, buyer, goods):
        receipt = receive(supplier=supplier, user=buyer, lines=[(goods["pisco"], 2, 5_000)])
        invoice = supplier_invoice_record(
            supplier=supplier,
            folio=905,
            issued_on=timezone.localdate(),
            net_clp=10_000,
            iva_clp=1_900,
            ila_by_rate={"ila_315": 3_150},
            other_taxes_clp=300,
            total_clp=15_350,
            receipts=[receipt],
            user=buyer,
        )
        assert (invoice.other_taxes_clp, invoice.difference_clp) == (300, 0)
