"""Terminals (the PCs that sell). Each authenticates to the API with its own token."""

import hashlib

from django.db import models
from django.utils.translation import gettext_lazy as _


def hash_token(token: str) -> str:
    # Tokens are long random strings, so a fast hash is enough (no password stretching).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Terminal(models.Model):
    code = models.SlugField(_("código"), max_length=20, unique=True)
    name = models.CharField(_("nombre"), max_length=60)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("activo"), default=True)
    boleta_series = models.ForeignKey(
        "sales.DocumentSeries",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("serie de boletas"),
        null=True,
        blank=True,
    )
    factura_series = models.ForeignKey(
        "sales.DocumentSeries",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("serie de facturas"),
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField(_("creada"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("última conexión"), null=True, blank=True)

    class Meta:
        verbose_name = _("terminal")
        verbose_name_plural = _("terminales")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name
