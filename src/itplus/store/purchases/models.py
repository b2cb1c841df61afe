"""Suppliers, purchase orders, goods receipts and supplier invoices.

A purchase order (OC) is what the store asks a supplier for; a goods receipt (recepción)
is what actually arrived, and only a receipt moves stock (one inventory movement per
line, kind "recepcion") and updates costs (``ProductCost``). A supplier invoice
(factura de proveedor) records the supplier's SII folio and links the receipts it bills.

Nothing here is deleted: an order is cancelled by a status change, a wrong receipt is
corrected by a stock adjustment, an invoice stays as recorded.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from itplus.core.chile import rut_format
from itplus.store.catalog.models import quantity_field


class Supplier(models.Model):
    # Stored clean ("76123456-0"); shown formatted ("76.123.456-0").
    rut = models.CharField(_("RUT"), max_length=12, unique=True)
    name = models.CharField(_("razón social"), max_length=120, db_index=True)
    giro = models.CharField(_("giro"), max_length=120, blank=True)
    address = models.CharField(_("dirección"), max_length=160, blank=True)
    comuna = models.CharField(_("comuna"), max_length=60, blank=True)
    contact_name = models.CharField(_("contacto"), max_length=80, blank=True)
    phone = models.CharField(_("teléfono"), max_length=30, blank=True)
    email = models.EmailField(_("correo"), blank=True)
    payment_terms_days = models.PositiveSmallIntegerField(_("plazo de pago (días)"), default=30)
    is_active = models.BooleanField(_("activo"), default=True)
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)

    class Meta:
        verbose_name = _("proveedor")
        verbose_name_plural = _("proveedores")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def rut_display(self) -> str:
        return rut_format(self.rut)


class OrderStatus(models.TextChoices):
    DRAFT = "borrador", _("Borrador")
    SENT = "enviada", _("Enviada")
    PARTIAL = "parcial", _("Recibida en parte")
    RECEIVED = "recibida", _("Recibida")
    CANCELLED = "anulada", _("Anulada")


class PurchaseOrder(models.Model):
    """An order to a supplier. Its number is its id ("OC-12"): orders are not fiscal
    documents, so a gap left by a rolled-back draft is harmless.

    Totals are net prices (Chilean suppliers quote before IVA); IVA 19% is computed once
    on the net total, like the supplier's invoice will."""

    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="orders", verbose_name=_("proveedor")
    )
    status = models.CharField(
        _("estado"), max_length=10, choices=OrderStatus.choices, default=OrderStatus.DRAFT
    )
    expected_on = models.DateField(_("fecha esperada"), null=True, blank=True)
    notes = models.CharField(_("observaciones"), max_length=300, blank=True)
    # Totals as a supplier's factura states them (core.money.taxes_on_net): net subject
    # to IVA, exempt, IVA 19% on the net, ILA of the lines that carry it.
    net_clp = models.BigIntegerField(_("neto"), default=0)
    exempt_clp = models.BigIntegerField(_("exento"), default=0)
    iva_clp = models.BigIntegerField(_("IVA"), default=0)
    ila_clp = models.BigIntegerField(_("ILA"), default=0)
    total_clp = models.BigIntegerField(_("total"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("creada por"),
    )
    created_at = models.DateTimeField(_("creada"), db_index=True)
    sent_at = models.DateTimeField(_("enviada"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("anulada por"),
    )
    cancelled_at = models.DateTimeField(_("anulada"), null=True, blank=True)
    cancel_reason = models.CharField(_("motivo de anulación"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("orden de compra")
        verbose_name_plural = _("órdenes de compra")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_clp=F("net_clp") + F("exempt_clp") + F("iva_clp") + F("ila_clp")),
                name="po_total_is_sum_of_parts",
            )
        ]

    def __str__(self) -> str:
        return f"OC-{self.pk}"

    @property
    def number(self) -> int:
        return self.pk

    @property
    def is_editable(self) -> bool:
        return self.status == OrderStatus.DRAFT

    @property
    def can_receive(self) -> bool:
        return self.status in (OrderStatus.SENT, OrderStatus.PARTIAL)


class PurchaseOrderLine(models.Model):
    order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField(_("línea"))
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("producto")
    )
    quantity = quantity_field(_("cantidad pedida"))
    # Kept by goods_receipt_post under the order's row lock; the audit re-adds receipts.
    received_quantity = quantity_field(_("cantidad recibida"), default=0)
    unit_cost_clp = models.BigIntegerField(_("costo neto unitario"))
    net_clp = models.BigIntegerField(_("neto"))
    # The product's taxes when the line was written (the document's totals use them).
    ila_tax = models.CharField(max_length=10, blank=True, default="")
    is_exempt = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("línea de orden de compra")
        verbose_name_plural = _("líneas de orden de compra")
        ordering = ["order", "position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="po_line_product_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="po_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(received_quantity__gte=0) & Q(received_quantity__lte=F("quantity")),
                name="po_line_received_within_ordered",
            ),
            models.CheckConstraint(
                condition=Q(unit_cost_clp__gte=0), name="po_line_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order} #{self.position} {self.product}"

    @property
    def pending_quantity(self):
        return self.quantity - self.received_quantity


class GoodsReceipt(models.Model):
    """Goods that arrived, against an order or directly from a supplier. Posting it
    moved stock (one movement per line, reference ``reference``) and updated costs."""

    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("proveedor")
    )
    order = models.ForeignKey(
        PurchaseOrder,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipts",
        verbose_name=_("orden de compra"),
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", on_delete=models.PROTECT, related_name="+", verbose_name=_("bodega")
    )
    # The supplier's dispatch guide or delivery note number, as printed.
    supplier_document = models.CharField(_("guía de despacho"), max_length=30, blank=True)
    notes = models.CharField(_("observaciones"), max_length=300, blank=True)
    # The same parts as an order's (core.money.taxes_on_net over the lines).
    net_clp = models.BigIntegerField(_("neto"), default=0)
    exempt_clp = models.BigIntegerField(_("exento"), default=0)
    iva_clp = models.BigIntegerField(_("IVA"), default=0)
    ila_clp = models.BigIntegerField(_("ILA"), default=0)
    total_clp = models.BigIntegerField(_("total"), default=0)
    invoice = models.ForeignKey(
        "SupplierInvoice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipts",
        verbose_name=_("factura"),
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recibida por"),
    )
    received_at = models.DateTimeField(_("fecha"), db_index=True)

    class Meta:
        verbose_name = _("recepción de mercadería")
        verbose_name_plural = _("recepciones de mercadería")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(total_clp=F("net_clp") + F("exempt_clp") + F("iva_clp") + F("ila_clp")),
                name="receipt_total_is_sum_of_parts",
            )
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """ "OC-12/REC-37" (receipt 37 against order 12) or "REC-37" (direct)."""
        if self.order_id:
            return f"OC-{self.order_id}/REC-{self.pk}"
        return f"REC-{self.pk}"


class GoodsReceiptLine(models.Model):
    receipt = models.ForeignKey(GoodsReceipt, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField(_("línea"))
    order_line = models.ForeignKey(
        PurchaseOrderLine,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="receipt_lines",
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("producto")
    )
    quantity = quantity_field(_("cantidad"))
    unit_cost_clp = models.BigIntegerField(_("costo neto unitario"))
    net_clp = models.BigIntegerField(_("neto"))
    ila_tax = models.CharField(max_length=10, blank=True, default="")
    is_exempt = models.BooleanField(default=False)
    movement = models.OneToOneField(
        "inventory.StockMovement", on_delete=models.PROTECT, related_name="+"
    )
    # The cost calculation, kept so it can be checked later: total stock before this
    # line and the weighted average cost before and after it.
    stock_before = quantity_field(_("existencia anterior"))
    average_cost_before_clp = models.BigIntegerField(_("costo promedio anterior"))
    average_cost_after_clp = models.BigIntegerField(_("costo promedio nuevo"))

    class Meta:
        verbose_name = _("línea de recepción")
        verbose_name_plural = _("líneas de recepción")
        ordering = ["receipt", "position"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="receipt_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_cost_clp__gte=0), name="receipt_line_cost_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.receipt} #{self.position} {self.product}"


class ProductCost(models.Model):
    """A product's purchase costs (net of IVA): the last one paid and the weighted
    average over receipts. Kept here so the catalog's table does not change; the
    catalog's ``cost_clp`` is set to the last cost as well."""

    product = models.OneToOneField(
        "catalog.Product",
        on_delete=models.PROTECT,
        primary_key=True,
        related_name="purchase_cost",
        verbose_name=_("producto"),
    )
    last_cost_clp = models.BigIntegerField(_("último costo neto"))
    average_cost_clp = models.BigIntegerField(_("costo promedio ponderado"))
    last_receipt = models.ForeignKey(
        GoodsReceipt,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("última recepción"),
    )
    updated_at = models.DateTimeField(_("actualizado"))

    class Meta:
        verbose_name = _("costo de producto")
        verbose_name_plural = _("costos de productos")
        ordering = ["product__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_cost_clp__gte=0) & Q(average_cost_clp__gte=0),
                name="product_cost_not_negative",
            )
        ]

    def __str__(self) -> str:
        return str(self.product)


class SupplierInvoice(models.Model):
    """A supplier's invoice (factura de proveedor) with its SII folio, as printed:
    net subject to IVA, exempt, IVA, ILA per rate and other specific taxes.

    ``rounding_clp`` is the supplier's own rounding of its tax lines (at most a peso per
    line against what the linked receipts give). ``difference_clp`` is what is left
    between the invoice (without other specific taxes, which receipts do not know) and
    the linked receipts' total once that rounding is taken out. It must be zero unless
    whoever recorded it accepted the difference with a reason; such invoices are flagged
    in the list ("con diferencia")."""

    supplier = models.ForeignKey(
        Supplier, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("proveedor")
    )
    folio = models.PositiveBigIntegerField(_("folio"))
    issued_on = models.DateField(_("fecha de emisión"))
    net_clp = models.BigIntegerField(_("neto"))
    exempt_clp = models.BigIntegerField(_("exento"), default=0)
    iva_clp = models.BigIntegerField(_("IVA"))
    ila_clp = models.BigIntegerField(_("ILA"), default=0)
    # ILA per rate as printed, {"ila_315": 3150, …} (codes of core.money.ILA_RATES).
    ila_by_rate = models.JSONField(_("ILA por tasa"), default=dict, blank=True)
    other_taxes_clp = models.BigIntegerField(_("otros impuestos específicos"), default=0)
    total_clp = models.BigIntegerField(_("total"))
    receipts_total_clp = models.BigIntegerField(_("total recepciones"))
    rounding_clp = models.BigIntegerField(_("redondeo del proveedor"), default=0)
    difference_clp = models.BigIntegerField(_("diferencia"))
    difference_reason = models.CharField(_("motivo de la diferencia"), max_length=200, blank=True)
    notes = models.CharField(_("observaciones"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registrada por"),
    )
    recorded_at = models.DateTimeField(_("registrada"), db_index=True)

    class Meta:
        verbose_name = _("factura de proveedor")
        verbose_name_plural = _("facturas de proveedores")
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "folio"], name="supplier_invoice_folio_unique"
            ),
            models.CheckConstraint(
                condition=Q(
                    total_clp=F("net_clp")
                    + F("exempt_clp")
                    + F("iva_clp")
                    + F("ila_clp")
                    + F("other_taxes_clp")
                ),
                name="supplier_invoice_total_is_sum_of_parts",
            ),
            models.CheckConstraint(
                condition=Q(
                    difference_clp=F("total_clp")
                    - F("other_taxes_clp")
                    - F("receipts_total_clp")
                    - F("rounding_clp")
                ),
                name="supplier_invoice_difference_after_rounding",
            ),
            models.CheckConstraint(
                condition=Q(difference_clp=0) | ~Q(difference_reason=""),
                name="supplier_invoice_difference_explained",
            ),
        ]

    def __str__(self) -> str:
        return f"Factura {self.folio} — {self.supplier}"

    @property
    def has_difference(self) -> bool:
        return self.difference_clp != 0
