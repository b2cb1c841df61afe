"""The `itplus-helpdesk` console script: Django's manage command for the help desk site."""

import os
import sys

import django
from django.core.management import execute_from_command_line, get_commands
from django.utils.translation import gettext as _

from itplus.core.cli_help import CommandGroup, help_text


def command_groups() -> tuple[CommandGroup, ...]:
    """The help desk's own commands as ``itplus-helpdesk --help`` lists them."""
    return (
        CommandGroup(
            _("Mesa de ayuda"),
            (
                ("serve", _("Sirve la mesa de ayuda (waitress)")),
                ("demo", _("Carga el catálogo de servicios y un usuario de soporte de prueba")),
                ("createsuperuser", _("Crea una cuenta de administración")),
                ("migrate", _("Crea o actualiza la base de datos de la mesa de ayuda")),
            ),
        ),
        CommandGroup(
            _("Pagos"),
            (
                ("webpay_reconcile", _("Consulta a Transbank los pagos sin resultado conocido")),
                ("webpay_emulator", _("Emulador local de Webpay para desarrollo (no cobra)")),
            ),
        ),
    )


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itplus.helpdesk.settings")
    argv = sys.argv[1:]
    if not argv or argv in (["--help"], ["-h"], ["help"]):
        django.setup()
        sys.stdout.write(
            help_text(
                prog="itplus-helpdesk",
                intro=_("itplus-helpdesk — la mesa de ayuda del proveedor."),
                groups=command_groups(),
                other_commands=get_commands(),
            )
        )
        return
    execute_from_command_line([sys.argv[0], *argv])


if __name__ == "__main__":
    main()
