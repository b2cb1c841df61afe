"""Cash sessions: one open session per terminal; every sale belongs to one."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


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
        ]

    def __str__(self) -> str:
        return f"{self.terminal} — {self.opened_at:%d-%m-%Y %H:%M}"
