from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Payment(models.Model):
    """One payment attempt for an order: one Webpay transaction (one token) or one
    staff-confirmed bank transfer."""

    class Method(models.TextChoices):
        WEBPAY = "webpay", _("Webpay Plus")
        TRANSFER = "transferencia", _("Transferencia bancaria")

    class State(models.TextChoices):
        CREATING = "creating", _("Creando transacción")
        CREATED = "created", _("En el formulario de pago")
        COMMITTING = "committing", _("Confirmando con Transbank")
        UNKNOWN = "unknown", _("Resultado desconocido (por conciliar)")
        AUTHORIZED = "authorized", _("Autorizado")
        CONFIRMED = "confirmed", _("Transferencia confirmada")
        REJECTED = "rejected", _("Rechazado")
        ABORTED = "aborted", _("Anulado por el cliente")
        TIMED_OUT = "timed_out", _("Tiempo agotado en el formulario")
        # Past the form's lifetime when the customer asked to pay again: a new attempt
        # replaced it. A late return of it is still committed (see services).
        EXPIRED = "expired", _("Vencida (reemplazada por un nuevo intento)")
        FAILED = "failed", _("Error")
        MISMATCH = "mismatch", _("Rechazado: no coincide monto u orden")
        REVERSED = "reversed", _("Reversado")
        NULLIFIED = "nullified", _("Anulado (reembolsado)")

    order = models.ForeignKey(
        "helpdesk_orders.Order",
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("pedido"),
    )
    method = models.CharField(_("medio"), max_length=20, choices=Method.choices)
    state = models.CharField(_("estado"), max_length=20, choices=State.choices)
    amount_clp = models.BigIntegerField(_("monto (CLP)"))
    buy_order = models.CharField(_("orden de compra"), max_length=26, unique=True)
    session_id = models.CharField(max_length=61, blank=True)
    token = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Where Webpay's form lives for this token: a second "pay" sends the browser back there.
    form_url = models.URLField(_("formulario de Webpay"), max_length=255, blank=True)
    # Authorised while the order was already paid: refunded automatically.
    duplicate = models.BooleanField(_("cobro duplicado"), default=False)
    response_code = models.IntegerField(_("código de respuesta"), null=True, blank=True)
    authorization_code = models.CharField(_("código de autorización"), max_length=6, blank=True)
    card_last_digits = models.CharField(_("tarjeta"), max_length=4, blank=True)
    payment_type_code = models.CharField(_("tipo de pago"), max_length=4, blank=True)
    installments_number = models.PositiveSmallIntegerField(_("cuotas"), default=0)
    gateway_response = models.JSONField(
        _("última respuesta de Transbank"), default=dict, blank=True
    )
    detail = models.CharField(_("detalle"), max_length=300, blank=True)
    refunded_clp = models.BigIntegerField(_("reembolsado (CLP)"), default=0)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmado por"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    finished_at = models.DateTimeField(_("resuelto"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pago")
        verbose_name_plural = _("pagos")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_clp__gt=0), name="payment_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(refunded_clp__gte=0)
                & models.Q(refunded_clp__lte=models.F("amount_clp")),
                name="payment_refund_within_amount",
            ),
            # One open Webpay transaction per order: a second "pay" resumes or replaces it.
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(state__in=["creating", "created"]),
                name="one_open_webpay_per_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.buy_order} · {self.get_state_display()}"

    @property
    def awaiting_result(self) -> bool:
        """Sent to Transbank, answer not yet known: the customer must not pay again."""
        return self.state in (self.State.COMMITTING, self.State.UNKNOWN)

    @property
    def captured(self) -> bool:
        """Money was taken (and not yet fully given back)."""
        return self.state in CAPTURED_STATES

    @property
    def refundable_clp(self) -> int:
        if self.method != self.Method.WEBPAY or self.state != self.State.AUTHORIZED:
            return 0
        return self.amount_clp - self.refunded_clp


# A payment that holds the customer's money: an approved card or a confirmed transfer.
CAPTURED_STATES = (Payment.State.AUTHORIZED, Payment.State.CONFIRMED)
# A payment that took money at some point (some or all of it may be refunded since).
EVER_CAPTURED_STATES = (*CAPTURED_STATES, Payment.State.REVERSED, Payment.State.NULLIFIED)


class Refund(models.Model):
    """A refund asked of Transbank: by staff, or automatically for a duplicate charge.
    Transbank answers REVERSED or NULLIFIED."""

    class Reason(models.TextChoices):
        STAFF = "staff", _("Solicitado en el back office")
        DUPLICATE = "duplicate", _("Cobro duplicado (automático)")

    class State(models.TextChoices):
        PENDING = "pending", _("Enviando")
        DONE = "done", _("Realizado")
        FAILED = "failed", _("Rechazado por Transbank")

    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("pago")
    )
    amount_clp = models.BigIntegerField(_("monto (CLP)"))
    state = models.CharField(_("estado"), max_length=10, choices=State.choices)
    kind = models.CharField(_("tipo"), max_length=10, blank=True)  # REVERSED | NULLIFIED
    authorization_code = models.CharField(_("código de autorización"), max_length=6, blank=True)
    gateway_response = models.JSONField(default=dict, blank=True)
    detail = models.CharField(_("detalle"), max_length=300, blank=True)
    reason = models.CharField(
        _("motivo"), max_length=10, choices=Reason.choices, default=Reason.STAFF
    )
    # Empty for an automatic refund (no one asked: the system did).
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("solicitado por"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("solicitado"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("reembolso")
        verbose_name_plural = _("reembolsos")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_clp__gt=0), name="refund_amount_positive"
            ),
            # At most one refund in flight per payment: the second click waits its turn.
            models.UniqueConstraint(
                fields=["payment"], condition=models.Q(state="pending"), name="one_pending_refund"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment.buy_order} · {self.kind or self.get_state_display()}"


class PaymentEvent(models.Model):
    """Something about an order's payments that staff should know: a resumed or replaced
    transaction, a duplicate charge and its automatic refund. Append-only."""

    class Kind(models.TextChoices):
        RESUMED = "resumed", _("Pago retomado en otra pestaña")
        EXPIRED = "expired", _("Transacción vencida reemplazada")
        DUPLICATE = "duplicate", _("Cobro duplicado detectado")
        DUPLICATE_REFUNDED = "dup_refunded", _("Cobro duplicado reembolsado")
        DUPLICATE_REFUND_FAILED = "dup_failed", _("Reembolso del duplicado falló")

    order = models.ForeignKey(
        "helpdesk_orders.Order",
        on_delete=models.PROTECT,
        related_name="payment_events",
        verbose_name=_("pedido"),
    )
    payment = models.ForeignKey(
        Payment,
        on_delete=models.PROTECT,
        related_name="events",
        null=True,
        blank=True,
        verbose_name=_("pago"),
    )
    kind = models.CharField(_("tipo"), max_length=15, choices=Kind.choices)
    message = models.CharField(_("detalle"), max_length=300)
    created_at = models.DateTimeField(_("fecha"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("evento de pago")
        verbose_name_plural = _("eventos de pago")

    def __str__(self) -> str:
        return f"{self.order.code} · {self.get_kind_display()}"
