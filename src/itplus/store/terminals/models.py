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
    # Reported by the till's heartbeat (POST /api/v1/terminals/heartbeat).
    last_seen_ip = models.GenericIPAddressField(_("última IP"), null=True, blank=True)
    version = models.CharField(_("versión"), max_length=40, blank=True, default="")
    pending_offline_sales = models.PositiveIntegerField(
        _("ventas sin conexión pendientes"), default=0
    )
    # A revoked terminal's token stops working at once; pairing it again un-revokes it.
    revoked_at = models.DateTimeField(_("revocada"), null=True, blank=True)

    class Meta:
        verbose_name = _("terminal")
        verbose_name_plural = _("terminales")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class PairingCodeKind(models.TextChoices):
    # Shown to the owner on the Terminales page; typed at ``itplus setup terminal``.
    TERMINAL = "terminal", _("Vinculación de terminal")
    # Asked for by a paired PC (with its token) to pair its browser: the launcher opens
    # the till with it, so the long-lived token never travels in a URL.
    BROWSER = "navegador", _("Vinculación del navegador")


class PairingCode(models.Model):
    """A one-time code pairing a PC (or its browser) with a terminal. Only its hash is
    kept; it expires after a few minutes and is used once."""

    terminal = models.ForeignKey(Terminal, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=PairingCodeKind.choices)
    code_hash = models.CharField(max_length=64, unique=True)
    # A browser code carries the token it hands to the browser, cleared once used.
    token = models.CharField(max_length=64, blank=True, default="")
    created_by = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_from = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("código de vinculación")
        verbose_name_plural = _("códigos de vinculación")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.terminal_id}"


class PairingThrottle(models.Model):
    """Wrong pairing codes counted per address (and ``*`` for all addresses), so a code
    cannot be guessed. The row is locked while an attempt is counted."""

    key = models.CharField(max_length=64, unique=True)
    window_start = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.key
