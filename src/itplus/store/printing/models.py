"""The record of what went to the receipt printer: one row per document sent."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PrintedDocument(models.TextChoices):
    SALE = "venta", _("Venta")
    CREDIT_NOTE = "nota_credito", _("Nota de crédito")
    X_REPORT = "informe_x", _("Informe X")
    Z_REPORT = "informe_z", _("Informe Z")


class PrintJob(models.Model):
    """A document sent to the thermal printer: which one (kind and id, as the documents
    live in higher apps), whether it was a copy, where it went and when. Written in the
    request's thread once the document's transaction has committed, before the bytes
    leave; a printer that cannot be reached is logged on ``itplus.printing``."""

    document = models.CharField(_("documento"), max_length=20, choices=PrintedDocument.choices)
    document_id = models.BigIntegerField(_("id del documento"))
    label = models.CharField(_("detalle"), max_length=120, blank=True)
    is_copy = models.BooleanField(_("copia"), default=False)
    printer = models.CharField(_("impresora"), max_length=120)
    size_bytes = models.PositiveIntegerField(_("bytes"), default=0)
    sent_at = models.DateTimeField(_("enviado"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("impresión")
        verbose_name_plural = _("impresiones")
        ordering = ["-sent_at", "-pk"]
        indexes = [models.Index(fields=["document", "document_id"])]

    def __str__(self) -> str:
        copy = _(" (copia)") if self.is_copy else ""
        return f"{self.get_document_display()} {self.label or self.document_id}{copy}"
