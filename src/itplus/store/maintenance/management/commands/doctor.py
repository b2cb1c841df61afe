"""`itplus doctor [--json] [--no-send]`: is this PC ready to sell? (maintenance.doctor)."""

import json

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from itplus.store.maintenance.doctor import (
    AVISO,
    FALLA,
    OK,
    ServerUnreachable,
    doctor_run,
    render_text,
    report_send,
)


class Command(BaseCommand):
    help = (
        "Diagnostica este PC: base de datos, disco, respaldos, impresora y, en un terminal, "
        "el servidor, la hora, la red y las ventas sin sincronizar. Sale con 0 si todo está "
        "OK, 1 si hay algún AVISO y 2 si hay alguna FALLA. Un terminal envía su informe al "
        "servidor."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", dest="as_json", help="Resultado en JSON")
        parser.add_argument(
            "--no-send",
            action="store_true",
            help="En un terminal: no enviar el informe al servidor",
        )

    def handle(self, *args, as_json: bool, no_send: bool, **options):
        result = doctor_run()
        sent: bool | None = None
        send_error = ""
        if result.role == "terminal" and not no_send:
            try:
                report_send(result)
                sent = True
            except ServerUnreachable as exc:
                sent, send_error = False, str(exc)
        if as_json:
            body = {**result.as_dict(), "report_sent": sent}
            self.stdout.write(json.dumps(body, ensure_ascii=False, indent=2))
        else:
            style = {OK: self.style.SUCCESS, AVISO: self.style.WARNING, FALLA: self.style.ERROR}
            text = render_text(result)
            for check in result.checks:  # colour the level word where the console has colour
                text = text.replace(
                    f"{check.label:<6} {check.title}:",
                    f"{style[check.level](f'{check.label:<6}')} {check.title}:",
                    1,
                )
            self.stdout.write(text, ending="")
            if sent:
                self.stdout.write(_("Informe enviado al servidor."))
            elif sent is False:
                self.stderr.write(
                    _("No se pudo enviar el informe al servidor: %(error)s.")
                    % {"error": send_error}
                )
        raise SystemExit(result.exit_code)
