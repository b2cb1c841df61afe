"""``itplus doctor``: is this PC ready to sell? Each check says OK, AVISO or FALLA, and
what to do.

On every PC: the database (reachable, which engine, migrated), the free disk space of
ITPLUS_HOME and of the backups folder, the printer (a TCP connection to the configured
network printer, printing nothing). On the server: the backups (the newest one's age and
state, and the last good verification — maintenance's ``BackupInfo``, never the headers
read here) and the offline sales the terminals still hold (``Terminal.pending_offline_sales``,
as their heartbeats reported it). On a terminal PC ([install] role "terminal" or a
``terminal_token``): the server (``GET /api/v1/doctor/ping`` with the terminal's token,
the latency), the clock skew against the server's clock, whether this PC and the server
are on the same network segment (S9: the local interfaces' addresses and masks against
the server's resolved address) and this terminal's pending offline sales as the server
knows them.

The result's ``exit_code`` is 0 when every check is OK, 1 with some AVISO, 2 with some
FALLA. The checks are plain functions of what they are given (a folder, a URL, a list of
interface addresses), so the tests run each against real conditions.
"""

from __future__ import annotations

import ipaddress
import json
import shutil
import socket
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import psutil
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from itplus.store.config import get_config
from itplus.store.maintenance.backup import app_version
from itplus.store.maintenance.backup_folder import backup_list
from itplus.store.maintenance.models import DoctorLevel
from itplus.store.maintenance.scheduling import backup_settings
from itplus.store.printing.services import printer_probe
from itplus.store.terminals.models import Terminal

OK, AVISO, FALLA = DoctorLevel.OK.value, DoctorLevel.AVISO.value, DoctorLevel.FALLA.value
LEVELS = (OK, AVISO, FALLA)  # from best to worst
EXIT_CODES = {OK: 0, AVISO: 1, FALLA: 2}

# Free space below which a disk is a problem: a backup of a large store takes a few
# hundred MB, and SQLite needs room to grow its WAL.
DISK_FALLA_BYTES = 1 * 1024**3
DISK_AVISO_BYTES = 5 * 1024**3
# The daily backup runs at [backup] hour; a day and some margin without one is late.
BACKUP_AVISO_AGE = timedelta(hours=30)
BACKUP_FALLA_AGE = timedelta(days=7)
VERIFY_AVISO_AGE = timedelta(days=30)
PRINTER_TIMEOUT = 2.0
SERVER_TIMEOUT = 3.0
PINGS = 3
LATENCY_AVISO_MS = 100.0  # on one LAN a request takes a few ms
# Offline sales carry the terminal's clock as their time of sale.
SKEW_AVISO_S = 2.0
SKEW_FALLA_S = 60.0
PING_PATH = "/api/v1/doctor/ping"
REPORTS_PATH = "/api/v1/doctor/reports"


@dataclass(frozen=True)
class CheckResult:
    key: str  # stable, for the JSON and the tests: "database", "disk_home", …
    title: str
    level: str  # ok | aviso | falla
    detail: str
    action: str = ""  # what to do (empty when OK)
    data: dict[str, Any] = field(default_factory=dict)  # the measured figures

    @property
    def label(self) -> str:
        return DoctorLevel(self.level).label


@dataclass(frozen=True)
class DoctorResult:
    role: str  # server | terminal
    ran_at: datetime
    checks: tuple[CheckResult, ...]
    version: str = ""

    @property
    def level(self) -> str:
        return worst_level(check.level for check in self.checks)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.level]

    def as_dict(self) -> dict[str, Any]:
        return {
            "role": self.role,
            "ran_at": self.ran_at.isoformat(),
            "version": self.version,
            "level": self.level,
            "exit_code": self.exit_code,
            "checks": [asdict(check) for check in self.checks],
        }


def worst_level(levels: Iterable[str]) -> str:
    return max(levels, key=LEVELS.index, default=OK)


# --- Database and disk ---------------------------------------------------------------------


def check_database() -> CheckResult:
    title = _("Base de datos")
    try:
        connection.ensure_connection()
        engine = _engine_name()
        if not MigrationRecorder(connection).has_table():
            return CheckResult(
                "database",
                title,
                FALLA,
                _("%(engine)s responde, pero la base de datos de la tienda está vacía.")
                % {"engine": engine},
                _("Ejecute «itplus migrate» (o restaure un respaldo: «itplus restore»)."),
                {"engine": connection.vendor, "version": engine},
            )
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        return CheckResult(
            "database",
            title,
            FALLA,
            _("No responde (%(error)s).") % {"error": _one_line(exc)},
            _(
                "Revise que el servidor de base de datos esté encendido y que DATABASE_URL "
                "(o ITPLUS_HOME) apunte a la tienda."
            ),
            {"engine": connection.vendor},
        )
    data = {"engine": connection.vendor, "version": engine, "pending_migrations": len(plan)}
    if plan:
        return CheckResult(
            "database",
            title,
            AVISO,
            ngettext(
                "%(engine)s responde, pero falta %(count)d actualización.",
                "%(engine)s responde, pero faltan %(count)d actualizaciones.",
                len(plan),
            )
            % {"engine": engine, "count": len(plan)},
            _("Ejecute «itplus migrate»."),
            data,
        )
    return CheckResult(
        "database",
        title,
        OK,
        _("%(engine)s responde y está al día.") % {"engine": engine},
        "",
        data,
    )


def _engine_name() -> str:
    if connection.vendor == "postgresql":
        major, rest = divmod(connection.pg_version, 10000)
        return f"PostgreSQL {major}.{rest % 100}"
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("select sqlite_version()")
            return f"SQLite {cursor.fetchone()[0]}"
    return connection.display_name


def disk_level(free: int) -> str:
    if free < DISK_FALLA_BYTES:
        return FALLA
    if free < DISK_AVISO_BYTES:
        return AVISO
    return OK


def check_disk(*, key: str, title: str, path: Path) -> CheckResult:
    """Free space on the disk that holds ``path`` (or, if it does not exist yet, the
    nearest folder above it that does: where it will be created)."""
    existing = Path(path)
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        usage = shutil.disk_usage(existing)
    except OSError as exc:
        return CheckResult(
            key,
            title,
            FALLA,
            _("No se pudo leer %(path)s (%(error)s).") % {"path": path, "error": _one_line(exc)},
            _("Revise que el disco esté conectado y que la carpeta exista."),
            {"path": str(path)},
        )
    level = disk_level(usage.free)
    detail = _("%(free)s libres de %(total)s en %(path)s.") % {
        "free": _size(usage.free),
        "total": _size(usage.total),
        "path": path,
    }
    action = {
        OK: "",
        AVISO: _(
            "Queda poco espacio: borre archivos que no use o mueva los respaldos a otro disco."
        ),
        FALLA: _(
            "Casi no queda espacio: libere espacio ya (la tienda y los respaldos pueden fallar)."
        ),
    }[level]
    return CheckResult(
        key,
        title,
        level,
        detail,
        action,
        {"path": str(path), "free": usage.free, "total": usage.total},
    )


def _size(size: int) -> str:
    gib = size / 1024**3
    if gib >= 1:
        return f"{gib:.1f} GB".replace(".", ",")
    return f"{size / 1024**2:.0f} MB"


# --- Backups -------------------------------------------------------------------------------


def check_backups(*, folder: Path, now: datetime) -> CheckResult:
    """The newest backup of ``folder``: its age and state, and the last good verification."""
    title = _("Respaldos")
    infos = backup_list(folder=folder)
    if not infos:
        return CheckResult(
            "backups",
            title,
            FALLA,
            _("No hay respaldos en %(folder)s.") % {"folder": folder},
            _("Cree uno ahora: «itplus backup create» (o «Crear respaldo ahora» en Mantención)."),
            {"folder": str(folder), "count": 0},
        )
    newest = infos[0]
    verified = [info for info in infos if info.is_good and info.verified_at]
    last_verified = max(verified, key=lambda info: info.verified_at, default=None)
    data = {
        "folder": str(folder),
        "count": len(infos),
        "newest": newest.name,
        "newest_at": newest.created_at.isoformat() if newest.created_at else None,
        "newest_status": newest.status,
        "verified_at": last_verified.verified_at.isoformat() if last_verified else None,
    }
    create = _("Cree uno ahora: «itplus backup create», y revise por qué no se tomó solo.")
    if newest.created_at is None or newest.is_good is False:
        return CheckResult(
            "backups",
            title,
            FALLA,
            _("El respaldo más reciente, %(name)s, está dañado (%(reason)s).")
            % {"name": newest.name, "reason": newest.reason or newest.status_label},
            create,
            data,
        )
    age = now - newest.created_at
    when = _local(newest.created_at)
    if age > BACKUP_FALLA_AGE:
        return CheckResult(
            "backups",
            title,
            FALLA,
            _("El último respaldo es del %(when)s: hace %(days)d días.")
            % {"when": when, "days": age.days},
            create,
            data,
        )
    detail = _("Último respaldo: %(when)s.") % {"when": when}
    if last_verified is None:
        detail += " " + _("Ninguno está verificado.")
    else:
        detail += " " + _("Última verificación buena: %(when)s (%(name)s).") % {
            "when": _local(last_verified.verified_at),
            "name": last_verified.name,
        }
    if age > BACKUP_AVISO_AGE:
        return CheckResult(
            "backups",
            title,
            AVISO,
            detail,
            _(
                "No hay respaldo de hoy: revise que «itplus serve» esté funcionando, o cree "
                "uno: «itplus backup create»."
            ),
            data,
        )
    if last_verified is None or now - last_verified.verified_at > VERIFY_AVISO_AGE:
        return CheckResult(
            "backups",
            title,
            AVISO,
            detail,
            _(
                "Verifique el respaldo más reciente: «itplus backup verify» (o «Verificar» en Mantención)."
            ),
            data,
        )
    return CheckResult("backups", title, OK, detail, "", data)


def _local(when: datetime) -> str:
    return date_format(timezone.localtime(when), "d-m-Y H:i")


# --- Printer -------------------------------------------------------------------------------


def check_printer() -> CheckResult:
    title = _("Impresora")
    probe = printer_probe(timeout=PRINTER_TIMEOUT)
    if probe is None:
        return CheckResult(
            "printer",
            title,
            AVISO,
            _("No configurada: las boletas se muestran en pantalla."),
            _(
                "Si hay impresora de boletas, indíquela en itplus.toml: [printer] kind = "
                '"network", host y port.'
            ),
        )
    data = {"host": probe.host, "port": probe.port, "latency_ms": probe.latency_ms}
    where = f"{probe.host}:{probe.port}"
    if not probe.reachable:
        return CheckResult(
            "printer",
            title,
            FALLA,
            _("No responde en %(where)s (%(error)s).") % {"where": where, "error": probe.error},
            _(
                "Revise que la impresora esté encendida, con cable de red, y que su dirección "
                "sea la de [printer] en itplus.toml."
            ),
            data,
        )
    if probe.error == "busy":
        detail = _("Imprimiendo ahora en %(where)s.") % {"where": where}
    else:
        detail = _("Responde en %(where)s (%(ms).0f ms).") % {
            "where": where,
            "ms": probe.latency_ms,
        }
    return CheckResult("printer", title, OK, detail, "", data)


# --- Offline sales (server) ----------------------------------------------------------------


def pending_offline_sales(terminal: Terminal) -> int | None:
    """The offline sales a terminal still holds, as its last heartbeat said; None where
    this store does not record them yet."""
    return getattr(terminal, "pending_offline_sales", None)


def check_pending_on_server(*, terminals: Iterable[Terminal] | None = None) -> CheckResult:
    """The offline sales the terminals (by default every active one) still hold."""
    title = _("Ventas sin sincronizar")
    try:
        if terminals is None:
            terminals = Terminal.objects.filter(is_active=True)
        pending = {
            terminal.name: count
            for terminal in terminals
            if (count := pending_offline_sales(terminal))
        }
    except DatabaseError:
        return CheckResult(
            "pending_offline_sales",
            title,
            AVISO,
            _("No se sabe: la base de datos no responde."),
            _("Se revisa cuando la base de datos responda."),
        )
    if not pending:
        return CheckResult(
            "pending_offline_sales",
            title,
            OK,
            _("Ningún terminal tiene ventas sin sincronizar."),
            data={"total": 0},
        )
    listing = ", ".join(f"{name}: {count}" for name, count in sorted(pending.items()))
    return CheckResult(
        "pending_offline_sales",
        title,
        AVISO,
        _("Ventas hechas sin conexión que aún no llegan: %(listing)s.") % {"listing": listing},
        _("Deje abierta la caja de esos terminales con red: se envían solas."),
        {"total": sum(pending.values()), "terminals": pending},
    )


# --- Terminal: the server --------------------------------------------------------------------


@dataclass(frozen=True)
class Ping:
    latency_ms: float  # the median of the round trips
    skew_s: float  # server clock minus this PC's, at the fastest round trip
    version: str
    terminal: str
    pending_offline_sales: int | None


class ServerUnreachable(Exception):
    def __init__(self, message: str, *, unauthorized: bool = False):
        super().__init__(message)
        self.unauthorized = unauthorized


def _request(url: str, *, token: str, timeout: float, body: bytes | None = None) -> bytes:
    request = urllib.request.Request(
        url,
        data=body,
        method="POST" if body is not None else "GET",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 401:
            raise ServerUnreachable(
                _("el servidor no acepta el token de este terminal"), unauthorized=True
            ) from exc
        raise ServerUnreachable(_("el servidor respondió %(code)s") % {"code": exc.code}) from exc
    except (OSError, ValueError) as exc:  # URLError, timeouts, refused connections
        reason = getattr(exc, "reason", exc)
        raise ServerUnreachable(
            _one_line(reason if isinstance(reason, Exception) else exc)
        ) from exc


def server_ping(*, server_url: str, token: str, timeout: float = SERVER_TIMEOUT) -> Ping:
    """``PINGS`` requests to the server's ping; raises ``ServerUnreachable``."""
    url = server_url.rstrip("/") + PING_PATH
    trips: list[tuple[float, float, dict[str, Any]]] = []  # (round trip s, skew s, body)
    for _attempt in range(PINGS):
        sent_wall, sent = time.time(), time.monotonic()
        raw = _request(url, token=token, timeout=timeout)
        trip = time.monotonic() - sent
        try:
            body = json.loads(raw)
            server_time = datetime.fromisoformat(body["server_time"]).timestamp()
        except (ValueError, KeyError, TypeError) as exc:
            raise ServerUnreachable(_("la respuesta no es la de un servidor itplus")) from exc
        trips.append((trip, server_time - (sent_wall + trip / 2), body))
    fastest = min(trips, key=lambda t: t[0])
    body = fastest[2]
    return Ping(
        latency_ms=statistics.median(t[0] for t in trips) * 1000,
        skew_s=fastest[1],
        version=str(body.get("version", "")),
        terminal=str(body.get("terminal", "")),
        pending_offline_sales=body.get("pending_offline_sales"),
    )


def check_server(*, server_url: str, ping: Ping | ServerUnreachable | None) -> CheckResult:
    title = _("Servidor")
    if ping is None:
        return CheckResult(
            "server",
            title,
            FALLA,
            _("Este terminal no tiene servidor configurado."),
            _("Empareje este PC con el servidor: «itplus setup terminal --server http://IP:8000»."),
        )
    if isinstance(ping, ServerUnreachable):
        action = (
            _(
                "El terminal fue revocado o su token cambió: vuelva a emparejarlo con «itplus setup terminal»."
            )
            if ping.unauthorized
            else _(
                "Revise que el PC servidor esté encendido, con «itplus serve» funcionando, y "
                "que este PC esté conectado a la misma red. La caja sigue vendiendo sin conexión."
            )
        )
        return CheckResult(
            "server",
            title,
            FALLA,
            _("No responde en %(url)s: %(error)s.") % {"url": server_url, "error": ping},
            action,
            {"url": server_url},
        )
    data = {"url": server_url, "latency_ms": round(ping.latency_ms, 1), "version": ping.version}
    detail = _("Responde en %(url)s en %(ms).0f ms (versión %(version)s).") % {
        "url": server_url,
        "ms": ping.latency_ms,
        "version": ping.version,
    }
    if ping.latency_ms > LATENCY_AVISO_MS:
        return CheckResult(
            "server",
            title,
            AVISO,
            detail,
            _("La red está lenta: revise el cable o el wifi de este PC y del servidor."),
            data,
        )
    return CheckResult("server", title, OK, detail, "", data)


def check_clock(ping: Ping | ServerUnreachable | None) -> CheckResult:
    title = _("Hora del equipo")
    if not isinstance(ping, Ping):
        return CheckResult(
            "clock",
            title,
            AVISO,
            _("No se pudo comparar con el servidor (no responde)."),
            _("Se revisa cuando el servidor responda."),
        )
    skew = ping.skew_s
    data = {"skew_s": round(skew, 3)}
    detail = (
        _("Este PC va %(s).1f s adelantado respecto del servidor.")
        if skew < 0
        else _("Este PC va %(s).1f s atrasado respecto del servidor.")
    ) % {"s": abs(skew)}
    if abs(skew) < SKEW_AVISO_S:
        return CheckResult("clock", title, OK, detail, "", data)
    return CheckResult(
        "clock",
        title,
        FALLA if abs(skew) >= SKEW_FALLA_S else AVISO,
        detail,
        _(
            "Ajuste la fecha y hora de este PC (sincronización automática de hora de Windows "
            "o timedatectl set-ntp true): las ventas sin conexión llevan la hora de este PC."
        ),
        data,
    )


def check_pending_on_terminal(ping: Ping | ServerUnreachable | None) -> CheckResult:
    title = _("Ventas sin sincronizar")
    if not isinstance(ping, Ping):
        return CheckResult(
            "pending_offline_sales",
            title,
            AVISO,
            _("No se sabe: el servidor no responde."),
            _("Las ventas hechas sin conexión se envían solas cuando vuelva la red."),
        )
    count = ping.pending_offline_sales
    if count is None:
        return CheckResult(
            "pending_offline_sales",
            title,
            OK,
            _("El servidor no lleva la cuenta de ventas pendientes."),
        )
    if count == 0:
        return CheckResult(
            "pending_offline_sales",
            title,
            OK,
            _("Ninguna: todo está en el servidor."),
            "",
            {"count": 0},
        )
    return CheckResult(
        "pending_offline_sales",
        title,
        AVISO,
        ngettext(
            "%(count)d venta hecha sin conexión aún no llega al servidor.",
            "%(count)d ventas hechas sin conexión aún no llegan al servidor.",
            count,
        )
        % {"count": count},
        _("Deje abierta la caja con red: se envían solas."),
        {"count": count},
    )


# --- Terminal: the network segment (S9) ------------------------------------------------------


@dataclass(frozen=True)
class InterfaceAddress:
    interface: str
    address: str  # "192.168.1.20", "fe80::1%eth0"
    netmask: str  # "255.255.255.0", "ffff:ffff:ffff:ffff::" or a prefix length "64"


@dataclass(frozen=True)
class Segment:
    same: bool
    server_address: str
    interface: str = ""
    network: str = ""  # the local network that holds the server, e.g. "192.168.1.0/24"
    this_pc: bool = False  # the server address is one of this PC's own


def interface_addresses() -> list[InterfaceAddress]:
    """This PC's IPv4 and IPv6 addresses with their masks (psutil: the same on Windows and
    Linux)."""
    found = []
    for name, addrs in psutil.net_if_addrs().items():
        for addr in addrs:
            if addr.family in (socket.AF_INET, socket.AF_INET6) and addr.netmask:
                found.append(InterfaceAddress(name, addr.address, addr.netmask))
    return found


def _interface(addr: InterfaceAddress) -> ipaddress.IPv4Interface | ipaddress.IPv6Interface:
    address = ipaddress.ip_address(addr.address.split("%", 1)[0])
    mask = addr.netmask
    if address.version == 6 and ":" in mask:
        mask = str(bin(int(ipaddress.IPv6Address(mask))).count("1"))
    return ipaddress.ip_interface(f"{address}/{mask}")


def segment_find(*, local: Iterable[InterfaceAddress], server_addresses: Iterable[str]) -> Segment:
    """Whether a server address is on one of the local interfaces' networks (the same
    segment: reached without a router). A server address that is this PC's own, or a
    loopback one, counts as the same segment. Bad entries are skipped."""
    interfaces = []
    for addr in local:
        try:
            interfaces.append((addr.interface, _interface(addr)))
        except ValueError:
            continue
    servers = []
    for text in server_addresses:
        try:
            servers.append(ipaddress.ip_address(text.split("%", 1)[0]))
        except ValueError:
            continue
    if not servers:
        return Segment(same=False, server_address="")
    for server in servers:
        if server.is_loopback:
            return Segment(True, str(server), this_pc=True)
        for name, iface in interfaces:
            if iface.ip == server:
                return Segment(True, str(server), name, str(iface.network), this_pc=True)
    for server in servers:
        for name, iface in interfaces:
            if (
                iface.version == server.version
                and server in iface.network
                and not (iface.ip.is_loopback)
            ):
                return Segment(True, str(server), name, str(iface.network))
    return Segment(same=False, server_address=str(servers[0]))


def server_addresses(host: str) -> list[str]:
    """What the server's host name resolves to (raises OSError when it does not)."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def check_segment(
    *,
    server_url: str,
    local: Callable[[], list[InterfaceAddress]] = interface_addresses,
) -> CheckResult:
    title = _("Red local")
    host = urllib.parse.urlsplit(server_url).hostname if server_url else None
    if not host:
        return CheckResult(
            "segment",
            title,
            FALLA,
            _("No hay servidor configurado."),
            _("Empareje este PC con el servidor: «itplus setup terminal --server http://IP:8000»."),
        )
    try:
        addresses = server_addresses(host)
    except OSError as exc:
        return CheckResult(
            "segment",
            title,
            FALLA,
            _("No se encontró la dirección de %(host)s (%(error)s).")
            % {"host": host, "error": _one_line(exc)},
            _("Use la dirección IP del servidor en [install] server_url de itplus.toml."),
            {"host": host},
        )
    interfaces = local()
    segment = segment_find(local=interfaces, server_addresses=addresses)
    data = {
        "server_address": segment.server_address,
        "interface": segment.interface,
        "network": segment.network,
        "local": [f"{a.interface} {a.address}/{a.netmask}" for a in interfaces],
    }
    if segment.this_pc:
        return CheckResult("segment", title, OK, _("El servidor es este mismo PC."), "", data)
    if segment.same:
        return CheckResult(
            "segment",
            title,
            OK,
            _("Este PC y el servidor (%(server)s) están en la misma red %(network)s (%(iface)s).")
            % {
                "server": segment.server_address,
                "network": segment.network,
                "iface": segment.interface,
            },
            "",
            data,
        )
    mine = ", ".join(
        f"{a.address}/{a.netmask}" for a in interfaces if not a.address.startswith(("127.", "::1"))
    )
    return CheckResult(
        "segment",
        title,
        AVISO,
        _(
            "El servidor (%(server)s) no está en la red de este PC (%(mine)s): se llega a él "
            "pasando por un router."
        )
        % {"server": segment.server_address, "mine": mine or "—"},
        _(
            "Conecte este PC y el servidor al mismo switch o router de la tienda, o revise "
            "la máscara de red de ambos."
        ),
        data,
    )


# --- Running -----------------------------------------------------------------------------------


def is_terminal() -> bool:
    install = get_config().install
    return install.role == "terminal" or bool(install.terminal_token)


def doctor_run(*, now: datetime | None = None) -> DoctorResult:
    """Every check that applies to this PC, in the order they are shown."""
    now = now or timezone.now()
    install = get_config().install
    terminal = is_terminal()
    checks = [
        check_database(),
        check_disk(key="disk_home", title=_("Disco de la tienda"), path=settings.ITPLUS_HOME),
    ]
    backups = backup_settings().folder
    if not terminal:
        checks.append(check_disk(key="disk_backups", title=_("Disco de respaldos"), path=backups))
        checks.append(check_backups(folder=backups, now=now))
    checks.append(check_printer())
    if terminal:
        ping: Ping | ServerUnreachable | None = None
        if install.server_url:
            try:
                ping = server_ping(server_url=install.server_url, token=install.terminal_token)
            except ServerUnreachable as exc:
                ping = exc
        checks += [
            check_server(server_url=install.server_url, ping=ping),
            check_clock(ping),
            check_segment(server_url=install.server_url),
            check_pending_on_terminal(ping),
        ]
    else:
        checks.append(check_pending_on_server())
    return DoctorResult(
        role="terminal" if terminal else "server",
        ran_at=now,
        checks=tuple(checks),
        version=app_version(),
    )


def report_send(result: DoctorResult, *, timeout: float = SERVER_TIMEOUT) -> None:
    """Send a terminal's result to its server (``POST /api/v1/doctor/reports``); raises
    ``ServerUnreachable``."""
    install = get_config().install
    body = json.dumps(
        {
            "ran_at": result.ran_at.isoformat(),
            "version": result.version,
            "checks": [asdict(check) for check in result.checks],
        }
    ).encode("utf-8")
    _request(
        install.server_url.rstrip("/") + REPORTS_PATH,
        token=install.terminal_token,
        timeout=timeout,
        body=body,
    )


def render_text(result: DoctorResult) -> str:
    """The result as the console shows it: one line per check, what to do under it."""
    role = _("terminal") if result.role == "terminal" else _("servidor")
    lines = [
        _("Diagnóstico de itplus (%(role)s), %(when)s")
        % {"role": role, "when": _local(result.ran_at)},
        "",
    ]
    for check in result.checks:
        lines.append(f"{check.label:<6} {check.title}: {check.detail}")
        if check.action:
            lines.append(f"       → {check.action}")
    counts = {level: sum(c.level == level for c in result.checks) for level in LEVELS}
    lines += [
        "",
        _("Resultado: %(level)s (%(ok)d OK, %(aviso)d AVISO, %(falla)d FALLA).")
        % {
            "level": DoctorLevel(result.level).label,
            "ok": counts[OK],
            "aviso": counts[AVISO],
            "falla": counts[FALLA],
        },
    ]
    return "\n".join(lines) + "\n"


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
