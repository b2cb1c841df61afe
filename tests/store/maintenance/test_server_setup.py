"""``itplus setup server --database-url``: a demo store on SQLite moved into a fresh
PostgreSQL database (its own name, dropped after), with the content digests equal, the
URL written only then, the SQLite file untouched; the boot unit's text.

Runs ``itplus`` in subprocesses with their own ITPLUS_HOME and no DATABASE_URL, so the
source is SQLite whichever engine this test run uses; needs a PostgreSQL server (the
DATABASE_URL of the run, else postgres://postgres@127.0.0.1:5432)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest

from itplus.store.maintenance.server_setup import (
    Cluster,
    ServerSetupError,
    pg_cluster_init,
    server_processes,
    systemd_units,
    windows_start_script,
    windows_task_command,
)

ITPLUS = [sys.executable, "-m", "itplus.store.cli"]


def _admin_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        return url.rsplit("/", 1)[0]
    return "postgres://postgres@127.0.0.1:5432"


def _run(home: Path, *args: str, env_extra: dict | None = None) -> str:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(ITPLUS_HOME=str(home), **(env_extra or {}))
    result = subprocess.run([*ITPLUS, *args], env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


DIGEST = (
    "from itplus.store.maintenance.digest import content_digest;"
    "from django.db import connection;"
    "print(connection.vendor, content_digest()[0])"
)


@pytest.fixture
def pg_database():
    admin = _admin_url()
    try:
        psycopg.connect(admin + "/postgres", connect_timeout=3).close()
    except psycopg.Error as exc:
        pytest.skip(f"no PostgreSQL at {admin}: {exc}")
    name = f"itplus_server_{uuid.uuid4().hex[:8]}"
    yield f"{admin}/{name}"
    with psycopg.connect(admin + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_sqlite_store_moves_into_postgresql_identical(tmp_path, pg_database):
    home = tmp_path / "tienda"
    _run(home, "demo", "--days", "1")
    sqlite_file = home / "itplus.sqlite3"
    before = hashlib.sha256(sqlite_file.read_bytes()).hexdigest()
    source = _run(home, "shell", "-c", DIGEST).split()[-2:]
    assert source[0] == "sqlite"

    out = _run(home, "setup", "server", "--database-url", pg_database)
    assert "huella de contenido idéntica" in out
    assert "systemctl enable --now itplus.service" in out
    assert f'url = "{pg_database}"' in (home / "itplus.toml").read_text()
    # The next start uses PostgreSQL, with the very same content.
    target = _run(home, "shell", "-c", DIGEST).split()[-2:]
    assert target == ["postgresql", source[1]]
    assert "sin problemas" in _run(home, "audit")
    # New rows get fresh keys (sequences were reset past the copied ones).
    _run(
        home,
        "shell",
        "-c",
        "from itplus.store.terminals.services import terminal_create;"
        "terminal_create(code='caja-nueva', name='Caja nueva')",
    )
    assert hashlib.sha256(sqlite_file.read_bytes()).hexdigest() == before
    unit = (home / "servicio" / "itplus.service").read_text()
    assert f"Environment=ITPLUS_HOME={home}" in unit and "serve --host 0.0.0.0" in unit


def test_a_database_that_already_has_tables_is_refused(tmp_path, pg_database):
    home = tmp_path / "tienda"
    _run(home, "migrate")
    other = tmp_path / "otra"
    _run(other, "setup", "server", "--database-url", pg_database, "--sin-servicio")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    _run(
        home,
        "shell",
        "-c",
        "from itplus.store.terminals.services import terminal_create;terminal_create(code='c1', name='C1')",
    )
    result = subprocess.run(
        [*ITPLUS, "setup", "server", "--database-url", pg_database],
        env={**env, "ITPLUS_HOME": str(home)},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "ya tiene tablas" in result.stderr
    assert (
        "[database]" not in (home / "itplus.toml").read_text()
        if (home / "itplus.toml").exists()
        else True
    )


def test_the_systemd_units_serve_on_the_lan_after_the_local_cluster(tmp_path):
    cluster = Cluster(
        data_dir=tmp_path / "postgresql" / "data",
        port=5433,
        pg_ctl="/usr/lib/postgresql/15/bin/pg_ctl",
        url="postgres://itplus:x@127.0.0.1:5433/itplus",
    )
    units = systemd_units(home=tmp_path, user="tienda", port=8000, cluster=cluster)
    assert set(units) == {"itplus.service", "itplus-postgresql.service"}
    store = units["itplus.service"]
    assert "User=tienda\n" in store
    assert f"Environment=ITPLUS_HOME={tmp_path}\n" in store
    assert f"serve --host 0.0.0.0 --port 8000 --procesos {server_processes()}\n" in store
    assert "Requires=itplus-postgresql.service" in store and "Restart=on-failure" in store
    assert "WantedBy=multi-user.target" in store
    pg = units["itplus-postgresql.service"]
    assert f"start -w -D {cluster.data_dir}" in pg and "Type=forking" in pg
    script = windows_start_script(home=tmp_path, port=8000, cluster=cluster)
    assert (
        script.startswith("@echo off\r\n")
        and f"--port 8000 --procesos {server_processes()}" in script
    )
    task = windows_task_command(script=tmp_path / "itplus-servidor.cmd")
    assert task.startswith('schtasks /Create /TN "itplus tienda" /SC ONSTART')


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only as root")
def test_the_own_cluster_is_refused_to_root_in_spanish(tmp_path):
    with pytest.raises(ServerSetupError, match="PostgreSQL no se ejecuta como root"):
        pg_cluster_init(home=tmp_path)
    assert not (tmp_path / "postgresql").exists()
