"""Inventory as a ledger: every stock change is an immutable movement row.

``Stock`` holds the current quantity per product and warehouse, updated under a row lock
in the same transaction as the movement, so stock always equals the sum of the ledger.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from itplus.store.catalog.models import quantity_field


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

    class Meta:
        verbose_name = _("existencia")
        verbose_name_plural = _("existencias")
        constraints = [
            models.UniqueConstraint(
                fields=["product", "warehouse"], name="stock_unique_per_warehouse"
            )
        ]

    def __str__(self) -> str:
        return f"{self.product}: {self.quantity} ({self.warehouse})"


class MovementKind(models.TextChoices):
    SALE = "venta", _("Venta")
    RETURN = "devolucion", _("Devolución")
    RECEIPT = "recepcion", _("Recepción de compra")
    ADJUSTMENT = "ajuste", _("Ajuste")
    COUNT = "conteo", _("Conteo físico")
    TRANSFER = "transferencia", _("Transferencia")


class StockMovement(models.Model):
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
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
        "sales.SaleLine", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
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
