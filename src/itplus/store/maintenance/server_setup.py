"""Server mode (``itplus setup server``): the store moves from its SQLite file into
PostgreSQL, and the server PC starts it at boot.

The move (``store_move``) copies every row of every model table (Django's own included:
content types, permissions, users, sessions) into a freshly migrated PostgreSQL database,
table by table in primary-key order, with PostgreSQL's ``COPY`` — values read through the
ORM (so they are the Python values Django would save) and written as the target
connection prepares them (``get_db_prep_save``). Foreign keys are checked at commit (Django
creates them DEFERRABLE INITIALLY DEFERRED), so the order of the tables does not matter and
the whole copy is one transaction: a failure leaves the target empty. The tables' sequences
are then set past their highest key. The content digest of maintenance (``digest.py``, the
one a backup signs) is computed on both sides — the source inside the transaction that read
it — and the move succeeds only when the two are equal; only then does the caller write the
database URL into itplus.toml. The SQLite file is left as it was.

A local cluster (``pg_cluster_init``) is created from the installed PostgreSQL binaries in
``ITPLUS_HOME/postgresql`` (initdb with a generated superuser password, listening on
127.0.0.1 only), with a role and a database for the store.

Boot: ``systemd_units`` writes the unit text (Linux), ``windows_task_command`` the
``schtasks`` command line (Windows); serving is ``itplus serve`` on 0.0.0.0.
"""

from __future__ import annotations

import copy
import os
import secrets
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import connections, models, transaction
from django.utils.translation import gettext as _

from itplus.store.config import config_section_set
from itplus.store.maintenance.changelog import ensure_change_triggers
from itplus.store.maintenance.dbcopy import (
    DatabaseCopyError,
    _pg_admin,
    _pg_connect,
    database_is_empty,
    pg_tool,
)
from itplus.store.maintenance.digest import content_digest, keyed_tables

BATCH_ROWS = 5_000
CLUSTER_DIR = "postgresql"
DEFAULT_CLUSTER_PORT = 5433  # beside a system PostgreSQL on 5432
MAX_SERVER_PROCESSES = 4


class ServerSetupError(DatabaseCopyError):
    """``itplus setup server`` cannot go on; ``str(exc)`` is Spanish and says what to do."""


@dataclass(frozen=True)
class MoveResult:
    tables: int
    rows: int
    digest: str
    seconds: float


# --- the target database ---------------------------------------------------------------


def database_url_settings(url: str, *, based_on: str = "default") -> dict[str, Any]:
    """A complete Django settings dict for the PostgreSQL at ``url``."""
    parsed = dj_database_url.parse(url)
    if parsed["ENGINE"] != "django.db.backends.postgresql":
        raise ServerSetupError(
            _(
                "La dirección de la base debe ser de PostgreSQL: postgres://usuario:clave@equipo:puerto/base"
            )
        )
    settings_dict = copy.deepcopy(connections[based_on].settings_dict)
    settings_dict.update(
        ENGINE=parsed["ENGINE"],
        NAME=parsed["NAME"],
        USER=parsed.get("USER", ""),
        PASSWORD=parsed.get("PASSWORD", ""),
        HOST=parsed.get("HOST", ""),
        PORT=parsed.get("PORT", ""),
        OPTIONS=parsed.get("OPTIONS", {}),
        CONN_MAX_AGE=0,
    )
    return settings_dict


@contextmanager
def database_alias(settings_dict: dict[str, Any]) -> Iterator[str]:
    """A temporary Django alias for ``settings_dict``; removed after."""
    alias = f"itplus_server_{uuid.uuid4().hex[:10]}"
    connections.databases[alias] = settings_dict
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.databases[alias]


def pg_database_ensure(settings_dict: dict[str, Any]) -> bool:
    """Create the database when it does not exist; True when it was created."""
    import psycopg
    from psycopg import sql

    name = settings_dict["NAME"]
    try:
        _pg_connect(settings_dict, name).close()
        return False
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc) and "no existe" not in str(exc):
            raise ServerSetupError(
                _("No se pudo conectar a PostgreSQL: %(error)s") % {"error": exc}
            ) from exc
    with _pg_admin(settings_dict) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                sql.Identifier(name)
            )
        )
    return True


# --- the move ----------------------------------------------------------------------------


def _copied_models(using: str) -> list[type[models.Model]]:
    connection = connections[using]
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
    found: dict[str, type[models.Model]] = {}
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed or opts.db_table not in existing:
            continue
        found.setdefault(opts.db_table, model)
    return [found[table] for table in sorted(found)]


def _columns(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.local_concrete_fields if not getattr(f, "generated", False)]


def _copy_table(model: type[models.Model], *, source: str, target: str) -> int:
    fields = _columns(model)
    attnames = [f.attname for f in fields]
    target_connection = connections[target]
    quote = target_connection.ops.quote_name
    statement = "COPY {} ({}) FROM STDIN".format(
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    )
    pk = model._meta.pk.attname
    rows = 0
    queryset = model._base_manager.using(source).order_by(pk).values_list(*attnames)
    with target_connection.cursor() as cursor, cursor.copy(statement) as out:
        last = None
        while True:
            batch = queryset.filter(**({f"{pk}__gt": last} if last is not None else {}))[
                :BATCH_ROWS
            ]
            batch = list(batch)
            if not batch:
                break
            for values in batch:
                out.write_row(
                    [
                        field.get_db_prep_save(value, connection=target_connection)
                        for field, value in zip(fields, values, strict=True)
                    ]
                )
            rows += len(batch)
            last = batch[-1][attnames.index(pk)]
    return rows


def _truncate(tables: list[str], *, using: str) -> None:
    connection = connections[using]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE {} RESTART IDENTITY CASCADE".format(", ".join(quote(t) for t in tables))
        )


def _reset_sequences(model_list: list[type[models.Model]], *, using: str) -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), model_list):
            cursor.execute(statement)


def store_move(*, target: str, source: str = "default", stdout=None) -> MoveResult:
    """Copy the store at ``source`` (SQLite) into ``target`` (an empty PostgreSQL alias):
    migrate, copy every row, reset the sequences, and compare content digests.

    Raises ServerSetupError (the target left empty of business data) when the target
    already holds tables or the digests differ."""
    started = time.monotonic()
    if connections[target].vendor != "postgresql":
        raise ServerSetupError(_("El destino debe ser una base PostgreSQL."))
    if not database_is_empty(using=target):
        raise ServerSetupError(
            _(
                "La base %(name)s ya tiene tablas. Indique una base nueva o vacía (itplus "
                "setup server no sobrescribe datos)."
            )
            % {"name": connections[target].settings_dict["NAME"]}
        )
    call_command("migrate", database=target, interactive=False, verbosity=0)
    model_list = _copied_models(source)
    missing = [m._meta.db_table for m in model_list if m not in _copied_models(target)]
    if missing:
        raise ServerSetupError(
            _("Faltan tablas en la base nueva tras migrar: %(tables)s")
            % {"tables": ", ".join(missing)}
        )
    rows = 0
    # The source is read in one transaction (SQLite: BEGIN IMMEDIATE, so no till writes
    # mid-copy) and its digest is taken inside it: both describe the same data.
    with transaction.atomic(using=source):
        with transaction.atomic(using=target):
            # Migrations' post_migrate rows (content types, permissions) make way for the
            # store's own, with their ids.
            _truncate([m._meta.db_table for m in model_list], using=target)
            for model in model_list:
                copied = _copy_table(model, source=source, target=target)
                rows += copied
                if stdout is not None and copied:
                    stdout.write(f"  {model._meta.db_table}: {copied}\n")
            _reset_sequences(model_list, using=target)
        source_digest, source_counts = content_digest(using=source)
    # The target's change triggers, so its first backup's incremental digest is sound.
    ensure_change_triggers(keyed_tables(using=target), using=target)
    target_digest, target_counts = content_digest(using=target)
    if target_digest != source_digest:
        differing = sorted(
            t
            for t in set(source_counts) | set(target_counts)
            if source_counts.get(t) != target_counts.get(t)
        )
        _truncate([m._meta.db_table for m in model_list], using=target)
        raise ServerSetupError(
            _(
                "La copia en PostgreSQL no es idéntica a la tienda (huella distinta%(tables)s). "
                "No se cambió nada: la tienda sigue en SQLite."
            )
            % {"tables": f"; tablas: {', '.join(differing)}" if differing else ""}
        )
    return MoveResult(
        tables=len(model_list),
        rows=rows,
        digest=source_digest,
        seconds=time.monotonic() - started,
    )


# --- a local cluster ---------------------------------------------------------------------


def _run(cmd: list[str], what: str, **kwargs) -> None:
    result = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise ServerSetupError(
            _("%(what)s falló: %(detail)s")
            % {"what": what, "detail": " / ".join(detail[-3:]) or result.returncode}
        )


@dataclass(frozen=True)
class Cluster:
    data_dir: Path
    port: int
    pg_ctl: str
    url: str  # the store's role and database


def cluster_dir(home: Path) -> Path:
    return Path(home) / CLUSTER_DIR


def pg_cluster_init(*, home: Path, port: int = DEFAULT_CLUSTER_PORT) -> Cluster:
    """Initialise (once) and start a PostgreSQL cluster in ``home/postgresql`` from the
    installed binaries, listening on 127.0.0.1:``port``; create the role ``itplus`` and
    the database ``itplus``. Returns the cluster with the store's database URL."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        raise ServerSetupError(
            _(
                "PostgreSQL no se ejecuta como root. Ejecute itplus setup server con el "
                "usuario que atenderá la tienda, o indique una base existente con "
                "--database-url."
            )
        )
    initdb, _version = pg_tool("initdb", min_major=12)
    pg_ctl = str(Path(initdb).with_name(Path(pg_tool("pg_ctl", min_major=12)[0]).name))
    if not Path(pg_ctl).exists():
        pg_ctl = pg_tool("pg_ctl", min_major=12)[0]
    base = cluster_dir(home)
    data = base / "data"
    secrets_file = base / "superuser-password"
    store_secret = base / "itplus-password"
    base.mkdir(parents=True, exist_ok=True)
    if not (data / "PG_VERSION").exists():
        password = secrets.token_urlsafe(24)
        secrets_file.write_text(password, encoding="utf-8")
        os.chmod(secrets_file, 0o600)
        _run(
            [
                initdb,
                "--pgdata",
                str(data),
                "--username",
                "postgres",
                "--pwfile",
                str(secrets_file),
                "--auth",
                "scram-sha-256",
                "--encoding",
                "UTF8",
                "--locale",
                "C",
            ],
            "initdb",
        )
        with (data / "postgresql.conf").open("a", encoding="utf-8") as fh:
            fh.write(
                "\n# itplus: only this PC reaches the database; terminals use the store's API.\n"
                f"listen_addresses = '127.0.0.1'\nport = {port}\n"
                f"unix_socket_directories = '{base.as_posix()}'\n"
            )
    log = base / "postgresql.log"
    status = subprocess.run([pg_ctl, "status", "-D", str(data)], capture_output=True)
    if status.returncode != 0:
        _run([pg_ctl, "start", "-w", "-D", str(data), "-l", str(log)], "pg_ctl start")
    superuser = {
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "USER": "postgres",
        "PASSWORD": secrets_file.read_text(encoding="utf-8").strip(),
        "OPTIONS": {},
    }
    if not store_secret.exists():
        store_secret.write_text(secrets.token_urlsafe(24), encoding="utf-8")
        os.chmod(store_secret, 0o600)
    store_password = store_secret.read_text(encoding="utf-8").strip()
    _role_and_database_ensure(superuser, role="itplus", password=store_password, name="itplus")
    url = f"postgres://itplus:{store_password}@127.0.0.1:{port}/itplus"
    return Cluster(data_dir=data, port=port, pg_ctl=pg_ctl, url=url)


def _role_and_database_ensure(
    superuser: dict[str, Any], *, role: str, password: str, name: str
) -> None:
    from psycopg import sql

    with _pg_admin(superuser) as admin:
        exists = admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone()
        verb = "ALTER" if exists else "CREATE"
        admin.execute(
            sql.SQL(verb + " ROLE {} LOGIN PASSWORD {}").format(
                sql.Identifier(role), sql.Literal(password)
            )
        )
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(
                sql.SQL("CREATE DATABASE {} OWNER {} TEMPLATE template0 ENCODING 'UTF8'").format(
                    sql.Identifier(name), sql.Identifier(role)
                )
            )


# --- starting at boot ---------------------------------------------------------------------


def itplus_command() -> list[str]:
    """How this install runs ``itplus`` (the console script beside this Python, else
    ``python -m itplus.store.cli``)."""
    script = Path(sys.executable).with_name("itplus.exe" if os.name == "nt" else "itplus")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "itplus.store.cli"]


def _quoted(args: list[str]) -> str:
    return " ".join(f'"{a}"' if (" " in a or not a) else a for a in args)


def server_processes() -> int:
    """How many processes the server PC serves with: one waitress process runs on one
    CPU, so one per CPU, at most ``MAX_SERVER_PROCESSES`` (PostgreSQL needs CPU too).
    On a 2-core PC, 2 processes gave ×1.3 the sales/s of one (docs/benchmarks.md, "Many
    terminals")."""
    return max(1, min(os.cpu_count() or 1, MAX_SERVER_PROCESSES))


def _serve_command(port: int) -> list[str]:
    return [
        *itplus_command(),
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        str(port),
        "--procesos",
        str(server_processes()),
    ]


def systemd_units(
    *, home: Path, user: str, port: int = 8000, cluster: Cluster | None = None
) -> dict[str, str]:
    """File name → text of the systemd units that start the store at boot (and its local
    PostgreSQL cluster, when there is one), serving on 0.0.0.0:``port``."""
    units: dict[str, str] = {}
    after = "network-online.target"
    requires = ""
    if cluster is not None:
        units["itplus-postgresql.service"] = (
            "[Unit]\n"
            "Description=itplus: PostgreSQL de la tienda\n"
            "After=network.target\n\n"
            "[Service]\n"
            "Type=forking\n"
            f"User={user}\n"
            f"ExecStart={cluster.pg_ctl} start -w -D {cluster.data_dir} -l {cluster.data_dir.parent / 'postgresql.log'}\n"
            f"ExecStop={cluster.pg_ctl} stop -m fast -D {cluster.data_dir}\n"
            f"PIDFile={cluster.data_dir / 'postmaster.pid'}\n"
            "TimeoutSec=120\n\n"
            "[Install]\n"
            "WantedBy=multi-user.target\n"
        )
        after += " itplus-postgresql.service"
        requires = "Requires=itplus-postgresql.service\n"
    units["itplus.service"] = (
        "[Unit]\n"
        "Description=itplus: tienda (servidor de la red local)\n"
        f"Wants=network-online.target\nAfter={after}\n{requires}\n"
        "[Service]\n"
        "Type=simple\n"
        f"User={user}\n"
        f"Environment=ITPLUS_HOME={home}\n"
        f"ExecStart={_quoted(_serve_command(port))}\n"
        "Restart=on-failure\n"
        "RestartSec=5\n\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n"
    )
    return units


def windows_start_script(*, home: Path, port: int = 8000, cluster: Cluster | None = None) -> str:
    """A ``.cmd`` that starts the local PostgreSQL (if any) and serves the store."""
    lines = ["@echo off", f'set "ITPLUS_HOME={home}"']
    if cluster is not None:
        lines.append(
            f'"{cluster.pg_ctl}" start -w -D "{cluster.data_dir}" -l "{cluster.data_dir.parent / "postgresql.log"}"'
        )
    lines.append(_quoted(_serve_command(port)))
    return "\r\n".join(lines) + "\r\n"


def windows_task_command(*, script: Path) -> str:
    """The ``schtasks`` line (run once, in an administrator's console) that runs
    ``script`` when Windows starts, as this user, whether or not anyone logs in."""
    return (
        f'schtasks /Create /TN "itplus tienda" /SC ONSTART /RU "%USERNAME%" /RP '
        f'/RL HIGHEST /TR "\\"{script}\\"" /F'
    )


def boot_files_write(
    *, home: Path, port: int = 8000, cluster: Cluster | None = None
) -> tuple[list[Path], list[str]]:
    """Write what starts the store at boot into ``home/servicio`` and return the files and
    the commands the owner runs (as administrator) to register them."""
    folder = Path(home) / "servicio"
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if os.name == "nt":
        script = folder / "itplus-servidor.cmd"
        script.write_text(
            windows_start_script(home=home, port=port, cluster=cluster),
            encoding="utf-8",
            newline="",
        )
        commands = [
            windows_task_command(script=script),
            f'netsh advfirewall firewall add rule name="itplus" dir=in action=allow protocol=TCP localport={port}',
        ]
        return [script], commands
    user = os.environ.get("SUDO_USER") or os.environ.get("USER") or "itplus"
    for name, text in systemd_units(home=home, user=user, port=port, cluster=cluster).items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    names = " ".join(p.name for p in written)
    commands = [
        f"sudo cp {' '.join(str(p) for p in written)} /etc/systemd/system/",
        "sudo systemctl daemon-reload",
        f"sudo systemctl enable --now {names}",
    ]
    if shutil.which("ufw"):
        commands.append(f"sudo ufw allow {port}/tcp")
    return written, commands


# --- the command (registered as ``itplus setup server`` by maintenance's ready()) -----------


def server_add_arguments(parser) -> None:
    parser.add_argument(
        "--database-url",
        help=_(
            "PostgreSQL existente (postgres://usuario:clave@equipo:puerto/base); sin esto se "
            "crea una base propia en ITPLUS_HOME/postgresql con PostgreSQL instalado"
        ),
    )
    parser.add_argument("--port", type=int, default=8000, help=_("puerto de la tienda (8000)"))
    parser.add_argument(
        "--cluster-port",
        type=int,
        default=DEFAULT_CLUSTER_PORT,
        help=_("puerto de la base propia (5433)"),
    )
    parser.add_argument(
        "--sin-servicio",
        dest="no_service",
        action="store_true",
        help=_("no escribir el servicio de inicio automático"),
    )


def server_handle(
    command,
    *,
    database_url: str | None = None,
    port: int = 8000,
    cluster_port: int = DEFAULT_CLUSTER_PORT,
    no_service: bool = False,
    **_options,
) -> None:
    home = Path(settings.ITPLUS_HOME)
    out = command.stdout
    try:
        cluster = None
        if not database_url:
            cluster = pg_cluster_init(home=home, port=cluster_port)
            database_url = cluster.url
            out.write(
                _("Base PostgreSQL propia en %(dir)s, puerto %(port)s.\n")
                % {"dir": cluster.data_dir, "port": cluster.port}
            )
        settings_dict = database_url_settings(database_url)
        source = connections["default"]
        if source.vendor == "postgresql":
            same = all(
                str(source.settings_dict.get(k) or "") == str(settings_dict.get(k) or "")
                for k in ("NAME", "HOST", "PORT")
            )
            if not same:
                raise ServerSetupError(
                    _(
                        "La tienda ya usa PostgreSQL (%(name)s); itplus setup server solo "
                        "traslada una tienda en SQLite."
                    )
                    % {"name": source.settings_dict["NAME"]}
                )
            call_command("migrate", interactive=False, verbosity=0)
            out.write(_("La tienda ya está en PostgreSQL; base al día.\n"))
        else:
            created = pg_database_ensure(settings_dict)
            with database_alias(settings_dict) as alias:
                if database_is_empty(using="default"):
                    call_command("migrate", database=alias, interactive=False, verbosity=0)
                    out.write(_("Base nueva creada y preparada (no había tienda en SQLite).\n"))
                else:
                    if created:
                        out.write(_("Base %(name)s creada.\n") % {"name": settings_dict["NAME"]})
                    out.write(_("Trasladando la tienda de SQLite a PostgreSQL…\n"))
                    result = store_move(target=alias, stdout=out)
                    out.write(
                        _(
                            "Tienda trasladada: %(tables)s tablas, %(rows)s filas en %(seconds).1f s; "
                            "huella de contenido idéntica (%(digest)s…).\n"
                        )
                        % {
                            "tables": result.tables,
                            "rows": result.rows,
                            "seconds": result.seconds,
                            "digest": result.digest[:16],
                        }
                    )
        # Only now, with the copy verified: the next start uses PostgreSQL.
        config_section_set(home, "database", {"url": database_url})
        out.write(
            _(
                "itplus.toml: [database] url escrita; la próxima vez la tienda usa PostgreSQL. "
                "El archivo SQLite queda como estaba.\n"
            )
        )
        if not no_service:
            written, commands = boot_files_write(home=home, port=port, cluster=cluster)
            out.write(
                _("Inicio automático: %(files)s. Para activarlo (como administrador):\n")
                % {"files": ", ".join(str(p) for p in written)}
            )
            for line in commands:
                out.write(f"  {line}\n")
        out.write(
            _(
                "La tienda se sirve en toda la red local (itplus serve, 0.0.0.0:%(port)s). "
                "Vincule cada caja con: itplus setup terminal --server http://ESTE-EQUIPO:%(port)s\n"
            )
            % {"port": port}
        )
    except DatabaseCopyError as exc:
        raise CommandError(str(exc)) from exc
