"""`itplus kit build --out DIR [--with-backup]` and `itplus kit verify DIR`: the offline
install kit of the reinstall guide (thin wrapper over ``maintenance.kit``)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from itplus.store.maintenance.kit import KitError, kit_build, kit_verify
from itplus.store.maintenance.kit_layout import BACKUPS_FOLDER, PYTHON_VERSIONS
from itplus.store.maintenance.management.commands.backup import (
    add_secret_arguments,
    megabytes,
    read_secret_options,
)

EXIT_REFUSED = 2


class Command(BaseCommand):
    help = _("Kit de instalación sin internet (pendrive): programa, instaladores, guía, respaldo.")

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        build = sub.add_parser("build", help=_("Armar el kit en una carpeta nueva o vacía"))
        build.add_argument("--out", type=Path, required=True, help=_("Carpeta del kit"))
        build.add_argument(
            "--with-backup",
            action="store_true",
            help=_("Incluir el respaldo verificado como bueno más reciente"),
        )
        build.add_argument("--folder", type=Path, help=_("Carpeta de respaldos"))
        build.add_argument(
            "--cache", type=Path, help=_("Carpeta donde guardar los paquetes descargados")
        )
        build.add_argument(
            "--python-installer",
            type=Path,
            help=_("Instalador de Python para Windows a copiar en el kit"),
        )
        add_secret_arguments(build)
        verify = sub.add_parser("verify", help=_("Revisar un kit (SHA-256 y paquetes)"))
        verify.add_argument("out", type=Path)

    def handle(self, *args, action: str, **options):
        getattr(self, f"do_{action}")(options)

    def do_build(self, options):
        passphrase, key = read_secret_options(options)
        try:
            result = kit_build(
                out=options["out"],
                with_backup=options["with_backup"],
                folder=options.get("folder"),
                passphrase=passphrase,
                key=key,
                cache=options.get("cache"),
                python_installer=options.get("python_installer"),
            )
        except KitError as exc:
            raise CommandError(str(exc), returncode=EXIT_REFUSED)
        self.stdout.write(
            _("Kit escrito en %(out)s: %(n)s archivos, %(size)s (Python %(versions)s).")
            % {
                "out": result.out,
                "n": len(result.files) + 1,
                "size": megabytes(result.size),
                "versions": ", ".join(PYTHON_VERSIONS),
            }
        )
        if result.backup:
            self.stdout.write(
                _("Respaldo incluido: %(folder)s/%(file)s")
                % {"folder": BACKUPS_FOLDER, "file": result.backup.name}
            )
        self.stdout.write(_("Copie la carpeta al pendrive con el nombre itplus."))

    def do_verify(self, options):
        problems = kit_verify(options["out"])
        for problem in problems:
            self.stdout.write(f"- {problem}")
        if problems:
            raise CommandError(
                _("El kit tiene %(n)s problemas.") % {"n": len(problems)}, returncode=1
            )
        self.stdout.write(_("Kit correcto: cada archivo coincide con el manifiesto."))
