"""itplus import_prices FILE [--apply]: check (and optionally apply) a price list."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from itplus.store.catalog.importing import (
    PriceListError,
    PriceListHasErrors,
    price_list_import,
    price_list_parse,
)


class Command(BaseCommand):
    help = (
        "Revisa una lista de precios CSV o XLSX (por defecto solo muestra lo que haría) y "
        "con --apply la aplica completa en una transacción. Sale con código 1 si hay errores."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--apply", action="store_true", help="Aplicar los cambios (sin esto: vista previa)."
        )

    def handle(self, *args, file: Path, apply: bool, verbosity: int, **options):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise CommandError(
                _("No se pudo leer %(file)s: %(error)s") % {"file": file, "error": exc}
            )
        try:
            rows = price_list_parse(file_bytes=data, filename=file.name)
            result = price_list_import(rows=rows, dry_run=not apply)
        except PriceListHasErrors as exc:
            result = exc.result
        except PriceListError as exc:
            raise CommandError(exc.message)
        for line in result.report_lines(verbose=verbosity > 1):
            self.stdout.write(line)
        if result.has_errors:
            raise CommandError(_("La lista tiene errores; no se aplicó nada."), returncode=1)
        if result.applied:
            self.stdout.write(self.style.SUCCESS(_("Lista de precios aplicada.")))
        else:
            self.stdout.write(_("Vista previa: no se cambió nada. Use --apply para aplicar."))
