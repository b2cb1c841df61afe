"""The real store server (``itplus serve``, waitress) on a fresh PostgreSQL database.

``store_server(...)`` creates a uniquely named database on the PostgreSQL server of
``admin_url`` (default: DATABASE_URL's server, else 127.0.0.1:5432, user postgres), migrates
it with ``itplus migrate``, builds the store through the real services in another process
(``tests.load_store setup``: terminals with their tokens and open cash sessions, one cashier
each, products with stock), starts ``itplus serve`` on a free port of 127.0.0.1 and waits
until it answers. On leaving, it stops the server (Ctrl+C, then kill), drops the database
and removes the store folder.

Imports nothing from Django or itplus: the tests' process keeps its own settings, and the
benchmark uses it too.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
START_TIMEOUT = 60
STOP_TIMEOUT = 15


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server to create the database on."""


def admin_url_default() -> str:
    """The maintenance database of DATABASE_URL's server (the PostgreSQL pass), else
    127.0.0.1:5432."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return with_database(url, "postgres")
    return DEFAULT_ADMIN_URL


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def postgres_answers(admin_url: str | None = None) -> bool:
    parts = urlsplit(admin_url or admin_url_default())
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), 2):
            return True
    except OSError:
        return False


def _admin(admin_url: str, sql: str) -> None:
    import psycopg  # the project's own driver; imported here so a missing server is a skip

    try:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(sql)
    except psycopg.OperationalError as exc:
        raise PostgresUnavailable(str(exc).strip()) from exc


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class StoreServer:
    url: str  # http://127.0.0.1:PORT
    database_url: str
    home: Path
    env: dict[str, str]
    tills: list[dict] = field(default_factory=list)
    products: list[dict] = field(default_factory=list)
    process: subprocess.Popen | None = None

    def itplus(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """An ``itplus`` command on this store's database."""
        return subprocess.run(
            [sys.executable, "-m", "itplus.store.cli", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=check,
        )

    def store_script(self, *args: str) -> dict:
        """``tests.load_store`` on this store's database; its JSON answer."""
        done = subprocess.run(
            [sys.executable, "-m", "tests.load_store", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"tests.load_store {args[0]} failed:\n{done.stderr[-4000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def report(self) -> dict:
        return self.store_script("report")

    def server_log(self) -> str:
        path = self.home / "server.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def _wait_for_port(server: StoreServer, port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"itplus serve stopped at start:\n{server.server_log()[-4000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"itplus serve did not answer in {START_TIMEOUT} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)  # as Ctrl+C
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT)


@contextmanager
def store_server(
    *,
    terminals: int,
    products: list[tuple[int, int]],
    threads: int = 8,
    processes: int = 1,
    allow_negative_stock: bool = True,
    admin_url: str | None = None,
) -> Iterator[StoreServer]:
    """The store served by ``itplus serve --procesos processes`` on a new database;
    ``products`` is a list of (price in CLP, starting stock)."""
    admin_url = admin_url or admin_url_default()
    name = f"itplus_load_{uuid.uuid4().hex[:10]}"
    _admin(admin_url, f'CREATE DATABASE "{name}"')
    home = Path(tempfile.mkdtemp(prefix="itplus-load-"))
    database_url = with_database(admin_url, name)
    env = {
        **os.environ,
        "ITPLUS_HOME": str(home),
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "itplus.store.settings",
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        # Records no store in the user's configuration folder.
        "XDG_CONFIG_HOME": str(home / "cfg"),
        "APPDATA": str(home / "cfg"),
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("ITPLUS_DEBUG", None)
    server = StoreServer(url="", database_url=database_url, home=home, env=env)
    log = None
    try:
        server.itplus("migrate", "--noinput")
        built = server.store_script(
            "setup",
            json.dumps(
                {
                    "terminals": terminals,
                    "products": products,
                    "allow_negative_stock": allow_negative_stock,
                }
            ),
        )
        server.tills, server.products = built["tills"], built["products"]
        port = free_port()
        server.url = f"http://127.0.0.1:{port}"
        log = open(home / "server.log", "wb")  # noqa: SIM115 — closed below
        server.process = subprocess.Popen(
            [sys.executable, "-m", "itplus.store.cli", "serve", "--host", "127.0.0.1"]
            + ["--port", str(port), "--threads", str(threads), "--sin-respaldos"]
            + ["--procesos", str(processes)],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        _wait_for_port(server, port)
        yield server
    finally:
        if server.process is not None:
            _stop(server.process)
        if log is not None:
            log.close()
        try:
            _admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            shutil.rmtree(home, ignore_errors=True)


CLIENT = ROOT / "tests" / "load_client.py"


def run_terminals(
    server: StoreServer,
    configs: list[dict],
    *,
    timeout: float = 600,
    on_go: Callable[[], None] | None = None,
) -> list[dict]:
    """One ``tests/load_client.py`` process per config (each a till: see that module),
    all started at once; their results, in order. A terminal that fails fails the run.
    ``on_go`` is called once every terminal has logged in, just before they start."""
    workdir = Path(tempfile.mkdtemp(prefix="itplus-terminals-", dir=server.home))
    go = workdir / "go"
    processes = []
    for i, config in enumerate(configs):
        config = {**config, "ready_file": str(workdir / f"ready-{i}"), "go_file": str(go)}
        (workdir / f"in-{i}.json").write_text(json.dumps(config), encoding="utf-8")
        processes.append(
            subprocess.Popen(
                [sys.executable, str(CLIENT), str(workdir / f"in-{i}.json")]
                + [str(workdir / f"out-{i}.json")],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
    deadline = time.monotonic() + timeout
    while not all((workdir / f"ready-{i}").exists() for i in range(len(configs))):
        if any(p.poll() is not None for p in processes) or time.monotonic() > deadline:
            break  # reported below with the terminal's output
        time.sleep(0.02)
    if on_go is not None:
        on_go()
    go.touch()
    failures = []
    for i, process in enumerate(processes):
        try:
            output, _ = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            failures.append(f"terminal {i} hung:\n{output[-2000:]}")
            continue
        if process.returncode != 0:
            failures.append(f"terminal {i} exited {process.returncode}:\n{output[-2000:]}")
    if failures:
        raise RuntimeError(
            "\n".join(failures) + "\n--- server log ---\n" + server.server_log()[-3000:]
        )
    return [
        json.loads((workdir / f"out-{i}.json").read_text(encoding="utf-8"))
        for i in range(len(configs))
    ]


def terminal_configs(
    server: StoreServer,
    *,
    sales: int,
    pace_s: float = 0.0,
    timeout_every: int = 0,
    lookups: int = 0,
    tills: int | None = None,
) -> list[dict]:
    """One client config per till of ``server`` (or its first ``tills``)."""
    return [
        {
            "url": server.url,
            "till": till,
            "products": server.products,
            "sales": sales,
            "seed": index,
            "pace_s": pace_s,
            "timeout_every": timeout_every,
            "lookups": lookups,
        }
        for index, till in enumerate(server.tills[:tills])
    ]
