"""Bookkeeping that lets ``backup create`` digest only what changed since the last backup.

None of these tables is business data: they are left out of the content digest and of the
manifest's row counts (``digest.BOOKKEEPING_TABLES``). They live in the store's own
database so that they always travel with the data they describe — a restored or copied
database brings back the digests and the change log that match it.

- ``ContentChange``: one row per block of a table touched by an UPDATE or DELETE, written
  by database triggers (``changelog.py``) in the same transaction as the change, so a
  change made outside itplus (an SQL console) is logged too.
- ``DigestBlock``: the digest of each block of rows (primary keys ``block × BLOCK_ROWS``
  up to the next block) at the last backup.
- ``DigestTable``: per table, what the blocks were computed for (columns and digest
  format) and the highest key then.
- ``DigestCache``: one row; its generation changes with every write of the cache, so a
  backup that finished later than a newer one does not overwrite the newer digests.

A migration that alters ``ContentChange`` itself must drop the change triggers first
(``changelog.drop_change_triggers``; the next backup re-creates them): on SQLite the
table is rebuilt, and triggers of other tables write into it.
"""

from django.db import models


class ContentChange(models.Model):
    table_name = models.CharField(max_length=100)
    block = models.BigIntegerField()

    class Meta:
        verbose_name = "cambio de contenido"
        verbose_name_plural = "cambios de contenido"

    def __str__(self) -> str:
        return f"{self.table_name} #{self.block}"


class DigestTable(models.Model):
    table_name = models.CharField(max_length=100, primary_key=True)
    signature = models.CharField(max_length=64)
    max_id = models.BigIntegerField(null=True)

    class Meta:
        verbose_name = "resumen de tabla"
        verbose_name_plural = "resúmenes de tablas"

    def __str__(self) -> str:
        return self.table_name


class DigestBlock(models.Model):
    table_name = models.CharField(max_length=100)
    block = models.BigIntegerField()
    rows = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = "resumen de bloque"
        verbose_name_plural = "resúmenes de bloques"
        constraints = [
            models.UniqueConstraint(fields=["table_name", "block"], name="digest_block_unique")
        ]

    def __str__(self) -> str:
        return f"{self.table_name} #{self.block}"


class DigestCache(models.Model):
    generation = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "caché de resúmenes"
        verbose_name_plural = "caché de resúmenes"

    def __str__(self) -> str:
        return f"generación {self.generation}"


class DoctorLevel(models.TextChoices):
    OK = "ok", "OK"
    AVISO = "aviso", "AVISO"
    FALLA = "falla", "FALLA"


class DoctorReport(models.Model):
    """A terminal's last runs of ``itplus doctor``, as it sent them to the server
    (``POST /api/v1/doctor/reports``); the "Diagnóstico" page shows each terminal's newest.
    Unlike the tables above this is store data (it travels in backups)."""

    terminal = models.ForeignKey(
        "terminals.Terminal", on_delete=models.CASCADE, related_name="doctor_reports"
    )
    received_at = models.DateTimeField("recibido", auto_now_add=True)
    ran_at = models.DateTimeField("ejecutado")  # by the terminal's clock
    level = models.CharField("resultado", max_length=5, choices=DoctorLevel.choices)
    version = models.CharField("versión", max_length=40, blank=True)
    checks = models.JSONField("revisiones", default=list)

    class Meta:
        verbose_name = "informe de diagnóstico"
        verbose_name_plural = "informes de diagnóstico"
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["terminal", "-received_at"], name="doctor_report_latest")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__in=["ok", "aviso", "falla"]),
                name="doctor_report_level_valid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.terminal} {self.received_at:%Y-%m-%d %H:%M}"
