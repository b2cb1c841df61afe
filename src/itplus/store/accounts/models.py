"""Staff roles and supervisor approvals.

Roles map to Django groups of the same name (permissions for the back office) and to a
profile field the till reads quickly. A supervisor approves at the till by PIN; every
approval is a row saying who approved what (the action and its amount or document), for
whom, at which terminal, and until when (see ``accounts.approvals``).
"""

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import models
from django.utils import timezone
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
    CANCEL_TICKET = "cancelar_ticket", _("Cancelación de ticket")


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
        return f"{self.get_action_display()} — {self.approved_by} — {timezone.localtime(self.created_at):%d-%m-%Y %H:%M}"


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
        return f"{self.requested_by} @ {self.terminal} {timezone.localtime(self.created_at):%d-%m-%Y %H:%M}"


class LockScope(models.TextChoices):
    ACCOUNT = "cuenta", _("Cuenta")
    ADDRESS = "ip", _("Dirección IP")


class LoginLock(models.Model):
    """Throttling state of one account name or one source address at the login pages
    (``accounts.security``). The row is locked while an attempt is counted, so
    concurrent guesses wait for each other."""

    scope = models.CharField(_("tipo"), max_length=10, choices=LockScope.choices)
    # The account name as typed (lower case), or the IP address.
    key = models.CharField(_("cuenta o IP"), max_length=150)
    locked_until = models.DateTimeField(_("bloqueado hasta"), null=True, blank=True)
    # Locks in a row (reset by a login, an unlock or a day without one): each doubles.
    locks = models.PositiveIntegerField(_("bloqueos seguidos"), default=0)
    # Failures before this instant (the last lock, unlock or login) no longer count.
    counted_since = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("bloqueo de ingreso")
        verbose_name_plural = _("bloqueos de ingreso")
        # The longest lock first; rows never locked (PostgreSQL sorts NULL first) last.
        ordering = [models.F("locked_until").desc(nulls_last=True), "key"]
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="loginlock_scope_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key}"


class SecurityEventKind(models.TextChoices):
    LOGIN_OK = "ingreso", _("Ingreso correcto")
    LOGIN_FAILED = "ingreso_fallido", _("Clave incorrecta")
    LOGIN_REFUSED = "ingreso_bloqueado", _("Ingreso rechazado (bloqueado)")
    LOCKED = "bloqueo", _("Bloqueo por intentos fallidos")
    UNLOCKED = "desbloqueo", _("Desbloqueo")
    PIN_FAILED = "pin_incorrecto", _("PIN de supervisor incorrecto")
    PIN_REFUSED = "pin_bloqueado", _("PIN rechazado (caja bloqueada)")
    PIN_LOCKED = "pin_bloqueo", _("Bloqueo de PIN en la caja")
    PIN_UNLOCKED = "pin_desbloqueo", _("Desbloqueo de PIN en la caja")


class SecurityEvent(models.Model):
    """One login or PIN attempt, lock or unlock: the evidence the owner reads in the
    back office. Written by ``accounts.security`` and ``accounts.approvals`` only."""

    created_at = models.DateTimeField(_("fecha"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("evento"), max_length=20, choices=SecurityEventKind.choices)
    # The account named: typed at the login page (it may not exist), locked or unlocked,
    # or the person who asked for a supervisor's PIN.
    username = models.CharField(_("cuenta"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("dirección IP"), null=True, blank=True)
    terminal = models.ForeignKey(
        "terminals.Terminal",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("caja"),
    )
    lock = models.ForeignKey(
        LoginLock,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("bloqueo"),
    )
    locked_until = models.DateTimeField(_("bloqueado hasta"), null=True, blank=True)
    # Who lifted a lock (empty: from the console).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("realizado por"),
    )
    detail = models.CharField(_("detalle"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("evento de seguridad")
        verbose_name_plural = _("eventos de seguridad")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["username", "created_at"], name="secevent_username_idx"),
            models.Index(fields=["ip_address", "created_at"], name="secevent_ip_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.username or self.ip_address or ''}".strip()
