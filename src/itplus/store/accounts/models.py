"""Staff roles and supervisor approvals.

Roles map to Django groups of the same name (permissions for the back office) and to a
profile field the till reads quickly. A supervisor approves at the till by PIN; every
approval is a row saying who approved what (the action and its amount or document), for
whom, at which terminal, and until when (see ``accounts.approvals``).
"""

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CASHIER = "cajero", _("Cajero")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "administrador", _("Administrador")


ROLE_RANK = {Role.CASHIER: 0, Role.SUPERVISOR: 1, Role.ADMIN: 2}


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    role = models.CharField(_("rol"), max_length=20, choices=Role.choices, default=Role.CASHIER)
    pin_hash = models.CharField(_("PIN (hash)"), max_length=128, blank=True)

    class Meta:
        verbose_name = _("perfil de personal")
        verbose_name_plural = _("perfiles de personal")

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"

    def set_pin(self, pin: str) -> None:
        self.pin_hash = make_password(pin)

    def check_pin(self, pin: str) -> bool:
        return bool(self.pin_hash) and check_password(pin, self.pin_hash)

    def can_approve(self) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role.SUPERVISOR]


class ApprovalAction(models.TextChoices):
    DISCOUNT = "descuento", _("Descuento sobre el límite")
    VOID_LINE = "anular_linea", _("Anulación de línea")
    VOID_SALE = "anular_venta", _("Anulación de venta")
    REPRINT = "reimpresion", _("Reimpresión")
    PAIR_TERMINAL = "vincular_terminal", _("Vinculación de terminal")
    OPEN_CASH = "abrir_caja", _("Apertura de caja")
    LOWER_QUANTITY = "bajar_cantidad", _("Rebaja de cantidad escaneada")
    RETURN = "devolucion", _("Devolución")
    CASH_OUT = "egreso_caja", _("Egreso de caja")
    SCALE_LABEL = "etiqueta_balanza", _("Etiqueta de balanza fuera de rango")


class Approval(models.Model):
    """A supervisor's authorisation of one action, for one requester at one terminal,
    with its limit (percent, amount) or document; used at most once, before it expires."""

    action = models.CharField(_("acción"), max_length=30, choices=ApprovalAction.choices)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="approvals_given",
        verbose_name=_("aprobado por"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="approvals_requested",
        verbose_name=_("solicitado por"),
        null=True,
        blank=True,
    )
    terminal = models.ForeignKey(
        "terminals.Terminal", on_delete=models.PROTECT, null=True, blank=True
    )
    # For discounts: the largest percentage approved.
    max_percent = models.PositiveSmallIntegerField(_("porcentaje máximo"), null=True, blank=True)
    # For refunds and cash out: the largest amount approved.
    amount_clp = models.BigIntegerField(_("monto máximo"), null=True, blank=True)
    # The document it is for ("sales.sale:17"), when the action has one.
    object_ref = models.CharField(_("documento"), max_length=60, blank=True)
    detail = models.CharField(_("detalle"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("fecha"), auto_now_add=True)
    # Rows from before approvals expired have none: they count as expired.
    expires_at = models.DateTimeField(_("vence"), null=True, blank=True)
    used_at = models.DateTimeField(_("usada"), null=True, blank=True)

    class Meta:
        verbose_name = _("aprobación")
        verbose_name_plural = _("aprobaciones")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return (
            f"{self.get_action_display()} — {self.approved_by} — {self.created_at:%Y-%m-%d %H:%M}"
        )


class PinFailure(models.Model):
    """A wrong supervisor PIN typed at a terminal. Too many in a short time lock PIN
    approvals there for a while, so a cashier cannot try all 10,000 four-digit PINs."""

    terminal = models.ForeignKey(
        "terminals.Terminal", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("PIN incorrecto")
        verbose_name_plural = _("PIN incorrectos")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.requested_by} @ {self.terminal} {self.created_at:%Y-%m-%d %H:%M}"
