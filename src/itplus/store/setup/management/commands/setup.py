"""``itplus setup store``: the store's identity from the console (same rules as the page)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from itplus.store.config import InvalidStoreIdentity, get_config, store_identity_set
from itplus.store.config.schema import IDENTITY_REQUIRED
from itplus.store.config.services import IDENTITY_LABELS
from itplus.store.setup.subcommands import setup_subcommands
from itplus.store.setup.terminal import terminal_add_arguments, terminal_handle

OPTIONAL = ("phone", "receipt_footer")


class Command(BaseCommand):
    help = _(
        "Configura la tienda: itplus setup store --name … --rut … --giro … ; "
        "itplus setup server; itplus setup terminal --server http://EQUIPO:8000"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        store = sub.add_parser("store", help=_("datos de la tienda que se imprimen en la boleta"))
        store.add_argument("--name", help=_("nombre de fantasía"))
        store.add_argument("--rut", help=_("RUT de la empresa, por ejemplo 76.354.721-3"))
        store.add_argument("--giro", help=_("giro inscrito en el SII"))
        store.add_argument("--address", help=_("dirección"))
        store.add_argument("--comuna", help=_("comuna"))
        store.add_argument("--phone", help=_("teléfono (opcional)"))
        store.add_argument("--footer", dest="receipt_footer", help=_("pie de la boleta (opcional)"))
        store.add_argument(
            "--no-input",
            "--noinput",
            dest="interactive",
            action="store_false",
            help=_("no preguntar lo que falte"),
        )
        terminal = sub.add_parser(
            "terminal", help=_("vincula este equipo como caja de un servidor de la red local")
        )
        terminal_add_arguments(terminal)
        for registered in setup_subcommands():
            registered.add_arguments(sub.add_parser(registered.name, help=registered.help))

    def handle(self, *args, what: str, **options):
        if what == "terminal":
            return terminal_handle(self, **options)
        for registered in setup_subcommands():
            if registered.name == what:
                return registered.handle(self, **options)
        return self._store(**options)

    def _store(self, *, interactive: bool = True, **options):
        values = {key: options.get(key) for key in (*IDENTITY_REQUIRED, *OPTIONAL)}
        interactive = interactive and sys.stdin.isatty()
        current = get_config().store
        ask = [key for key in IDENTITY_REQUIRED if values[key] is None]
        if interactive:
            ask += [key for key in OPTIONAL if values[key] is None]
        else:  # what is not given stays as it is: `itplus setup store --phone …` works
            for key in (*IDENTITY_REQUIRED, "phone"):
                if values[key] is None:
                    values[key] = getattr(current, key)
        while True:
            if interactive:
                for key in ask:
                    values[key] = self._prompt(key, default=getattr(current, key))
            missing = [key for key in IDENTITY_REQUIRED if not values[key]]
            if missing and not interactive:
                raise CommandError(
                    _("Faltan datos de la tienda: %(flags)s.")
                    % {"flags": ", ".join(f"--{key}" for key in missing)}
                )
            try:
                identity = store_identity_set(
                    **{key: values[key] or "" for key in (*IDENTITY_REQUIRED, "phone")},
                    receipt_footer=values["receipt_footer"],
                )
                break
            except InvalidStoreIdentity as exc:
                if not interactive:
                    raise CommandError(exc.message)
                for message in exc.errors.values():
                    self.stderr.write(message)
                ask = list(exc.errors)
        self.stdout.write(
            _("Datos de la tienda guardados: %(name)s, RUT %(rut)s, %(comuna)s.")
            % {"name": identity.name, "rut": identity.rut, "comuna": identity.comuna}
        )

    def _prompt(self, key: str, *, default: str) -> str:
        label = str(IDENTITY_LABELS[key])
        suffix = f" [{default}]" if default else ""
        answer = input(f"{label}{suffix}: ").strip()
        return answer or default
