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
        FAILED = "failed", _("Error")
        MISMATCH = "mismatch", _("Rechazado: no coincide monto u orden")
        REVERSED = "reversed", _("Reversado")
        NULLIFIED = "nullified", _("Anulado (reembolsado)")

    order = models.ForeignKey(
        "helpdesk_orders.Order", on_delete=models.PROTECT, related_name="payments"
    )
    method = models.CharField(_("medio"), max_length=20, choices=Method.choices)
    state = models.CharField(_("estado"), max_length=20, choices=State.choices)
    amount_clp = models.BigIntegerField(_("monto (CLP)"))
    buy_order = models.CharField(_("orden de compra"), max_length=26, unique=True)
    session_id = models.CharField(max_length=61, blank=True)
    token = models.CharField(max_length=64, unique=True, null=True, blank=True)
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
        ]

    def __str__(self) -> str:
        return f"{self.buy_order} · {self.get_state_display()}"

    @property
    def awaiting_result(self) -> bool:
        """Sent to Transbank, answer not yet known: the customer must not pay again."""
        return self.state in (self.State.COMMITTING, self.State.UNKNOWN)

    @property
    def refundable_clp(self) -> int:
        if self.method != self.Method.WEBPAY or self.state != self.State.AUTHORIZED:
            return 0
        return self.amount_clp - self.refunded_clp


class Refund(models.Model):
    """A refund asked of Transbank from the back office: REVERSED or NULLIFIED."""

    class State(models.TextChoices):
        PENDING = "pending", _("Enviando")
        DONE = "done", _("Realizado")
        FAILED = "failed", _("Rechazado por Transbank")

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount_clp = models.BigIntegerField(_("monto (CLP)"))
    state = models.CharField(_("estado"), max_length=10, choices=State.choices)
    kind = models.CharField(_("tipo"), max_length=10, blank=True)  # REVERSED | NULLIFIED
    authorization_code = models.CharField(_("código de autorización"), max_length=6, blank=True)
    gateway_response = models.JSONField(default=dict, blank=True)
    detail = models.CharField(_("detalle"), max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("solicitado por"), on_delete=models.PROTECT
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
