"""Sale documents: series with gapless numbers, sales, their lines and payments."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from itplus.core.integrity import GENESIS_HASH
from itplus.core.money import format_clp
from itplus.core.numbers import format_quantity
from itplus.store.cash.models import PaymentMethod
from itplus.store.catalog.models import quantity_field


class DocumentKind(models.TextChoices):
    BOLETA = "boleta", _("Boleta")
    FACTURA = "factura", _("Factura")
    NOTA_CREDITO = "nota_credito", _("Nota de crédito")


# SII document type codes, for the electronic documents (once the SII stamps them).
SII_TYPE_BY_KIND = {"boleta": 39, "factura": 33, "nota_credito": 61}


class DocumentSeries(models.Model):
    """A numbering series. Numbers are gapless: taken under a row lock inside the same
    transaction that writes the document, so a failed sale gives its number back.

    The series row also holds the head of the document hash chain.
    """

    code = models.SlugField(_("código"), max_length=20, unique=True)
    name = models.CharField(_("nombre"), max_length=60)
    kind = models.CharField(_("tipo"), max_length=20, choices=DocumentKind.choices)
    next_number = models.BigIntegerField(_("próximo número"), default=1)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH, editable=False)
    is_active = models.BooleanField(_("activa"), default=True)

    class Meta:
        verbose_name = _("serie de documentos")
        verbose_name_plural = _("series de documentos")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_number__gte=1), name="series_next_number_positive"
            )
        ]

    def __str__(self) -> str:
        return self.name


class NumberBlock(models.Model):
    """A range of a series' numbers leased to one terminal, so its till can number
    boletas while the server is out of reach (offline). Leased under the series row lock
    from ``series.next_number``, which then moves past it: online sales skip the range.

    Closed when its numbers are all used, when the terminal is revoked, or when the
    terminal moved to another series; a closed block is no longer handed to the till,
    but the sales it already numbered are still accepted when they sync.
    """

    series = models.ForeignKey(
        DocumentSeries,
        on_delete=models.PROTECT,
        related_name="number_blocks",
        verbose_name=_("serie"),
    )
    terminal = models.ForeignKey(
        "terminals.Terminal",
        on_delete=models.PROTECT,
        related_name="number_blocks",
        verbose_name=_("caja"),
    )
    first = models.BigIntegerField(_("desde"))
    last = models.BigIntegerField(_("hasta"))  # inclusive
    leased_at = models.DateTimeField(_("entregado"))
    closed_at = models.DateTimeField(_("cerrado"), null=True, blank=True)
    closed_reason = models.TextField(_("motivo del cierre"), blank=True, default="")

    # The closing reason of a block whose numbers were all used (its normal end).
    REASON_USED_UP = "números agotados"

    class Meta:
        verbose_name = _("bloque de números")
        verbose_name_plural = _("bloques de números")
        ordering = ["series", "first"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first__gte=1) & Q(first__lte=F("last")),
                name="number_block_range_valid",
            ),
            models.UniqueConstraint(fields=["series", "first"], name="number_block_first_unique"),
        ]
        indexes = [models.Index(fields=["terminal", "closed_at"], name="number_block_open_idx")]

    def __str__(self) -> str:
        return f"{self.series.code} N° {self.first}–{self.last}"

    @property
    def size(self) -> int:
        return self.last - self.first + 1


class Sale(models.Model):
    class Status(models.TextChoices):
        COMPLETED = "emitida", _("Emitida")
        VOIDED = "anulada", _("Anulada")

    # Client-generated UUID: sending the same sale twice creates it once.
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    request_fingerprint = models.CharField(max_length=64, editable=False)
    series = models.ForeignKey(DocumentSeries, on_delete=models.PROTECT, related_name="sales")
    number = models.BigIntegerField(_("número"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.COMPLETED)
    issued_at = models.DateTimeField(_("fecha"), db_index=True)
    terminal = models.ForeignKey(
        "terminals.Terminal", on_delete=models.PROTECT, related_name="sales"
    )
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="sales",
        verbose_name=_("cajero"),
    )
    cash_session = models.ForeignKey(
        "cash.CashSession",
        on_delete=models.PROTECT,
        related_name="sales",
        null=True,
        verbose_name=_("sesión de caja"),
    )
    # None = the anonymous final consumer (RUT 66.666.666-6) of a boleta.
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="sales",
        null=True,
        blank=True,
        verbose_name=_("cliente"),
    )
    # Amounts in whole pesos. gross = sum of lines before any discount.
    gross_clp = models.BigIntegerField(_("bruto"))
    discount_clp = models.BigIntegerField(_("descuentos"), default=0)
    ticket_discount_clp = models.BigIntegerField(_("descuento al total"), default=0)
    total_clp = models.BigIntegerField(_("total"))
    net_clp = models.BigIntegerField(_("neto"))
    iva_clp = models.BigIntegerField(_("IVA"))
    ila_clp = models.BigIntegerField(_("ILA"), default=0)
    exempt_clp = models.BigIntegerField(_("exento"), default=0)
    # Ley 20.956: cash part rounded to 10; the difference (±1..5) is kept, never lost.
    cash_rounding_clp = models.BigIntegerField(_("redondeo efectivo"), default=0)
    change_clp = models.BigIntegerField(_("vuelto"), default=0)
    ticket_discount_approval = models.ForeignKey(
        "accounts.Approval", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    previous_hash = models.CharField(max_length=64, editable=False)
    chain_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("venta")
        verbose_name_plural = _("ventas")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "number"], name="sale_number_unique_in_series"
            ),
            models.CheckConstraint(condition=Q(total_clp__gte=0), name="sale_total_not_negative"),
            models.CheckConstraint(
                condition=Q(total_clp=F("net_clp") + F("iva_clp") + F("ila_clp") + F("exempt_clp")),
                name="sale_taxes_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series.name} N° {self.number}"

    @property
    def amount_charged_clp(self) -> int:
        """What the customer actually paid: the total plus the cash rounding."""
        return self.total_clp + self.cash_rounding_clp


class SaleLine(models.Model):
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField(_("línea"))
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("producto")
    )
    description = models.CharField(_("descripción"), max_length=120)
    scanned_code = models.CharField(_("código leído"), max_length=32, blank=True)
    quantity = quantity_field(_("cantidad"))
    unit_price_clp = models.BigIntegerField(_("precio unitario"))
    gross_clp = models.BigIntegerField(_("bruto"))  # price × quantity, before discounts
    discount_clp = models.BigIntegerField(_("descuento"), default=0)
    ticket_discount_clp = models.BigIntegerField(_("parte del descuento al total"), default=0)
    total_clp = models.BigIntegerField(_("total"))
    net_clp = models.BigIntegerField(_("neto"))
    iva_clp = models.BigIntegerField(_("IVA"))
    ila_clp = models.BigIntegerField(_("ILA"), default=0)
    exempt_clp = models.BigIntegerField(_("exento"), default=0)
    ila_tax = models.CharField(_("tasa ILA"), max_length=10, blank=True, default="")
    is_exempt = models.BooleanField(_("exento"), default=False)
    # A line scanned then voided before payment stays on record (loss prevention).
    is_voided = models.BooleanField(_("anulada"), default=False)
    approval = models.ForeignKey(
        "accounts.Approval", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A deli-scale label outside the plausible weight range, let through by a supervisor.
    scale_approval = models.ForeignKey(
        "accounts.Approval",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("aprobación de etiqueta de balanza"),
    )

    class Meta:
        verbose_name = _("línea de venta")
        verbose_name_plural = _("líneas de venta")
        ordering = ["sale", "position"]
        constraints = [
            models.UniqueConstraint(fields=["sale", "position"], name="sale_line_position_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="sale_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(
                    total_clp=F("gross_clp") - F("discount_clp") - F("ticket_discount_clp")
                ),
                name="sale_line_total_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.description} × {format_quantity(self.quantity)}"


class Payment(models.Model):
    sale = models.ForeignKey(Sale, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("medio de pago"), max_length=20, choices=PaymentMethod.choices)
    # Amount applied to the sale (for cash: the rounded amount that stays in the drawer).
    amount_clp = models.BigIntegerField(_("monto"))
    tendered_clp = models.BigIntegerField(_("entregado"), default=0)
    change_clp = models.BigIntegerField(_("vuelto"), default=0)
    reference = models.CharField(_("referencia"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("pago")
        verbose_name_plural = _("pagos")
        constraints = [
            models.CheckConstraint(condition=Q(amount_clp__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {format_clp(self.amount_clp)}"


class ParkedTicket(models.Model):
    """A ticket put on hold at the till (customer forgot something) to resume later."""

    terminal = models.ForeignKey("terminals.Terminal", on_delete=models.CASCADE)
    cashier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    label = models.CharField(max_length=60, blank=True)
    payload = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.label or f"Ticket en espera {self.pk}"


# --- Returns: credit notes (notas de crédito) and their refunds --------------------------


class CreditNote(models.Model):
    """A nota de crédito: a return of (some of) a sale, or its same-day void.

    Numbered gapless in a nota_credito series with its own hash chain, like sales. The
    original sale is never changed (a void only sets its status, which is not chained).
    """

    class Kind(models.TextChoices):
        RETURN = "devolucion", _("Devolución")
        VOID = "anulacion", _("Anulación")

    # Client-generated UUID: sending the same return twice creates it once.
    client_uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    request_fingerprint = models.CharField(max_length=64, editable=False)
    series = models.ForeignKey(
        DocumentSeries,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        verbose_name=_("serie"),
    )
    number = models.BigIntegerField(_("número"))
    kind = models.CharField(_("tipo"), max_length=12, choices=Kind.choices)
    issued_at = models.DateTimeField(_("fecha"), db_index=True)
    sale = models.ForeignKey(
        Sale,
        on_delete=models.PROTECT,
        related_name="credit_notes",
        verbose_name=_("documento original"),
    )
    terminal = models.ForeignKey(
        "terminals.Terminal", on_delete=models.PROTECT, related_name="+", verbose_name=_("caja")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("emitida por"),
    )
    # The session of the drawer the refund came out of (None: no session was open and
    # nothing was refunded in cash).
    cash_session = models.ForeignKey(
        "cash.CashSession",
        on_delete=models.PROTECT,
        related_name="credit_notes",
        null=True,
        blank=True,
        verbose_name=_("sesión de caja"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="credit_notes",
        null=True,
        blank=True,
        verbose_name=_("cliente"),
    )
    approval = models.ForeignKey(
        "accounts.Approval",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("aprobación"),
    )
    reason = models.CharField(_("motivo"), max_length=200)
    # Tax-included amount credited: the sum of the lines.
    total_clp = models.BigIntegerField(_("total"))
    net_clp = models.BigIntegerField(_("neto"))
    iva_clp = models.BigIntegerField(_("IVA"))
    ila_clp = models.BigIntegerField(_("ILA"), default=0)
    exempt_clp = models.BigIntegerField(_("exento"), default=0)
    # Ley 20.956 on the cash refund: refunds = total + rounding (see sales.returns).
    cash_rounding_clp = models.BigIntegerField(_("redondeo efectivo"), default=0)
    previous_hash = models.CharField(max_length=64, editable=False)
    chain_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("nota de crédito")
        verbose_name_plural = _("notas de crédito")
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "number"], name="credit_note_number_unique_in_series"
            ),
            models.CheckConstraint(
                condition=Q(total_clp__gte=0), name="credit_note_total_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(total_clp=F("net_clp") + F("iva_clp") + F("ila_clp") + F("exempt_clp")),
                name="credit_note_taxes_add_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series.name} N° {self.number}"

    @property
    def amount_refunded_clp(self) -> int:
        """What went back to the customer: the total plus the cash rounding."""
        return self.total_clp + self.cash_rounding_clp


class CreditNoteLine(models.Model):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, related_name="lines")
    position = models.PositiveSmallIntegerField(_("línea"))
    sale_line = models.ForeignKey(
        SaleLine,
        on_delete=models.PROTECT,
        related_name="credit_lines",
        verbose_name=_("línea original"),
    )
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.PROTECT, related_name="+", verbose_name=_("producto")
    )
    description = models.CharField(_("descripción"), max_length=120)
    quantity = quantity_field(_("cantidad"))
    # Tax-included amount credited for this line (its share of the original line total,
    # discounts included).
    total_clp = models.BigIntegerField(_("total"))
    net_clp = models.BigIntegerField(_("neto"))
    iva_clp = models.BigIntegerField(_("IVA"))
    ila_clp = models.BigIntegerField(_("ILA"), default=0)
    exempt_clp = models.BigIntegerField(_("exento"), default=0)
    # False: the item is damaged and does not go back on the shelf (its return is
    # recorded in the ledger and written off by an adjustment).
    restock = models.BooleanField(_("vuelve a stock"), default=True)

    class Meta:
        verbose_name = _("línea de nota de crédito")
        verbose_name_plural = _("líneas de nota de crédito")
        ordering = ["credit_note", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["credit_note", "position"], name="credit_note_line_position_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="credit_note_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(total_clp__gte=0), name="credit_note_line_total_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.description} × {format_quantity(self.quantity)}"


class Refund(models.Model):
    """Money given back by a credit note, by method (cash out of the drawer, card
    reversal, transfer, or a credit to the customer's account)."""

    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, related_name="refunds")
    method = models.CharField(_("medio"), max_length=20, choices=PaymentMethod.choices)
    amount_clp = models.BigIntegerField(_("monto"))

    class Meta:
        verbose_name = _("reembolso")
        verbose_name_plural = _("reembolsos")
        constraints = [
            models.CheckConstraint(condition=Q(amount_clp__gt=0), name="refund_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()} {format_clp(self.amount_clp)}"


class SyncConflict(models.Model):
    """Something an offline sale did that the server would not have let pass, recorded
    when it synced (the sale stands: it already happened) for the owner to review."""

    class Kind(models.TextChoices):
        PRICE = "precio", _("Precio")
        STOCK = "stock", _("Stock")
        CASH = "caja", _("Caja")
        BLOCK = "bloque", _("Bloque")

    sale = models.ForeignKey(
        Sale, on_delete=models.PROTECT, related_name="sync_conflicts", verbose_name=_("venta")
    )
    kind = models.CharField(_("tipo"), max_length=10, choices=Kind.choices)
    message = models.CharField(_("detalle"), max_length=300)
    details = models.JSONField(_("datos"), default=dict, blank=True)
    created_at = models.DateTimeField(_("registrado"), default=timezone.now, db_index=True)
    resolved_at = models.DateTimeField(_("revisado"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revisado por"),
    )

    class Meta:
        verbose_name = _("conflicto de sincronización")
        verbose_name_plural = _("conflictos de sincronización")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message}"
