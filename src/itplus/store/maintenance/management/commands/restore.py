"""`itplus restore FILE`: put a verified backup back over this install."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from itplus.store.maintenance.management.commands.backup import (
    EXIT_BAD,
    EXIT_CREDENTIAL,
    add_secret_arguments,
    read_secret_options,
)
from itplus.store.maintenance.restore import RestoreError, RestoreRefused, backup_restore


def write_comparison(stdout, result) -> None:
    """The table-by-table comparison and the verdict (shared with `itplus reinstall`)."""
    stdout.write(_("Tabla                                     Respaldo  Restaurado"))
    for row in result.comparison:
        mark = _("igual") if row.equal else _("DISTINTA")
        stdout.write(
            f"{row.table:<40} {row.rows_expected if row.rows_expected is not None else '-':>9}"
            f"  {row.rows_actual if row.rows_actual is not None else '-':>10}  {mark}"
        )
    stdout.write(_("Resumen en el manifiesto: %(d)s") % {"d": result.digest_expected})
    stdout.write(_("Resumen restaurado:       %(d)s") % {"d": result.digest_actual})
    if result.migrated:
        stdout.write(
            _("Base de datos actualizada a esta versión (%(n)s cambios).")
            % {"n": len(result.migrated)}
        )
    stdout.write(_("IDÉNTICO") if result.identical else _("DISTINTO: revise las tablas marcadas"))


class Command(BaseCommand):
    help = _(
        "Restaura un respaldo sobre esta instalación (verifica primero y guarda un respaldo "
        "de seguridad del estado actual). Detenga el servidor antes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        add_secret_arguments(parser)
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("Restaurar aunque el respaldo no pase la verificación (¡peligroso!)"),
        )

    def handle(self, *args, file: Path, force: bool, **options):
        passphrase, key = read_secret_options(options)
        if force:
            self.stderr.write(
                _("ATENCIÓN: --force restaura aunque el respaldo no pase la verificación.")
            )
        try:
            result = backup_restore(path=file, passphrase=passphrase, key=key, force=force)
        except RestoreRefused as exc:
            raise CommandError(str(exc), returncode=EXIT_CREDENTIAL if exc.credential else EXIT_BAD)
        except RestoreError as exc:
            raise CommandError(str(exc))
        for warning in result.warnings:
            self.stderr.write(warning)
        if result.safety_backup:
            self.stdout.write(
                _("Respaldo de seguridad del estado anterior: %(p)s") % {"p": result.safety_backup}
            )
        write_comparison(self.stdout, result)
        self.stdout.write(_("Restaurado en %(s).1f s.") % {"s": result.seconds})
        if not result.identical:
            raise CommandError(_("El contenido restaurado no coincide con el manifiesto."))
