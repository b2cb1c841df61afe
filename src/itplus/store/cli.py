"""The `itplus` console script: Django's manage command with the store settings preset.

It finds its store (``config.home``: ITPLUS_HOME, else the folder recorded when the
store was created) and never creates one silently: a command that needs the store, run
where there is none or on an empty database, says what to do and exits 2 without
writing anything. Only the commands that make a store (``CREATES_STORE``) create one,
say where, and record the folder so the next command run from anywhere finds it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import django
from django.core.management import call_command, execute_from_command_line, get_commands
from django.db import DatabaseError, connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

from itplus.core.cli_help import CommandGroup, help_text
from itplus.store.config.home import (
    home_default_new,
    home_prepare,
    home_record,
    home_recorded,
    itplus_home_find,
    store_files_exist,
)

EXIT_NO_STORE = 2
CREATES_STORE = frozenset({"migrate", "setup", "demo", "reinstall"})
# Commands that read no store: they run anywhere and create nothing.
NEEDS_NO_STORE = frozenset(
    {
        "help",
        "version",
        "check",
        "makemigrations",
        "makemessages",
        "compilemessages",
        "diffsettings",
        "findstatic",
        "guide",
        "startapp",
        "startproject",
    }
)
HELP_FLAGS = frozenset({"-h", "--help"})
# Commands that report on a database that cannot be used instead of refusing to run.
REPORTS_DATABASE = frozenset({"doctor"})


def command_groups() -> tuple[CommandGroup, ...]:
    """itplus's own commands as ``itplus --help`` lists them (gettext: call after setup)."""

    return (
        CommandGroup(
            _("Tienda"),
            (
                ("setup", _("Tienda, servidor o terminal: itplus setup store|server|terminal")),
                ("createsuperuser", _("Crea la cuenta del dueño")),
                ("demo", _("Carga una tienda de demostración (Minimarket Don Pepe)")),
                ("serve", _("Sirve la tienda en la red local (también en Windows)")),
                ("import_prices", _("Importa una lista de precios CSV o XLSX (--apply)")),
                ("unlock", _("Levanta el bloqueo de una cuenta o de una dirección IP")),
            ),
        ),
        CommandGroup(
            _("Respaldos"),
            (
                ("backup", _("Crea, lista, verifica y limpia respaldos; hoja de recuperación")),
                ("restore", _("Restaura un respaldo sobre esta instalación")),
                ("reinstall", _("Reinstala la tienda en un equipo nuevo desde un respaldo")),
                ("kit", _("Arma el kit de instalación sin internet (pendrive): itplus kit build")),
            ),
        ),
        CommandGroup(
            _("Mantención"),
            (
                ("migrate", _("Crea o actualiza la base de datos de la tienda")),
                ("audit", _("Revisa la integridad de documentos, caja e inventario")),
                ("doctor", _("Diagnostica este PC: base de datos, disco, respaldos, red (--json)")),
                ("guide", _("Guías imprimibles para la mesa de ayuda (reinstall)")),
            ),
        ),
    )


def main() -> None:
    argv = sys.argv[1:]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itplus.store.settings")
    command = argv[0] if argv else "help"
    if command in HELP_FLAGS or (command == "help" and len(argv) == 1) or not argv:
        _print_help()
        return
    if command.startswith("-") or command in NEEDS_NO_STORE or HELP_FLAGS & set(argv):
        _run(argv)  # no store read, nothing written (importing the settings writes nothing)
        return
    if command == "reinstall":
        _reinstall_home_from_argv(argv)
    home = itplus_home_find()
    found = home is not None and store_files_exist(home)
    if command in CREATES_STORE:
        _create_and_run(argv, home=home or home_default_new(), found=found)
        return
    if not found:
        _fail_no_store(home)
    os.environ["ITPLUS_HOME"] = str(home)
    home_prepare(home)  # an existing store: its static folder and key, if missing
    _setup()
    problem = _database_problem()
    if problem is not None and command not in REPORTS_DATABASE:
        _fail(problem)
    _run(argv)


def _print_help() -> None:
    _setup()

    sys.stdout.write(
        help_text(
            prog="itplus",
            intro=_("itplus — punto de venta y gestión de la tienda."),
            groups=command_groups(),
            other_commands=get_commands(),
        )
    )


def _create_and_run(argv: list[str], *, home: Path, found: bool) -> None:
    os.environ["ITPLUS_HOME"] = str(home)
    home_prepare(home)
    _setup()
    new = not found or _database_problem() is not None
    if new:
        sys.stderr.write(_("Tienda nueva en %(home)s.") % {"home": home} + "\n")
        if argv[0] in ("setup", "demo"):
            call_command("migrate", interactive=False, verbosity=0)
    _run(argv)
    if new:
        recorded = home_recorded()
        if recorded is None or recorded.resolve() == home or not store_files_exist(recorded):
            home_record(home)  # the first store of this user: found from any folder


def _reinstall_home_from_argv(argv: list[str]) -> None:
    """``itplus reinstall --home DIR``: DIR is the store folder from the start."""
    for index, arg in enumerate(argv):
        if arg == "--home" and index + 1 < len(argv):
            os.environ["ITPLUS_HOME"] = str(Path(argv[index + 1]).resolve())
        elif arg.startswith("--home="):
            os.environ["ITPLUS_HOME"] = str(Path(arg.split("=", 1)[1]).resolve())


def _setup() -> None:
    django.setup()


def _run(argv: list[str]) -> None:
    execute_from_command_line([sys.argv[0], *argv])


def _database_problem() -> str | None:
    """Why the store's database cannot be used, or None (it is there and migrated)."""

    try:
        migrated = MigrationRecorder(connection).has_table()
    except DatabaseError as exc:
        return _(
            "No se pudo abrir la base de datos de la tienda (%(error)s). Revise DATABASE_URL "
            "o ITPLUS_HOME."
        ) % {"error": str(exc).strip()}
    if not migrated:
        return _(
            "La base de datos de la tienda está vacía: ejecute «itplus migrate» o "
            "«itplus setup store»."
        )
    return None


def _fail_no_store(home: Path | None) -> None:
    _setup()  # the settings and the translations; nothing is written

    if home is None:
        _fail(
            _(
                "No se encontró la tienda: no hay ITPLUS_HOME ni una tienda creada antes en "
                "este equipo. Ejecute «itplus setup store» para crear una (o «itplus demo» "
                "para probar), o defina ITPLUS_HOME con la carpeta de la tienda."
            )
        )
    _fail(
        _(
            "No se encontró la tienda en %(home)s (no hay base de datos). Ejecute «itplus "
            "setup store» para crear una allí, o defina ITPLUS_HOME con la carpeta de la tienda."
        )
        % {"home": home}
    )


def _fail(message: str) -> None:
    sys.stderr.write(message + "\n")
    raise SystemExit(EXIT_NO_STORE)


if __name__ == "__main__":
    main()
