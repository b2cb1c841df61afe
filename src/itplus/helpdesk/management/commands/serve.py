"""`itplus-helpdesk serve`: the help desk on waitress (production WSGI server)."""

from django.core.management.base import BaseCommand
from django.core.wsgi import get_wsgi_application

from itplus.core.wsgi_serve import serve_wsgi


class Command(BaseCommand):
    help = "Sirve la mesa de ayuda con waitress."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host: str, port: int, threads: int, **options):
        serve_wsgi(
            get_wsgi_application(),  # as itplus.helpdesk.wsgi gives other servers
            host=host,
            port=port,
            threads=threads,
            ident="itplus-helpdesk",
            banner=f"itplus: mesa de ayuda en http://{host}:{port}/ (Ctrl+C para detener)\n",
            stdout=self.stdout,
        )
