"""`itplus serve`: the production WSGI server (waitress — pure Python, runs on Windows)."""

from django.core.management.base import BaseCommand
from django.core.wsgi import get_wsgi_application

from itplus.core.wsgi_serve import serve_wsgi
from itplus.store.maintenance.scheduling import BackupScheduler


class Command(BaseCommand):
    help = "Sirve la tienda con waitress (servidor de producción, también en Windows)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--host", default="0.0.0.0", help="Dirección (0.0.0.0 = toda la red local)"
        )
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--procesos",
            type=int,
            default=1,
            dest="processes",
            help=(
                "Procesos que atienden (uno usa una sola CPU). En el servidor con PostgreSQL: "
                "uno por CPU, hasta 4; con SQLite, 1"
            ),
        )
        parser.add_argument(
            "--sin-respaldos",
            action="store_true",
            dest="no_backups",
            help="No tomar el respaldo automático diario (p. ej. en una caja que no es el servidor)",
        )

    def handle(
        self,
        *args,
        host: str,
        port: int,
        threads: int,
        processes: int,
        no_backups: bool,
        **options,
    ):
        if not no_backups:
            # Daily backup at the [backup] hour of itplus.toml, in this process.
            BackupScheduler().start()
        serve_wsgi(
            # Django is already set up by the command line: the same application that
            # itplus.store.wsgi gives other WSGI servers.
            get_wsgi_application(),
            host=host,
            port=port,
            threads=threads,
            banner=f"itplus: tienda en http://{host}:{port}/ (Ctrl+C para detener)\n",
            stdout=self.stdout,
            processes=max(1, processes),
            wsgi_module="itplus.store.wsgi",
        )
