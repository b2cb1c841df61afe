"""`itplus serve --procesos N`: N worker processes on one port, a dead worker started
again, and nothing left holding the port when the server itself is killed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil
import pytest
from django.db import connection

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="the process handling does not depend on the engine: it runs on the SQLite pass",
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _status(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/doctor/ping", timeout=5):
            return 200
    except urllib.error.HTTPError as exc:
        return exc.code


def _wait(predicate, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def _answers(port: int) -> bool:
    try:
        return _status(port) == 401  # the ping needs a terminal's token
    except OSError:
        return False


def _port_free(port: int) -> bool:
    """Nobody listens on it: a new server could bind it (as it does, with SO_REUSEADDR,
    past the closed connections' TIME_WAIT)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _workers(server: psutil.Process) -> list[psutil.Process]:
    """The server's live worker processes (not multiprocessing's resource tracker)."""
    found = []
    for child in server.children(recursive=True):
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "spawn_main" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            continue  # gone meanwhile
    return found


@pytest.fixture
def store_home(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    env = {**os.environ, "ITPLUS_HOME": str(tmp_path / "tienda")}
    for name in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "ITPLUS_SECRET_KEY"):
        env.pop(name, None)
    subprocess.run(
        [sys.executable, "-m", "itplus.store.cli", "migrate", "--noinput", "-v", "0"],
        env=env,
        check=True,
        timeout=300,
    )
    return tmp_path, env


def test_two_worker_processes_serve_one_port_and_die_with_the_server(store_home):
    tmp_path, env = store_home
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "itplus.store.cli", "serve", "--host", "127.0.0.1"]
        + ["--port", str(port), "--procesos", "2", "--sin-respaldos"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        assert _wait(lambda: _answers(port)), (tmp_path / "serve.log").read_text()
        parent = psutil.Process(server.pid)
        assert _wait(lambda: len(_workers(parent)) == 2)
        assert all(_status(port) == 401 for _i in range(20))

        # A worker that dies is started again; the port keeps answering meanwhile.
        first = _workers(parent)[0]
        first.kill()
        assert _wait(
            lambda: (
                len(_workers(parent)) == 2 and first.pid not in {p.pid for p in _workers(parent)}
            )
        )
        assert _answers(port)
        workers = _workers(parent)

        # The server killed outright (no chance to clean up): its workers go with it.
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        assert _wait(
            lambda: not any(w.is_running() and w.status() != "zombie" for w in workers), 15
        )
        assert _wait(lambda: _port_free(port), 15)
    finally:
        if server.poll() is None:
            server.kill()
        log.close()


def test_sigterm_stops_the_server_and_its_workers(store_home):
    tmp_path, env = store_home
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "itplus.store.cli", "serve", "--host", "127.0.0.1"]
        + ["--port", str(port), "--procesos", "2", "--sin-respaldos"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait(lambda: _answers(port))
        parent = psutil.Process(server.pid)
        assert _wait(lambda: len(_workers(parent)) == 2)
        workers = _workers(parent)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=15) == 0
        assert not any(w.is_running() and w.status() != "zombie" for w in workers)
        assert _wait(lambda: _port_free(port), 15)
    finally:
        if server.poll() is None:
            server.kill()
