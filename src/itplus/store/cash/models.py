"""Cash sessions: one open session per terminal; every sale belongs to one.

A session opens with a float, records cash movements (ingresos/egresos with a reason)
and closes with a blind count by denomination, producing its Z report: numbered
(gapless, one counter per store), hash-chained like the sale documents, never edited.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from itplus.core.integrity import GENESIS_HASH
from itplus.core.money import format_clp

# Chilean bills and coins in circulation, largest first. The $5 and $1 coins left
# circulation with Ley 20.956 (cash totals are rounded to $10): a count may list them
# only with zero pieces.
BILLS_CLP = (20_000, 10_000, 5_000, 2_000, 1_000)
COINS_CLP = (500, 100, 50, 10)
DENOMINATIONS_CLP = BILLS_CLP + COINS_CLP
RETIRED_COINS_CLP = (5, 1)


class PaymentMethod(models.TextChoices):
    """How a customer pays at the till (and how a refund is paid back). Kept with the
    cash sessions: the drawer and its reports count money by method."""

    CASH = "efectivo", _("Efectivo")
    DEBIT = "debito", _("Débito")
    CREDIT = "credito", _("Crédito")
    TRANSFER = "transferencia", _("Transferencia")
    # Store credit ("fiado"): charged to the customer's account; needs a customer.
    STORE_CREDIT = "cuenta_corriente", _("Cuenta corriente (fiado)")


class CashSession(models.Model):
    class Status(models.TextChoices):
        OPEN = "abierta", _("Abierta")
        CLOSED = "cerrada", _("Cerrada")

    terminal = models.ForeignKey(
        "terminals.Terminal",
        on_delete=models.PROTECT,
        related_name="cash_sessions",
        verbose_name=_("terminal"),
    )
    status = models.CharField(
        _("estado"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("abierta por"),
    )
    opened_at = models.DateTimeField(_("apertura"))
    opening_float_clp = models.BigIntegerField(_("fondo inicial"), default=0)
    # The supervisor's PIN approval when a cashier opened the session at the till.
    opening_approval = models.ForeignKey(
        "accounts.Approval",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("autorización de apertura"),
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("cerrada por"),
    )
    closed_at = models.DateTimeField(_("cierre"), null=True, blank=True)

    class Meta:
        verbose_name = _("sesión de caja")
        verbose_name_plural = _("sesiones de caja")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["terminal"],
                condition=Q(status="abierta"),
                name="one_open_cash_session_per_terminal",
            ),
            models.CheckConstraint(
                condition=Q(opening_float_clp__gte=0), name="cash_session_float_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(status="abierta") | Q(closed_at__isnull=False),
                name="cash_session_closed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.terminal} — {timezone.localtime(self.opened_at):%d-%m-%Y %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class CashMovement(models.Model):
    """Cash put into (ingreso) or taken out of (egreso) the drawer outside a sale,
    e.g. paying a supplier. Never edited: a mistake is corrected by the opposite movement."""

    class Kind(models.TextChoices):
        IN = "ingreso", _("Ingreso")
        OUT = "egreso", _("Egreso")

    session = models.ForeignKey(
        CashSession,
        on_delete=models.PROTECT,
        related_name="movements",
        verbose_name=_("sesión de caja"),
    )
    kind = models.CharField(_("tipo"), max_length=10, choices=Kind.choices)
    amount_clp = models.BigIntegerField(_("monto"))
    reason = models.CharField(_("motivo"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("usuario"),
    )
    created_at = models.DateTimeField(_("fecha"), db_index=True)
    # The supervisor's PIN approval when a cashier took cash out.
    approval = models.ForeignKey(
        "accounts.Approval",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("aprobación"),
    )

    class Meta:
        verbose_name = _("movimiento de caja")
        verbose_name_plural = _("movimientos de caja")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_clp__gt=0), name="cash_movement_amount_positive"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="cash_movement_reason_required"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {format_clp(self.amount_clp)} — {self.reason}"

    @property
    def signed_amount_clp(self) -> int:
        return self.amount_clp if self.kind == self.Kind.IN else -self.amount_clp


class ZCounter(models.Model):
    """The store's Z numbering and the head of the Z hash chain (one row, code "z").

    Taken under a row lock in the closing transaction, like a DocumentSeries: numbers
    are gapless and never repeat."""

    code = models.SlugField(max_length=10, unique=True, default="z")
    next_number = models.BigIntegerField(default=1)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("numeración de informes Z")
        verbose_name_plural = _("numeración de informes Z")
        constraints = [
            models.CheckConstraint(condition=Q(next_number__gte=1), name="z_counter_next_positive")
        ]

    def __str__(self) -> str:
        return f"Z {self.next_number}"


class ZReport(models.Model):
    """The closing report of a cash session. Written once, by ``cash_session_close``;
    there is no update path, and the hash chain lets the audit prove it unchanged.

    The main figures are columns (lists, CSV, filters); ``data`` holds the whole report
    (by payment method, by series, voids, taxes, contributions such as credit notes)
    and ``counts`` the blind count by denomination. Both are covered by the hash.
    """

    number = models.BigIntegerField(_("número"), unique=True)
    session = models.OneToOneField(
        CashSession, on_delete=models.PROTECT, related_name="z_report", verbose_name=_("sesión")
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("cerrado por"),
    )
    closed_at = models.DateTimeField(_("cierre"), db_index=True)
    ticket_count = models.IntegerField(_("tickets"))
    sales_total_clp = models.BigIntegerField(_("ventas"))
    expected_cash_clp = models.BigIntegerField(_("efectivo esperado"))
    counted_cash_clp = models.BigIntegerField(_("efectivo contado"))
    # counted − expected: positive = sobrante, negative = faltante.
    difference_clp = models.BigIntegerField(_("diferencia"))
    counts = models.JSONField(_("conteo por denominación"))
    data = models.JSONField(_("detalle"))
    previous_hash = models.CharField(max_length=64, editable=False)
    chain_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("informe Z")
        verbose_name_plural = _("informes Z")
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="z_number_positive"),
            models.CheckConstraint(
                condition=Q(
                    difference_clp=models.F("counted_cash_clp") - models.F("expected_cash_clp")
                ),
                name="z_difference_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return f"Z N° {self.number}"
