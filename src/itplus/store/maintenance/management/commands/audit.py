"""`itplus audit [--json]`: hash chains and business invariants of the live database."""

import json

from django.core.management.base import BaseCommand
from django.db import DEFAULT_DB_ALIAS
from django.utils.translation import gettext as _

from itplus.core.audit import run_audit


class Command(BaseCommand):
    help = (
        "Audita la base de datos: cadena de huellas de los documentos, totales, pagos y "
        "numeración. Sale con código 0 si no hay problemas y 1 si los hay."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json", help="Resultado en JSON")
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Alias de la base de datos"
        )

    def handle(self, *args, as_json: bool, database: str, **options):
        report = run_audit(using=database)
        if as_json:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            counts = ", ".join(f"{name}: {n}" for name, n in report.checked.items())
            self.stdout.write(_("Revisado — %(counts)s") % {"counts": counts or "-"})
            for note in report.notes:
                self.stdout.write(_("Nota: %(note)s") % {"note": note})
            if report.ok:
                self.stdout.write(self.style.SUCCESS(_("Auditoría: sin problemas.")))
            else:
                self.stdout.write(
                    self.style.ERROR(
                        _("Auditoría: %(n)s problema(s) encontrado(s):")
                        % {"n": len(report.problems)}
                    )
                )
                for problem in report.problems:
                    self.stdout.write(f"  - [{problem.check}] {problem.message}")
        if not report.ok:
            # Exit status 1 tells scripts (and the backup verifier) the data is not clean.
            raise SystemExit(1)
