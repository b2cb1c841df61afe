"""`itplus guide reinstall`: the printable reinstall procedure (S10).

A help-desk technician reads it to the shop over the phone; it works with no internet,
from a USB stick holding the Python installer, the itplus wheel files and the backups.

The command lines are built from the real management commands' parsers, so the guide
names the commands and options that exist in this version (``CommandCatalog``). A
command not installed yet is still written, with the options it is expected to have,
and recorded in ``Guide.references`` so a test can check every command the guide names
exists.
"""

from __future__ import annotations

import argparse
import textwrap
from dataclasses import dataclass, field
from functools import cached_property

from django.core.management import get_commands, load_command_class
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from itplus.store.maintenance.kit_layout import (
    BACKUPS_FOLDER,
    INSTALLER_FOLDER,
    LINUX_SCRIPT,
    PACKAGES_FOLDER,
    PYTHON_INSTALLER_HINT,
    PYTHON_VERSIONS,
    WINDOWS_SCRIPT,
)

# Options each command is expected to have, used only while the command is missing.
EXPECTED_OPTIONS: dict[str, set[str]] = {
    "reinstall": {"--from", "--home", "--key", "--passphrase-file"},
    "restore": {"--force", "--key", "--passphrase-file"},
}


@dataclass(frozen=True)
class Reference:
    """A command line the guide prints: command, subcommand and options it uses."""

    command: str
    subcommand: str
    options: tuple[str, ...]


@dataclass
class CommandSpec:
    options: set[str]
    subcommands: dict[str, set[str]] = field(default_factory=dict)


class CommandCatalog:
    """The options of the installed management commands, read from their parsers."""

    def __init__(self) -> None:
        self.references: list[Reference] = []

    @cached_property
    def _commands(self) -> dict[str, str]:
        return get_commands()

    def spec(self, name: str) -> CommandSpec | None:
        app = self._commands.get(name)
        if app is None:
            return None
        parser = load_command_class(app, name).create_parser("itplus", name)
        return _parser_spec(parser)

    def has(self, command: str, subcommand: str, option: str) -> bool:
        spec = self.spec(command)
        if spec is None:
            return option in EXPECTED_OPTIONS.get(command, set())
        options = spec.subcommands.get(subcommand, set()) if subcommand else spec.options
        return option in options

    def line(self, exe: str, command: str, *args: str | tuple[str, str]) -> str:
        """``itplus <command> [<subcommand>] <options>``: positional words first, then
        options as ``"--flag"`` or ``("--option", value)``; records the reference."""
        words = [command]
        subcommand = ""
        if args and isinstance(args[0], str) and not args[0].startswith("-"):
            subcommand = args[0]
            words.append(subcommand)
            args = args[1:]
        options = []
        for arg in args:
            if isinstance(arg, tuple):
                options.append(arg[0])
                words.extend([arg[0], _quote(arg[1])])
            elif arg.startswith("-"):
                options.append(arg)
                words.append(arg)
            else:
                words.append(_quote(arg))
        self.references.append(Reference(command, subcommand, tuple(options)))
        return " ".join([exe, *words])


def _parser_spec(parser: argparse.ArgumentParser) -> CommandSpec:
    spec = CommandSpec(options=set(parser._option_string_actions))
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                spec.subcommands[name] = set(sub._option_string_actions)
    return spec


def _quote(value: str) -> str:
    return f'"{value}"' if " " in value else value


@dataclass
class Command:
    line: str
    caption: str = ""  # e.g. "Si los respaldos están cifrados:"


@dataclass
class Step:
    title: str
    text: list[str] = field(default_factory=list)
    commands: list[str | Command] = field(default_factory=list)
    expect: str = ""

    def __post_init__(self) -> None:
        self.text = [t for t in self.text if t]
        self.commands = [c if isinstance(c, Command) else Command(c) for c in self.commands if c]


@dataclass
class Section:
    title: str
    intro: str
    steps: list[Step]


@dataclass
class Guide:
    title: str
    intro: list[str]
    sections: list[Section]
    references: list[Reference]


@dataclass(frozen=True)
class Platform:
    """Where things are on each system (paths only; the words are in ``build_guide``)."""

    key: str
    name: str
    usb: str  # the itplus folder on the USB stick (the kit: ``itplus kit build``)
    program: str  # the virtual environment
    home: str  # ITPLUS_HOME
    itplus: str  # the itplus executable
    pip: str
    make_venv: str
    set_home: str
    secret: str  # the passphrase file
    editor: str
    sep: str
    script: str  # the kit's install script, in ``installer``

    @property
    def backups(self) -> str:
        return f"{self.usb}{self.sep}{BACKUPS_FOLDER}"

    @property
    def wheels(self) -> str:
        return f"{self.usb}{self.sep}{PACKAGES_FOLDER}"

    @property
    def installer(self) -> str:
        return f"{self.usb}{self.sep}{INSTALLER_FOLDER}"

    @property
    def run_script(self) -> str:
        path = f"{self.installer}{self.sep}{self.script}"
        return path if self.key == "windows" else f"sh {path}"


WINDOWS = Platform(
    key="windows",
    name="Windows",
    usb="E:\\itplus",
    program="C:\\itplus\\programa",
    home="C:\\itplus\\datos",
    itplus="C:\\itplus\\programa\\Scripts\\itplus",
    pip="C:\\itplus\\programa\\Scripts\\pip",
    make_venv="py -3 -m venv C:\\itplus\\programa",
    set_home="setx ITPLUS_HOME C:\\itplus\\datos",
    secret="C:\\itplus\\frase.txt",
    editor="notepad C:\\itplus\\frase.txt",
    sep="\\",
    script=WINDOWS_SCRIPT,
)
LINUX = Platform(
    key="linux",
    name="Linux",
    usb="/media/itplus",
    program="~/itplus/programa",
    home="~/itplus/datos",
    itplus="~/itplus/programa/bin/itplus",
    pip="~/itplus/programa/bin/pip",
    make_venv="python3 -m venv ~/itplus/programa",
    set_home="echo 'export ITPLUS_HOME=~/itplus/datos' >> ~/.profile; export ITPLUS_HOME=~/itplus/datos",
    secret="~/itplus/frase.txt",
    editor="nano ~/itplus/frase.txt",
    sep="/",
    script=LINUX_SCRIPT,
)
BACKUP_PLACEHOLDER = "ARCHIVO"
KEY_PLACEHOLDER = "CLAVE"
SERVER_PLACEHOLDER = "192.168.1.10"


@dataclass(frozen=True)
class KitFacts:
    """What the guide printed into a kit knows of it (``itplus kit build``)."""

    store_name: str = ""
    store_rut: str = ""
    backup: str = ""  # the backup's file name in the kit's BACKUPS_FOLDER
    backup_created: str = ""
    encrypted: bool = False
    key_id: str = ""  # the backup key's fingerprint (the recovery sheet shows it too)
    python_installer: str = ""  # its file name in INSTALLER_FOLDER, when the kit has one


def python_versions_text() -> str:
    return _(" o ").join(PYTHON_VERSIONS)


def install_commands(p: Platform) -> list[str]:
    """Create the program's virtual environment and install itplus from the kit's wheels,
    without internet: the guide prints these and the kit's install scripts run them."""
    return [p.make_venv, f"{p.pip} install --no-index --find-links {p.wheels} itplus"]


def reinstall_line(
    p: Platform,
    catalog: CommandCatalog,
    *,
    backup: str,
    key: str | None,
    passphrase_file: str | None = None,
) -> str:
    """``itplus reinstall --from <backups>/<backup> --home <home> [--key K] [--passphrase-file F]``."""
    args: list[str | tuple[str, str]] = [("--from", p.sep.join([p.backups, backup]))]
    if catalog.has("reinstall", "", "--home"):
        args.append(("--home", p.home))
    if key is not None and catalog.has("reinstall", "", "--key"):
        args.append(("--key", key))
    if passphrase_file and catalog.has("reinstall", "", "--passphrase-file"):
        args.append(("--passphrase-file", passphrase_file))
    return catalog.line(p.itplus, "reinstall", *args)


def _install_steps(
    p: Platform, catalog: CommandCatalog, *, role: str, kit: KitFacts | None = None
) -> list[Step]:
    steps = [
        Step(
            _("Prepare lo necesario"),
            [
                _("El computador encendido, con el pendrive de respaldo conectado."),
                _(
                    "La hoja de recuperación de la tienda (tiene la clave de respaldo y, "
                    "si los respaldos están cifrados, la frase de paso)."
                )
                if role == "server"
                else _(
                    "La dirección del servidor de la tienda (se ve en el servidor con el paso «Anote la dirección del servidor»)."
                ),
                _("No se necesita internet ni CD."),
            ],
        )
    ]
    if p.key == "windows":
        steps += [
            Step(
                _("Busque la letra del pendrive"),
                [
                    _(
                        "Abra «Este equipo» (tecla Windows + E). El pendrive aparece como "
                        "«Unidad USB» con una letra, por ejemplo E:. Esta guía usa E:; si "
                        "su letra es otra, cámbiela en cada comando."
                    ),
                    _(
                        "Dentro del pendrive debe haber una carpeta itplus con las carpetas instalador, paquetes y respaldos."
                    ),
                ],
            ),
            Step(
                _("Instale Python (solo si el computador es nuevo o fue formateado)"),
                [
                    _(
                        "Abra la carpeta %(folder)s y haga doble clic en el instalador de "
                        "Python (%(file)s). Sirve Python %(versions)s de 64 bits: los paquetes "
                        "del pendrive son para esas versiones."
                    )
                    % {
                        "folder": p.installer,
                        "file": (kit.python_installer if kit else "") or PYTHON_INSTALLER_HINT,
                        "versions": python_versions_text(),
                    },
                    _(
                        "Marque la casilla «Add python.exe to PATH» y presione «Install Now». Espere a que diga «Setup was successful»."
                    ),
                ],
            ),
            Step(
                _("Abra la ventana de comandos"),
                [
                    _(
                        "Presione las teclas Windows + R, escriba cmd y presione Enter. Se "
                        "abre una ventana negra: cada comando de esta guía se escribe ahí, "
                        "exactamente como está, y se termina con Enter."
                    )
                ],
            ),
        ]
    else:
        steps += [
            Step(
                _("Monte el pendrive y abra una terminal"),
                [
                    _(
                        "Conecte el pendrive y abra una terminal (Ctrl + Alt + T). Esta "
                        "guía supone que la carpeta itplus del pendrive está en %(usb)s; "
                        "si está en otra ruta (por ejemplo /media/usuario/PENDRIVE/itplus), "
                        "cámbiela en cada comando."
                    )
                    % {"usb": p.usb},
                    _(
                        "Python %(versions)s debe estar instalado (python3 --version): los "
                        "paquetes del pendrive son para esas versiones."
                    )
                    % {"versions": python_versions_text()},
                ],
                commands=["python3 --version"],
            ),
        ]
    steps += [
        Step(
            _("Cree la carpeta del programa"),
            [
                _(
                    "Atajo: el instalador del pendrive (%(script)s) hace este paso, el "
                    "siguiente y el de la carpeta de datos, y reinstala la tienda desde el "
                    "respaldo del pendrive. Si lo usa y termina con «IDÉNTICO», siga con "
                    "«%(next)s»."
                )
                % {"script": p.run_script, "next": _("Audite los datos reinstalados")}
                if role == "server"
                else ""
            ],
            commands=[install_commands(p)[0]],
            expect=_("No muestra nada si todo está bien."),
        ),
        Step(
            _("Instale itplus desde el pendrive (sin internet)"),
            commands=[install_commands(p)[1]],
            expect=_("Termina con «Successfully installed … itplus-…»."),
        ),
        Step(
            _("Indique la carpeta de datos de la tienda"),
            [
                _("Los datos de la tienda quedarán en %(home)s.") % {"home": p.home},
                _(
                    "En Windows, cierre la ventana de comandos y abra una nueva después de este paso."
                )
                if p.key == "windows"
                else _(
                    "Agregue esta línea también al final de /etc/environment para que quede permanente."
                ),
            ],
            commands=[p.set_home],
        ),
    ]
    return steps


def _server_steps(p: Platform, catalog: CommandCatalog, kit: KitFacts | None = None) -> list[Step]:
    itplus = p.itplus
    backup = (kit.backup if kit else "") or BACKUP_PLACEHOLDER
    key_opts: list[tuple[str, str]] = []
    if catalog.has("backup", "verify", "--key"):
        key_opts.append(("--key", KEY_PLACEHOLDER))
    verify_all = catalog.line(
        itplus, "backup", "verify", "--all", ("--folder", p.backups), *key_opts
    )
    verify_all_encrypted = catalog.line(
        itplus,
        "backup",
        "verify",
        "--all",
        ("--folder", p.backups),
        *key_opts,
        ("--passphrase-file", p.secret),
    )
    reinstall = reinstall_line(p, catalog, backup=backup, key=KEY_PLACEHOLDER)
    reinstall_encrypted = (
        reinstall_line(p, catalog, backup=backup, key=KEY_PLACEHOLDER, passphrase_file=p.secret)
        if catalog.has("reinstall", "", "--passphrase-file")
        else ""
    )
    steps = [
        Step(
            _("Si los respaldos están cifrados: escriba la frase de paso en un archivo"),
            [
                _(
                    "Solo si la hoja de recuperación dice que los respaldos están cifrados. "
                    "Se abre un editor: escriba la frase de paso en la primera línea, "
                    "exactamente como está en la hoja, guarde y cierre."
                ),
            ],
            commands=[p.editor],
        ),
        Step(
            _("Revise los respaldos del pendrive antes de usar uno"),
            [
                _(
                    "Cambie %(key)s por la clave de respaldo de la hoja de recuperación "
                    "(64 letras y números). Se lee cada respaldo completo: puede tardar "
                    "unos minutos."
                )
                % {"key": KEY_PLACEHOLDER},
            ],
            commands=[
                Command(verify_all, _("Respaldos sin cifrar:")),
                Command(
                    verify_all_encrypted, _("Respaldos cifrados (con la frase del paso anterior):")
                ),
            ],
            expect=_(
                "Una línea por respaldo, «bueno» o con el motivo del problema, y al final "
                "el respaldo bueno más reciente."
            ),
        ),
        Step(
            _("Elija el respaldo bueno más reciente"),
            [
                _(
                    "Use el archivo que el paso anterior nombró como el bueno más reciente. "
                    "Nunca use un respaldo marcado con problemas, aunque sea más nuevo: "
                    "puede estar dañado o alterado."
                ),
                _(
                    "Si ninguno está bueno, deténgase aquí y llame a la mesa de ayuda: no "
                    "reinstale."
                ),
            ],
        ),
        Step(
            _("Reinstale la tienda desde ese respaldo"),
            [
                _(
                    "Cambie %(file)s por el nombre del archivo elegido y %(key)s por la clave de respaldo."
                )
                % {"file": BACKUP_PLACEHOLDER, "key": KEY_PLACEHOLDER}
                if backup == BACKUP_PLACEHOLDER
                else _(
                    "El pendrive trae el respaldo %(file)s, verificado bueno al preparar el "
                    "pendrive. Si el paso anterior nombró otro más reciente, cambie el nombre. "
                    "Cambie %(key)s por la clave de respaldo."
                )
                % {"file": backup, "key": KEY_PLACEHOLDER},
            ],
            commands=[
                Command(reinstall, _("Respaldo sin cifrar:")) if reinstall_encrypted else reinstall,
                Command(reinstall_encrypted, _("Respaldo cifrado:")) if reinstall_encrypted else "",
            ],
            expect=_(
                "Una tabla con cada tabla de datos («igual»), las líneas «Resumen en el "
                "manifiesto» y «Resumen restaurado» y, al final, «IDÉNTICO»."
            ),
        ),
        Step(
            _("Compare los resúmenes del contenido"),
            [
                _(
                    "Los dos resúmenes (64 letras y números) deben ser idénticos: así se "
                    "comprueba que los datos reinstalados son exactamente los del respaldo. "
                    "Léale al técnico los primeros 8 y los últimos 8 caracteres de cada uno; "
                    "él los compara con el resumen que se mostró al crear ese respaldo. Si "
                    "dice DISTINTO o no coinciden, deténgase y llame a la mesa de ayuda."
                )
            ],
        ),
        Step(
            _("Audite los datos reinstalados"),
            commands=[catalog.line(itplus, "audit")],
            expect=_("«Auditoría: sin problemas.»"),
        ),
        Step(
            _("Inicie la tienda"),
            [
                _(
                    "Deje esta ventana abierta mientras la tienda funcione. Abra el "
                    "navegador en http://localhost:8000/ e ingrese con un usuario "
                    "administrador."
                )
            ],
            commands=[catalog.line(itplus, "serve")],
            expect=_("«itplus: tienda en http://0.0.0.0:8000/»"),
        ),
        Step(
            _("Anote la dirección del servidor"),
            [_("Busque la «Dirección IPv4» (por ejemplo 192.168.1.10): las cajas la necesitan.")]
            if p.key == "windows"
            else [
                _(
                    "La primera dirección que aparece (por ejemplo 192.168.1.10): las cajas la necesitan."
                )
            ],
            commands=["ipconfig" if p.key == "windows" else "hostname -I"],
        ),
        Step(
            _("Vincule las cajas"),
            [
                _(
                    "En cada caja, abra el navegador en http://%(server)s:8000/pos/vincular/ "
                    "(con la dirección del paso anterior) y un supervisor ingresa su PIN. "
                    "Repita en cada caja."
                )
                % {"server": SERVER_PLACEHOLDER},
            ],
        ),
        Step(
            _("Haga una venta de prueba"),
            [
                _(
                    "En una caja, venda un producto de bajo valor y cóbrelo en efectivo: "
                    "revise que la boleta salga con el número siguiente al último que "
                    "tenía la tienda y que la impresora funcione. Es una venta real."
                )
            ],
        ),
        Step(
            _("Tome un respaldo nuevo"),
            [_("Con la tienda ya funcionando, deje un respaldo del estado reinstalado.")],
            commands=[
                catalog.line(itplus, "backup", "create", "--verify")
                if catalog.has("backup", "create", "--verify")
                else catalog.line(itplus, "backup", "create")
            ],
        ),
    ]
    return steps


def _terminal_steps(p: Platform, catalog: CommandCatalog) -> list[Step]:
    steps = []
    if catalog.has("reinstall", "", "--server"):
        args: list[str | tuple[str, str]] = []
        if catalog.has("reinstall", "", "--role"):
            args.append(("--role", "terminal"))
        args.append(("--server", f"http://{SERVER_PLACEHOLDER}:8000"))
        if catalog.has("reinstall", "", "--home"):
            args.append(("--home", p.home))
        steps.append(
            Step(
                _("Configure la caja con la dirección del servidor"),
                [
                    _(
                        "Cambie %(server)s por la dirección del servidor (el paso «Anote la "
                        "dirección del servidor» de la reinstalación del servidor)."
                    )
                    % {"server": SERVER_PLACEHOLDER}
                ],
                commands=[catalog.line(p.itplus, "reinstall", *args)],
                expect=_("«Terminal configurado: usa el servidor http://…»"),
            )
        )
    steps += [
        Step(
            _("Abra la caja en el navegador"),
            [
                _(
                    "Una caja no guarda datos propios: todo está en el servidor. Abra el "
                    "navegador en http://%(server)s:8000/pos/vincular/ (la dirección del "
                    "servidor) y un supervisor ingresa su PIN."
                )
                % {"server": SERVER_PLACEHOLDER},
            ],
        ),
        Step(
            _("Haga una venta de prueba"),
            [_("Venda un producto de bajo valor y revise que la boleta se imprima.")],
        ),
    ]
    return steps


def _kit_intro(kit: KitFacts | None) -> list[str]:
    if kit is None:
        return []
    lines = [
        _("Tienda: %(name)s (RUT %(rut)s).")
        % {"name": kit.store_name or _("sin nombre"), "rut": kit.store_rut or _("sin RUT")}
    ]
    if kit.backup:
        lines.append(
            _(
                "Respaldo en el pendrive: %(file)s (del %(when)s, %(kind)s). La clave de "
                "respaldo está en la hoja de recuperación; su huella debe ser %(kid)s."
            )
            % {
                "file": kit.backup,
                "when": kit.backup_created or "?",
                "kind": _("cifrado") if kit.encrypted else _("sin cifrar"),
                "kid": kit.key_id or "?",
            }
        )
    else:
        lines.append(
            _(
                "Este pendrive no trae respaldo: copie a la carpeta %(folder)s el respaldo "
                "bueno más reciente de la tienda."
            )
            % {"folder": BACKUPS_FOLDER}
        )
    return lines


def build_guide(catalog: CommandCatalog | None = None, kit: KitFacts | None = None) -> Guide:
    """The reinstall procedure for Windows and Linux, server and till, from the real
    command parsers; ``kit``: filled in for the store and the backup of a kit."""
    catalog = catalog or CommandCatalog()
    sections = []
    for platform in (WINDOWS, LINUX):
        sections.append(
            Section(
                title=_("%(system)s — servidor de la tienda") % {"system": platform.name},
                intro=_(
                    "El computador que guarda los datos (donde se reinstala desde el respaldo)."
                ),
                steps=[
                    *_install_steps(platform, catalog, role="server", kit=kit),
                    *_server_steps(platform, catalog, kit),
                ],
            )
        )
    for platform in (WINDOWS, LINUX):
        steps = _terminal_steps(platform, catalog)
        if catalog.has("reinstall", "", "--server"):
            steps = [*_install_steps(platform, catalog, role="terminal", kit=kit), *steps]
        sections.append(
            Section(
                title=_("%(system)s — caja (terminal)") % {"system": platform.name},
                intro=_("Un computador de caja: primero reinstale el servidor."),
                steps=steps,
            )
        )
    return Guide(
        title=_("Reinstalación de itplus desde un respaldo"),
        intro=[
            _(
                "Procedimiento para reinstalar la tienda en un computador nuevo o "
                "formateado, sin internet, con el pendrive de respaldo. Siga los pasos en "
                "orden; no se salte la revisión de los respaldos."
            ),
            _(
                "Si se sospecha de un virus, no use el computador dañado: reinstale en "
                "uno limpio y use el respaldo bueno más reciente."
            ),
            *_kit_intro(kit),
        ],
        sections=sections,
        references=catalog.references,
    )


# File names and paths are read aloud over the phone: never split them at a hyphen.
_WRAP = {"break_on_hyphens": False, "break_long_words": False}


def render_text(guide: Guide, width: int = 78) -> str:
    out = [guide.title.upper(), "=" * len(guide.title), ""]
    for paragraph in guide.intro:
        out += [textwrap.fill(paragraph, width, **_WRAP), ""]
    for section in guide.sections:
        out += [
            section.title,
            "-" * len(section.title),
            textwrap.fill(section.intro, width, **_WRAP),
            "",
        ]
        for number, step in enumerate(section.steps, start=1):
            head = f"{number:>2}. "
            out.append(f"{head}{step.title}")
            for paragraph in step.text:
                out.append(
                    textwrap.fill(
                        paragraph, width, initial_indent="    ", subsequent_indent="    ", **_WRAP
                    )
                )
            for command in step.commands:
                if command.caption:
                    out.append(f"    {command.caption}")
                out.append(f"      > {command.line}")
            if step.expect:
                out.append(
                    textwrap.fill(
                        _("Debe ver: %(expect)s") % {"expect": step.expect},
                        width,
                        initial_indent="    ",
                        subsequent_indent="    ",
                        **_WRAP,
                    )
                )
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def render_html(guide: Guide) -> str:
    return render_to_string("maintenance/guide.html", {"guide": guide})
