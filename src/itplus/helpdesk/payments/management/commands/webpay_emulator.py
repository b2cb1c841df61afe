"""`itplus-helpdesk webpay_emulator`: the local Webpay Plus emulator, for development."""

from django.core.management.base import BaseCommand

from itplus.helpdesk.payments.emulator import WebpayEmulator


class Command(BaseCommand):
    help = "Emulador local de Webpay Plus (API REST v1.2) para desarrollo; no cobra nada."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8002)
        parser.add_argument(
            "--public-url", default=None, help="URL con que el navegador llega al emulador"
        )
        parser.add_argument("--return-method", choices=["POST", "GET"], default="POST")

    def handle(self, *args, host, port, public_url, return_method, **options):
        emulator = WebpayEmulator(
            host=host, port=port, public_url=public_url, return_method=return_method, quiet=False
        )
        self.stdout.write(
            f"Emulador Webpay Plus en {emulator.url} — use "
            f"HELPDESK_WEBPAY_EMULATOR_URL={emulator.url} (Ctrl+C para detener)"
        )
        try:
            emulator.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            emulator.server.server_close()
