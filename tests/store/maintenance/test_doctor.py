"""``itplus doctor``: each check's OK, AVISO and FALLA under real conditions (a folder
without backups, a port nobody listens on, a small disk, a server with its clock off),
the exit status and the JSON."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from itplus.store.config import config_section_set, save_config
from itplus.store.maintenance import doctor
from itplus.store.maintenance.backup import backup_create
from itplus.store.maintenance.doctor import (
    AVISO,
    FALLA,
    OK,
    InterfaceAddress,
    Ping,
    ServerUnreachable,
    segment_find,
)
from itplus.store.maintenance.verify import backup_verify
from itplus.store.terminals.models import Terminal
from tests.factories import make_terminal
from tests.store.conftest import STORE_IDENTITY

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def home(settings, tmp_path):
    """A store home of its own, its backups in tmp_path/respaldos."""
    settings.ITPLUS_HOME = tmp_path / "home"
    settings.BACKUPS_DIR = settings.ITPLUS_HOME / "backups"
    settings.ITPLUS_HOME.mkdir()
    folder = tmp_path / "respaldos"
    save_config(settings.ITPLUS_HOME, {"store": STORE_IDENTITY, "backup": {"folder": str(folder)}})
    return settings.ITPLUS_HOME


@pytest.fixture
def live(transactional_db, scratch_aliases, home):
    """Backups read the database from their own connections: real commits needed."""
    return home


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def listening_printer():
    """A TCP port that accepts connections, as a network printer's 9100 does."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)
    yield sock.getsockname()[1]
    sock.close()


def run_doctor(*args: str) -> tuple[int, str]:
    out = []

    class Capture:
        def write(self, text):
            out.append(text)

        def flush(self):
            pass

    with pytest.raises(SystemExit) as exit_info:
        call_command("doctor", *args, stdout=Capture(), stderr=Capture())
    return exit_info.value.code, "".join(out)


# --- the same network segment: the pure function on address/mask fixtures ----------------

LO4 = InterfaceAddress("lo", "127.0.0.1", "255.0.0.0")
LO6 = InterfaceAddress("lo", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")


@pytest.mark.parametrize(
    ("local", "server", "same", "network"),
    [
        # /24: the usual shop router
        (
            [LO4, InterfaceAddress("eth0", "192.168.1.20", "255.255.255.0")],
            "192.168.1.10",
            True,
            "192.168.1.0/24",
        ),
        (
            [LO4, InterfaceAddress("eth0", "192.168.1.20", "255.255.255.0")],
            "192.168.2.10",
            False,
            "",
        ),
        # /16: one larger network
        ([InterfaceAddress("eth0", "10.5.1.20", "255.255.0.0")], "10.5.200.3", True, "10.5.0.0/16"),
        ([InterfaceAddress("eth0", "10.5.1.20", "255.255.0.0")], "10.6.0.3", False, ""),
        # /30: a point-to-point link holds two hosts only
        (
            [InterfaceAddress("eth0", "10.0.0.1", "255.255.255.252")],
            "10.0.0.2",
            True,
            "10.0.0.0/30",
        ),
        ([InterfaceAddress("eth0", "10.0.0.1", "255.255.255.252")], "10.0.0.5", False, ""),
        # IPv6, mask as psutil gives it (Linux and Windows) and as a prefix length
        (
            [LO6, InterfaceAddress("eth0", "fd00:1::20", "ffff:ffff:ffff:ffff::")],
            "fd00:1::10",
            True,
            "fd00:1::/64",
        ),
        ([InterfaceAddress("eth0", "fd00:1::20", "64")], "fd00:2::10", False, ""),
        (
            [InterfaceAddress("eth0", "fe80::1%eth0", "ffff:ffff:ffff:ffff::")],
            "fe80::2",
            True,
            "fe80::/64",
        ),
        # an IPv4 server is not on an IPv6 network, nor on the loopback's
        ([LO4, InterfaceAddress("eth0", "fd00:1::20", "64")], "192.168.1.10", False, ""),
        # several interfaces: the one that holds the server is named
        (
            [
                LO4,
                InterfaceAddress("wlan0", "172.16.4.7", "255.255.240.0"),
                InterfaceAddress("eth1", "192.168.50.2", "255.255.255.0"),
            ],
            "192.168.50.1",
            True,
            "192.168.50.0/24",
        ),
    ],
)
def test_same_segment_from_addresses_and_masks(local, server, same, network):
    segment = segment_find(local=local, server_addresses=[server])

    assert segment.same is same
    assert segment.network == network
    assert not segment.this_pc


def test_the_interface_holding_the_server_is_named():
    local = [
        LO4,
        InterfaceAddress("wlan0", "172.16.4.7", "255.255.240.0"),
        InterfaceAddress("eth1", "192.168.50.2", "255.255.255.0"),
    ]

    assert segment_find(local=local, server_addresses=["172.16.9.9"]).interface == "wlan0"
    assert segment_find(local=local, server_addresses=["192.168.50.1"]).interface == "eth1"


@pytest.mark.parametrize("server", ["127.0.0.1", "::1", "192.168.1.20"])
def test_a_loopback_or_own_address_is_this_pc(server):
    local = [LO4, InterfaceAddress("eth0", "192.168.1.20", "255.255.255.0")]

    segment = segment_find(local=local, server_addresses=[server])

    assert segment.same and segment.this_pc


def test_any_resolved_address_on_the_segment_counts_and_bad_entries_are_skipped():
    local = [InterfaceAddress("eth0", "nonsense", "x"), InterfaceAddress("eth0", "10.1.1.2", "24")]

    assert segment_find(local=local, server_addresses=["fd00::9", "10.1.1.1"]).same
    assert not segment_find(local=local, server_addresses=["not-an-ip"]).same


def test_this_pcs_interfaces_are_read_with_their_masks():
    addresses = doctor.interface_addresses()

    assert any(a.address == "127.0.0.1" and a.netmask == "255.0.0.0" for a in addresses)


# --- each check under real conditions ----------------------------------------------------


def test_backups_missing_is_a_falla(db, home, tmp_path):
    result = doctor.check_backups(folder=tmp_path / "respaldos", now=timezone.now())

    assert result.level == FALLA
    assert "No hay respaldos" in result.detail
    assert "itplus backup create" in result.action


def test_a_backup_that_cannot_be_read_is_a_falla(db, home, tmp_path):
    folder = tmp_path / "respaldos"
    folder.mkdir()
    (folder / "itplus-tienda-20261201-220000.itpbak").write_bytes(b"no es un respaldo")

    result = doctor.check_backups(folder=folder, now=timezone.now())

    assert result.level == FALLA
    assert "dañado" in result.detail


def test_backup_age_and_verification(live, tmp_path):
    folder = tmp_path / "respaldos"
    made = backup_create(to=folder)
    created = doctor.backup_list(folder=folder)[0].created_at

    # never verified: a warning that says how to verify
    fresh = doctor.check_backups(folder=folder, now=timezone.now())
    assert fresh.level == AVISO
    assert "Ninguno está verificado" in fresh.detail
    assert "itplus backup verify" in fresh.action

    assert backup_verify(path=made.path).ok
    assert doctor.check_backups(folder=folder, now=timezone.now()).level == OK
    # the same backup seen a day and a half later, then after a week without another
    late = doctor.check_backups(folder=folder, now=created + timedelta(hours=31))
    assert late.level == AVISO and "No hay respaldo de hoy" in late.action
    old = doctor.check_backups(folder=folder, now=created + timedelta(days=8))
    assert old.level == FALLA and "hace 8 días" in old.detail


def test_printer_not_configured_is_an_aviso(db, home):
    result = doctor.check_printer()

    assert result.level == AVISO
    assert result.detail.startswith("No configurada")


def test_printer_on_a_port_nobody_listens_on_is_a_falla(db, home):
    port = free_port()
    config_section_set(home, "printer", {"kind": "network", "host": "127.0.0.1", "port": port})

    result = doctor.check_printer()

    assert result.level == FALLA
    assert f"127.0.0.1:{port}" in result.detail
    assert "encendida" in result.action


def test_a_printer_that_answers_is_ok(db, home, listening_printer):
    config_section_set(
        home, "printer", {"kind": "network", "host": "127.0.0.1", "port": listening_printer}
    )

    result = doctor.check_printer()

    assert result.level == OK
    assert result.data["latency_ms"] >= 0


def test_database_ok_names_the_engine(db, home):
    result = doctor.check_database()

    assert result.level == OK
    assert result.data["engine"] in ("sqlite", "postgresql")
    assert result.data["pending_migrations"] == 0


def test_pending_offline_sales_on_the_server(db, home):
    make_terminal(code="caja-1")
    busy = make_terminal(code="caja-2")
    assert doctor.check_pending_on_server().level == OK

    # what the terminal's heartbeat records
    Terminal.objects.filter(pk=busy.pk).update(pending_offline_sales=3)
    result = doctor.check_pending_on_server()
    assert result.level == AVISO
    assert result.data == {"total": 3, "terminals": {"Caja de prueba": 3}}


# --- disk space: real small disks (tmpfs) --------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """Mount a tmpfs of the given size (root only; CI runs as root and must not skip)."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        target = tmp_path / f"disco-{size}"
        target.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(target)],
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            reason = f"cannot mount a tmpfs here: {done.stderr.strip()}"
            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(reason)
        mounted.append(target)
        return target

    yield mount
    for target in mounted:
        subprocess.run(["umount", str(target)], check=False)


def test_disk_space_levels_on_real_disks(db, small_disk):
    tiny, small = small_disk("2m"), small_disk("2g")

    falla = doctor.check_disk(key="disk_backups", title="Disco", path=tiny / "respaldos")
    aviso = doctor.check_disk(key="disk_backups", title="Disco", path=small)

    assert falla.level == FALLA and falla.data["total"] == 2 * 1024**2
    assert "libere espacio" in falla.action
    assert aviso.level == AVISO and aviso.data["free"] == 2 * 1024**3
    assert doctor.check_disk(key="disk_home", title="Disco", path=Path("/")).level in (OK, AVISO)


def test_disk_level_thresholds():
    assert doctor.disk_level(doctor.DISK_FALLA_BYTES - 1) == FALLA
    assert doctor.disk_level(doctor.DISK_FALLA_BYTES) == AVISO
    assert doctor.disk_level(doctor.DISK_AVISO_BYTES) == OK


# --- the terminal's checks against servers ---------------------------------------------------


class FakeItplusServer(ThreadingHTTPServer):
    """A server speaking the ping's protocol with its clock off by ``skew`` seconds and
    answering after ``delay`` seconds (a real socket, a real HTTP exchange)."""

    def __init__(self, *, skew: float = 0.0, delay: float = 0.0, pending: int | None = 0):
        self.skew, self.delay, self.pending = skew, delay, pending
        super().__init__(("127.0.0.1", 0), _PingHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _PingHandler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        time.sleep(self.server.delay)
        now = timezone.now() + timedelta(seconds=self.server.skew)
        body = json.dumps(
            {
                "server_time": now.isoformat(),
                "version": "9.9",
                "terminal": "caja-1",
                "pending_offline_sales": self.server.pending,
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_server():
    servers = []

    def start(**kwargs) -> FakeItplusServer:
        server = FakeItplusServer(**kwargs)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def ping_or_error(url: str, token: str = "x") -> Ping | ServerUnreachable:
    try:
        return doctor.server_ping(server_url=url, token=token, timeout=1)
    except ServerUnreachable as exc:
        return exc


def test_a_server_url_nobody_listens_on_is_a_falla(db, home):
    url = f"http://127.0.0.1:{free_port()}"
    ping = ping_or_error(url)

    server = doctor.check_server(server_url=url, ping=ping)
    clock = doctor.check_clock(ping)
    pending = doctor.check_pending_on_terminal(ping)

    assert server.level == FALLA
    assert "No responde" in server.detail and "sin conexión" in server.action
    assert clock.level == AVISO and pending.level == AVISO


def test_clock_skew_and_latency_against_a_server(db, fake_server):
    right = ping_or_error(fake_server().url)
    off_a_bit = ping_or_error(fake_server(skew=5).url)
    off_a_lot = ping_or_error(fake_server(skew=-120).url)
    slow = ping_or_error(fake_server(delay=0.15).url)

    assert doctor.check_clock(right).level == OK
    assert abs(right.skew_s) < 1
    a_bit = doctor.check_clock(off_a_bit)
    assert a_bit.level == AVISO and 4 < a_bit.data["skew_s"] < 6
    assert "atrasado" in a_bit.detail  # the server is ahead: this PC is behind
    a_lot = doctor.check_clock(off_a_lot)
    assert a_lot.level == FALLA and "adelantado" in a_lot.detail
    assert doctor.check_server(server_url="x", ping=right).level == OK
    slow_check = doctor.check_server(server_url="x", ping=slow)
    assert slow_check.level == AVISO and slow_check.data["latency_ms"] >= 150


def test_pending_offline_sales_as_the_server_knows_them(db, fake_server):
    assert doctor.check_pending_on_terminal(ping_or_error(fake_server().url)).level == OK
    three = doctor.check_pending_on_terminal(ping_or_error(fake_server(pending=3).url))
    unknown = doctor.check_pending_on_terminal(ping_or_error(fake_server(pending=None).url))

    assert three.level == AVISO and three.data == {"count": 3}
    assert "3 ventas" in three.detail
    assert unknown.level == OK


def test_segment_check_resolves_the_servers_name(db):
    same = doctor.check_segment(server_url="http://localhost:8000")
    unresolvable = doctor.check_segment(server_url="http://no-existe.invalid:8000")
    elsewhere = doctor.check_segment(
        server_url="http://192.0.2.10:8000",
        local=lambda: [InterfaceAddress("eth0", "198.51.100.7", "255.255.255.0")],
    )

    assert same.level == OK and same.detail == "El servidor es este mismo PC."
    assert unresolvable.level == FALLA
    assert elsewhere.level == AVISO
    assert "198.51.100.7/255.255.255.0" in elsewhere.detail
    assert "mismo switch" in elsewhere.action


# --- the command: exit status and JSON ------------------------------------------------------


def test_exit_status_is_0_1_or_2(live, tmp_path, listening_printer):
    # no backup: FALLA
    code, out = run_doctor()
    assert code == 2
    assert "FALLA  Respaldos: No hay respaldos" in out
    assert "Resultado: FALLA" in out

    # a verified backup, no printer: AVISO
    backup_verify(path=backup_create(to=tmp_path / "respaldos").path)
    code, out = run_doctor()
    assert code == 1
    assert "AVISO  Impresora" in out

    # and a printer that answers: all OK
    config_section_set(
        live, "printer", {"kind": "network", "host": "127.0.0.1", "port": listening_printer}
    )
    code, out = run_doctor()
    assert code == 0, out
    assert "Resultado: OK (6 OK, 0 AVISO, 0 FALLA)." in out


def test_json_report_shape(db, home):
    code, out = run_doctor("--json")

    report = json.loads(out)
    assert code == report["exit_code"] == 2
    assert report["role"] == "server" and report["level"] == "falla"
    assert report["report_sent"] is None
    keys = [check["key"] for check in report["checks"]]
    assert keys == [
        "database",
        "disk_home",
        "disk_backups",
        "backups",
        "printer",
        "pending_offline_sales",
    ]
    for check in report["checks"]:
        assert set(check) == {"key", "title", "level", "detail", "action", "data"}
        assert check["level"] in ("ok", "aviso", "falla")
        assert check["level"] == "ok" or check["action"]


def test_a_terminal_checks_its_server(live, fake_server):
    server = fake_server(skew=10, pending=2)
    config_section_set(
        live,
        "install",
        {"role": "terminal", "server_url": server.url, "terminal_token": "t" * 20},
    )

    code, out = run_doctor("--json", "--no-send")

    report = json.loads(out)
    levels = {check["key"]: check["level"] for check in report["checks"]}
    assert report["role"] == "terminal" and code == 1
    assert levels == {
        "database": "ok",
        "disk_home": "ok",
        "printer": "aviso",
        "server": "ok",
        "clock": "aviso",
        "segment": "ok",
        "pending_offline_sales": "aviso",
    }


def test_doctor_runs_when_the_database_does_not_answer(tmp_path):
    """The console command reports an unreachable database instead of refusing to run."""
    home = tmp_path / "tienda"
    env = {
        **os.environ,
        "ITPLUS_HOME": str(home),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/nadie",
        "DJANGO_SETTINGS_MODULE": "itplus.store.settings",
    }
    home.mkdir()
    (home / "itplus.toml").write_text("", encoding="utf-8")

    done = subprocess.run(
        [sys.executable, "-m", "itplus.store.cli", "doctor", "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )

    assert done.returncode == 2, done.stderr
    report = json.loads(done.stdout)
    database = report["checks"][0]
    assert database["key"] == "database" and database["level"] == "falla"
    assert "DATABASE_URL" in database["action"]
