"""Inventory as a ledger: every stock change is an immutable movement row.

``Stock`` holds the current quantity per product and warehouse, updated under a row lock
in the same transaction as the movement, so stock always equals the sum of the ledger.
"""

from decimal import ROUND_CEILING, Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from itplus.store.catalog.models import SaleUnit, quantity_field


class Warehouse(models.Model):
    code = models.SlugField(_("código"), max_length=20, unique=True)
    name = models.CharField(_("nombre"), max_length=60)
    is_default = models.BooleanField(_("bodega principal"), default=False)

    class Meta:
        verbose_name = _("bodega")
        verbose_name_plural = _("bodegas")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="one_default_warehouse"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Stock(models.Model):
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="stock")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock")
    quantity = quantity_field(_("existencia"), default=0)
    # Reorder point per product and warehouse: at or below it the product is "bajo
    # stock". The target is the level an order should bring it back to (default: twice
    # the reorder point). Kept here, not in the catalog, because it is per warehouse.
    reorder_point = quantity_field(_("punto de reposición"), null=True, blank=True)
    reorder_target = quantity_field(_("stock objetivo"), null=True, blank=True)

    class Meta:
        verbose_name = _("existencia")
        verbose_name_plural = _("existencias")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "warehouse"], name="stock_unique_per_warehouse"
            ),
            models.CheckConstraint(
                condition=Q(reorder_point__isnull=True) | Q(reorder_point__gte=0),
                name="stock_reorder_point_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(reorder_target__isnull=True)
                | (Q(reorder_point__isnull=False) & Q(reorder_target__gte=F("reorder_point"))),
                name="stock_reorder_target_above_point",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.quantity} ({self.warehouse})"

    @property
    def is_low(self) -> bool:
        return self.reorder_point is not None and self.quantity <= self.reorder_point

    @property
    def suggested_order_quantity(self) -> Decimal:
        """What to order to get back to the target: target − stock (a negative stock is
        also made up), whole units for products sold by unit. Zero when not low."""
        if not self.is_low:
            return Decimal(0)
        target = self.reorder_target if self.reorder_target is not None else 2 * self.reorder_point
        missing = max(target - self.quantity, Decimal(0))
        if self.product.unit != SaleUnit.KILO:
            missing = missing.to_integral_value(rounding=ROUND_CEILING)
        return missing


class MovementKind(models.TextChoices):
    SALE = "venta", _("Venta")
    RETURN = "devolucion", _("Devolución")
    RECEIPT = "recepcion", _("Recepción de compra")
    ADJUSTMENT = "ajuste", _("Ajuste")
    COUNT = "conteo", _("Conteo físico")
    TRANSFER = "transferencia", _("Transferencia")


class StockMovement(models.Model):
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("producto")
    )
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("bodega")
    )
    kind = models.CharField(_("tipo"), max_length=20, choices=MovementKind.choices)
    # Signed: positive in, negative out.
    quantity = quantity_field(_("cantidad"))
    resulting_quantity = quantity_field(_("existencia resultante"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("usuario"),
    )
    reason = models.CharField(_("motivo"), max_length=200, blank=True)
    reference = models.CharField(_("referencia"), max_length=60, blank=True)
    sale_line = models.ForeignKey(
        "sales.SaleLine",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("línea de venta"),
    )
    created_at = models.DateTimeField(_("fecha"), db_index=True)

    class Meta:
        verbose_name = _("movimiento de inventario")
        verbose_name_plural = _("movimientos de inventario")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["product", "warehouse", "id"])]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="stock_movement_not_zero")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity} {self.product}"


class CountSheet(models.Model):
    """A physical count of one warehouse (optionally one category).

    Opening it snapshots the expected quantity of every product it covers (for
    information); posting turns counted − stock-at-posting into ``conteo`` movements.
    """

    class Status(models.TextChoices):
        OPEN = "abierta", _("Abierta")
        POSTED = "contabilizada", _("Contabilizada")
        CANCELLED = "anulada", _("Anulada")

    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="+", verbose_name=_("bodega")
    )
    category = models.ForeignKey(
        "catalog.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("categoría"),
    )
    status = models.CharField(
        _("estado"), max_length=20, choices=Status.choices, default=Status.OPEN
    )
    note = models.CharField(_("nota"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("creada por"),
    )
    created_at = models.DateTimeField(_("creada"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("cerrada por"),
    )
    closed_at = models.DateTimeField(_("cerrada"), null=True, blank=True)
    close_reason = models.CharField(_("motivo de anulación"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("toma de inventario")
        verbose_name_plural = _("tomas de inventario")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="abierta", closed_at__isnull=True)
                | (~Q(status="abierta") & Q(closed_at__isnull=False)),
                name="count_sheet_closed_when_not_open",
            )
        ]

    def __str__(self) -> str:
        return _("Toma N° %(id)s (%(warehouse)s)") % {"id": self.pk, "warehouse": self.warehouse}


class CountLine(models.Model):
    sheet = models.ForeignKey(CountSheet, on_delete=models.PROTECT, related_name="lines")
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("producto")
    )
    # Stock when the sheet was opened (or when the product was first scanned, for one
    # outside the snapshot): information only.
    expected_quantity = quantity_field(_("esperado al inicio"))
    counted_quantity = quantity_field(_("contado"), null=True, blank=True)
    counted_at = models.DateTimeField(_("contado el"), null=True, blank=True)
    # Filled in when the sheet is posted.
    stock_at_posting = quantity_field(_("stock al contabilizar"), null=True, blank=True)
    movement = models.OneToOneField(
        StockMovement, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("línea de conteo")
        verbose_name_plural = _("líneas de conteo")
        ordering = ["sheet", "product__name"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "product"], name="count_line_once_per_sheet"),
            models.CheckConstraint(
                condition=Q(counted_quantity__isnull=True) | Q(counted_quantity__gte=0),
                name="count_line_counted_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.counted_quantity}"

    @property
    def difference(self) -> Decimal | None:
        """counted − stock at posting, once posted."""
        if self.counted_quantity is None or self.stock_at_posting is None:
            return None
        return self.counted_quantity - self.stock_at_posting
