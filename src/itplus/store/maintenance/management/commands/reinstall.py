"""`itplus reinstall --from FILE`: a whole store from one backup file, no internet needed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from itplus.store.maintenance.management.commands.backup import (
    EXIT_BAD,
    EXIT_CREDENTIAL,
    add_secret_arguments,
    read_secret_options,
)
from itplus.store.maintenance.management.commands.restore import write_comparison
from itplus.store.maintenance.reinstall import store_reinstall
from itplus.store.maintenance.restore import RestoreError, RestoreRefused


class Command(BaseCommand):
    help = _(
        "Reinstala la tienda en un equipo nuevo o formateado desde un respaldo (servidor) o "
        "con la dirección del servidor (terminal). No necesita internet: el programa se "
        "instala sin conexión con «pip install --no-index --find-links wheels/ itplus»."
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="archive", type=Path, help=_("Archivo .itpbak"))
        parser.add_argument("--home", type=Path, help=_("Carpeta de datos (ITPLUS_HOME)"))
        parser.add_argument("--role", choices=["server", "terminal"], default="server")
        parser.add_argument("--server", default="", help=_("Terminal: http://IP:8000 del servidor"))
        parser.add_argument("--force", action="store_true")
        add_secret_arguments(parser)

    def handle(self, *args, archive, home, role, server, force, **options):
        if home is not None and home.resolve() != Path(settings.ITPLUS_HOME).resolve():
            # ITPLUS_HOME is read when Django starts: run again with it set (no fork needed).
            return self._rerun_in(home.resolve(), archive, role, server, force, options)
        passphrase, key = read_secret_options(options)
        try:
            result = store_reinstall(
                archive=archive,
                passphrase=passphrase,
                key=key,
                role=role,
                server_url=server,
                force=force,
            )
        except RestoreRefused as exc:
            raise CommandError(str(exc), returncode=EXIT_CREDENTIAL if exc.credential else EXIT_BAD)
        except RestoreError as exc:
            raise CommandError(str(exc))
        if result.role == "terminal":
            self.stdout.write(
                _("Terminal configurado: usa el servidor %(url)s (sin base de datos propia).")
                % {"url": result.server_url}
            )
            return
        restored = result.restore
        for warning in restored.warnings:
            self.stderr.write(warning)
        store = restored.manifest.get("store", {})
        self.stdout.write(
            _("Tienda «%(name)s» reinstalada en %(home)s desde el respaldo del %(when)s.")
            % {
                "name": store.get("name", ""),
                "home": result.home,
                "when": restored.manifest.get("created_at", "?"),
            }
        )
        write_comparison(self.stdout, restored)
        self.stdout.write(_("Reinstalación completa en %(s).1f s.") % {"s": result.seconds})
        if not restored.identical:
            raise CommandError(_("El contenido restaurado no coincide con el manifiesto."))

    def _rerun_in(self, home: Path, archive, role, server, force, options) -> None:
        argv = [sys.executable, "-m", "itplus.store.cli", "reinstall", "--role", role]
        if archive:
            argv += ["--from", str(Path(archive).resolve())]
        if server:
            argv += ["--server", server]
        if force:
            argv.append("--force")
        if options.get("passphrase_file"):
            argv += ["--passphrase-file", str(Path(options["passphrase_file"]).resolve())]
        if options.get("key"):
            argv += ["--key", options["key"]]
        env = {**os.environ, "ITPLUS_HOME": str(home)}
        code = subprocess.call(argv, env=env)
        if code:
            raise CommandError(
                _("La reinstalación no terminó bien (vea el mensaje anterior)."), returncode=code
            )
