"""Consistent copies of the database in and out, for SQLite and PostgreSQL.

- SQLite: the live database file itself, pinned by a read transaction begun right after
  a complete checkpoint (``_pin_checkpointed_snapshot``: SQLite then leaves the file alone
  until that transaction ends); when that cannot be arranged, the online backup API
  (``sqlite3.Connection.backup``) copies a consistent snapshot. A plain file copy of a
  live database could catch it half-written.
- PostgreSQL: ``pg_dump --format=custom`` with the snapshot of a REPEATABLE READ
  transaction that we export, so the dump, the digest and the chain heads we compute in
  that transaction all see the same data. ``pg_restore --exit-on-error
  --single-transaction``: a damaged or truncated dump fails instead of leaving empty
  tables.

Scratch databases are registered as temporary Django aliases so the ORM (digest, audit)
runs on them; PostgreSQL scratch databases are named ``itplus_verify_*`` /
``itplus_bk_*`` and always dropped. External tools are called with argument lists
(no shell), so this runs on Windows too.
"""

from __future__ import annotations

import copy
import glob
import os
import re
import shutil
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils.translation import gettext as _

SQLITE_MEMBER = "db/itplus.sqlite3"
PG_MEMBER = "db/itplus.pgdump"


class DatabaseCopyError(Exception):
    """A copy, restore or check of the database failed; ``str(exc)`` is Spanish."""


@dataclass
class Snapshot:
    engine: str  # "sqlite" | "postgresql"
    version: str  # server / library version
    alias: str  # a Django alias reading exactly the snapshot's data
    path: Path  # the file that goes into the archive (ready after the context exits)
    member: str
    tool: str = ""  # "pg_dump (PostgreSQL) 15.20"
    # The file is complete on entering the block (SQLite: the copy is made first, or the
    # live file is pinned), so it can be archived while the digest reads the snapshot;
    # pg_dump's only on exit.
    ready: bool = False
    # The file is a copy of ours (delete it once archived), not the live database.
    owned: bool = True
    # Rewrites the file's first bytes as they are archived (see sqlite_archive_head).
    head: Callable[[memoryview], None] | None = None


def engine_of(using: str = "default") -> str:
    vendor = connections[using].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise DatabaseCopyError(_("Motor de base de datos no soportado: %(v)s") % {"v": vendor})
    return vendor


def member_for(engine: str) -> str:
    return SQLITE_MEMBER if engine == "sqlite" else PG_MEMBER


def database_version(using: str = "default") -> str:
    connection = connections[using]
    if connection.vendor == "sqlite":
        return sqlite3.sqlite_version
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0]).split()[0]


# --- temporary aliases -----------------------------------------------------------------


@contextmanager
def temporary_alias(
    *,
    name: str | Path,
    based_on: str = "default",
    read_only: bool = False,
    prefix: str = "tmp",
    engine: str | None = None,
) -> Iterator[str]:
    """A Django database alias like ``based_on`` but for database ``name``; removed after."""
    settings_dict = copy.deepcopy(connections[based_on].settings_dict)
    settings_dict["NAME"] = str(name)
    if engine == "sqlite" and not settings_dict["ENGINE"].endswith("sqlite3"):
        # A SQLite backup checked on a PostgreSQL install: sqlite3 is always at hand.
        settings_dict.update(
            ENGINE="django.db.backends.sqlite3", HOST="", PORT="", USER="", PASSWORD=""
        )
    if settings_dict["ENGINE"].endswith("sqlite3"):
        # No journal_mode=WAL switch on a scratch copy; query_only makes a checker unable to
        # write by mistake.
        settings_dict["OPTIONS"] = {
            "timeout": 20,
            "init_command": "PRAGMA query_only=1;" if read_only else "",
        }
    alias = f"itplus_{prefix}_{uuid.uuid4().hex[:10]}"
    connections.databases[alias] = settings_dict
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.databases[alias]


# --- migrations ------------------------------------------------------------------------


def applied_migrations(*, using: str) -> dict[str, list[str]]:
    applied: dict[str, list[str]] = {}
    for app, name in sorted(MigrationRecorder(connections[using]).applied_migrations()):
        applied.setdefault(app, []).append(name)
    return applied


def migration_gap(applied: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """(migrations of this version not in ``applied``, migrations in ``applied`` we do not
    know — i.e. the data comes from a newer itplus)."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    have = {(app, name) for app, names in applied.items() for name in names}
    missing = sorted(f"{a}.{n}" for a, n in known - have)
    unknown = sorted(f"{a}.{n}" for a, n in have - known)
    return missing, unknown


# --- SQLite ----------------------------------------------------------------------------


def _sqlite_uri(path: Path, mode: str) -> str:
    return f"{path.resolve().as_uri()}?mode={mode}"


def sqlite_copy(source: Path, dest: Path) -> None:
    """Consistent copy of a (possibly live, WAL) SQLite database into a new file ``dest``."""
    if not source.exists():
        raise DatabaseCopyError(_("No existe la base de datos %(p)s.") % {"p": source})
    src = sqlite3.connect(_sqlite_uri(source, "rw"), uri=True, timeout=30)
    dst = sqlite3.connect(dest)
    try:
        # A new file nobody reads until we are done: no journal syncs while it is written
        # (a restore fsyncs the finished file itself before putting it in place).
        dst.execute("PRAGMA synchronous=OFF")
        src.backup(dst)  # all pages in one step: one read snapshot, writers keep going
        # A self-contained file: no -wal beside it is needed to read it.
        dst.execute("PRAGMA journal_mode=DELETE")
    except sqlite3.Error as exc:
        raise DatabaseCopyError(_("No se pudo copiar la base de datos SQLite: %(e)s") % {"e": exc})
    finally:
        dst.close()
        src.close()


PIN_ATTEMPTS = 3
# SQLite's lock-byte page: on Windows its locks are mandatory, so another handle cannot
# read that range of a database bigger than this while SQLite has it open.
SQLITE_PENDING_BYTE = 0x4000_0000


def _pin_checkpointed_snapshot(source: Path, alias: str) -> bool:
    """Start a read transaction on ``alias`` (the live WAL database) whose snapshot is
    exactly the bytes of the database file, and keep that file unchanged while it lasts.

    With the write lock held (nobody can commit), a passive checkpoint copies every WAL
    frame into the file; if it got them all, a read transaction begun now sees the file
    as it is. From then on SQLite cannot write a newer page into the file until that
    transaction ends (a checkpoint never goes past the oldest reader's snapshot), while the
    tills keep committing to the WAL. So the file can be archived as it is — no copy.
    False when that could not be arranged (not WAL, a slow reader kept the checkpoint
    from finishing, locked, a database over 1 GiB on Windows): the caller copies through
    the backup API instead.
    """
    if os.name == "nt" and source.stat().st_size > SQLITE_PENDING_BYTE:
        return False
    for attempt in range(PIN_ATTEMPTS):
        if attempt:
            time.sleep(0.05 * attempt)
        try:
            writer = sqlite3.connect(
                _sqlite_uri(source, "rw"), uri=True, timeout=30, isolation_level=None
            )
        except sqlite3.Error:
            return False
        try:
            writer.execute("BEGIN IMMEDIATE")  # no commit can happen until the ROLLBACK
            checker = sqlite3.connect(_sqlite_uri(source, "rw"), uri=True, isolation_level=None)
            try:
                busy, frames, copied = checker.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            finally:
                checker.close()
            if frames < 0:  # not in WAL mode
                return False
            if busy or copied != frames:
                continue  # an older reader holds frames back: try again
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT count(*) FROM sqlite_master")  # the snapshot starts
                cursor.fetchone()
            return True
        except sqlite3.Error:
            continue
        finally:
            try:
                writer.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            writer.close()
    return False


def sqlite_archive_head(head: memoryview) -> None:
    """A live WAL database's header says "WAL" (bytes 18-19 = 2): archived as a rollback
    journal database (1), as ``PRAGMA journal_mode=DELETE`` would leave it, so the restored
    file stands alone and opens read-only without a ``-wal`` beside it."""
    if len(head) >= 20 and head[18] == 2 and head[19] == 2:
        head[18] = head[19] = 1


def sqlite_check(path: Path) -> list[str]:
    """SQLite's own checks (pages, indexes, foreign keys); empty when it says ok."""
    problems: list[str] = []
    try:
        con = sqlite3.connect(_sqlite_uri(path, "ro"), uri=True)
        try:
            rows = [r[0] for r in con.execute("PRAGMA integrity_check")]
            if rows != ["ok"]:
                problems += [_("SQLite integrity_check: %(r)s") % {"r": r} for r in rows[:10]]
            for table, rowid, parent, _fk in con.execute("PRAGMA foreign_key_check").fetchmany(10):
                problems.append(
                    _("SQLite: la fila %(rowid)s de %(table)s apunta a %(parent)s inexistente.")
                    % {"rowid": rowid, "table": table, "parent": parent}
                )
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        problems.append(_("La base de datos SQLite no se puede abrir: %(e)s") % {"e": exc})
    return problems


def sqlite_place(*, source: Path, target: Path) -> None:
    """Put a verified SQLite file in place of the live database ``target``.

    The copy is made with the backup API into ``<target>.restaurando``, switched to WAL and
    fsynced; then stale ``-wal``/``-shm`` files (which belong to the old file and would be
    replayed onto the new one) are removed and the file renamed into place. The caller
    closes Django's connections first; the server must be stopped.
    """
    staging = target.with_name(target.name + ".restaurando")
    staging.unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    sqlite_copy(source, staging)
    con = sqlite3.connect(staging)
    try:
        con.execute("PRAGMA journal_mode=WAL")
    finally:
        con.close()
    with staging.open("rb+") as fh:
        os.fsync(fh.fileno())
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
        Path(f"{staging}{suffix}").unlink(missing_ok=True)
    os.replace(staging, target)


def sqlite_path(using: str) -> Path:
    return Path(connections[using].settings_dict["NAME"])


# --- PostgreSQL tools ------------------------------------------------------------------

_VERSION = re.compile(r"(\d+)(?:\.(\d+))?")


def _tool_version(path: str) -> tuple[int, str] | None:
    try:
        out = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION.search(out.rsplit(")", 1)[-1]) or _VERSION.search(out)
    return (int(match.group(1)), out) if match else None


def pg_tool(name: str, *, min_major: int) -> tuple[str, str]:
    """Path and ``--version`` of ``pg_dump``/``pg_restore``, major version ≥ ``min_major``
    (a tool older than the server or the dump cannot read it), preferring an exact match."""
    exe = name + (".exe" if os.name == "nt" else "")
    candidates: list[str] = []
    if bindir := os.environ.get("ITPLUS_PG_BIN"):
        candidates.append(str(Path(bindir) / exe))
    candidates.append(f"/usr/lib/postgresql/{min_major}/bin/{exe}")
    program_files = os.environ.get("ProgramFiles", r"C:\Program Files")
    candidates.append(str(Path(program_files) / "PostgreSQL" / str(min_major) / "bin" / exe))
    if found := shutil.which(name):
        candidates.append(found)
    candidates += sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{exe}"), reverse=True)
    candidates += sorted(
        glob.glob(str(Path(program_files) / "PostgreSQL" / "*" / "bin" / exe)), reverse=True
    )
    seen = set()
    for candidate in candidates:
        if candidate in seen or not Path(candidate).exists():
            continue
        seen.add(candidate)
        version = _tool_version(candidate)
        if version and version[0] >= min_major:
            return candidate, version[1]
    raise DatabaseCopyError(
        _(
            "No se encontró %(tool)s de PostgreSQL %(major)s o más nuevo. Instale el cliente "
            "de PostgreSQL de la misma versión que el servidor (o indique su carpeta en "
            "ITPLUS_PG_BIN)."
        )
        % {"tool": name, "major": min_major}
    )


def _server_major(using: str) -> int:
    return connections[using].pg_version // 10000


def _tool_args(settings_dict: dict[str, Any], dbname: str) -> tuple[list[str], dict[str, str]]:
    args = ["--dbname", dbname, "--no-password"]
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    if sslmode := settings_dict.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = str(sslmode)
    env["PGAPPNAME"] = "itplus-backup"
    return args, env


def _run_tool(cmd: list[str], env: dict[str, str], what: str) -> None:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise DatabaseCopyError(
            _("%(what)s falló: %(detail)s")
            % {"what": what, "detail": " / ".join(detail[-3:]) or result.returncode}
        )


def _pg_params(settings_dict: dict[str, Any]) -> dict[str, Any]:
    params = {
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        **{k: v for k, v in settings_dict.get("OPTIONS", {}).items() if k in ("sslmode",)},
    }
    return {k: v for k, v in params.items() if v is not None}


def _pg_connect(settings_dict: dict[str, Any], dbname: str):
    import psycopg

    return psycopg.connect(dbname=dbname, autocommit=True, **_pg_params(settings_dict))


def _pg_admin(settings_dict: dict[str, Any]):
    import psycopg

    last: Exception | None = None
    for dbname in ("postgres", "template1"):
        try:
            return _pg_connect(settings_dict, dbname)
        except psycopg.Error as exc:
            last = exc
    raise DatabaseCopyError(
        _("No se pudo conectar a PostgreSQL para administrar bases: %(e)s") % {"e": last}
    )


def pg_create_database(settings_dict: dict[str, Any], name: str) -> None:
    from psycopg import sql

    with _pg_admin(settings_dict) as admin:
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                sql.Identifier(name)
            )
        )


def pg_drop_database(settings_dict: dict[str, Any], name: str) -> None:
    from psycopg import sql

    with _pg_admin(settings_dict) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def pg_restore_into(
    *, settings_dict: dict[str, Any], dbname: str, dump: Path, min_major: int
) -> None:
    """``pg_restore`` into an empty database, stopping at the first error, all or nothing."""
    tool, _version = pg_tool("pg_restore", min_major=min_major)
    args, env = _tool_args(settings_dict, dbname)
    _run_tool(
        [
            tool,
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            "--no-acl",
            *args,
            str(dump),
        ],
        env,
        "pg_restore",
    )
    # A restored database has no planner statistics until autovacuum gets to it: the
    # audit (and the tills, after a restore) would run on guesses. ~1 s for a year of data;
    # it made verify's audit twice as fast.
    import psycopg

    try:
        with _pg_connect(settings_dict, dbname) as conn:
            conn.execute("ANALYZE")
    except psycopg.Error as exc:
        raise DatabaseCopyError(_("ANALYZE falló tras pg_restore: %(e)s") % {"e": exc})


def dump_major(tool_version: str) -> int:
    """The major version of the pg_dump that wrote a dump (from its ``--version`` text)."""
    match = _VERSION.search(tool_version.rsplit(")", 1)[-1]) or _VERSION.search(tool_version)
    return int(match.group(1)) if match else 0


def pg_replace_database(*, dump: Path, using: str, min_major: int) -> None:
    """Replace database ``using`` with the dump: restore into ``itplus_bk_restore_*`` first,
    and only when that fully succeeded, drop the old database and rename the new one into
    its place. A failing restore leaves the live database untouched."""
    settings_dict = copy.deepcopy(connections[using].settings_dict)
    target = settings_dict["NAME"]
    staging = f"itplus_bk_restore_{uuid.uuid4().hex[:10]}"
    pg_create_database(settings_dict, staging)
    try:
        pg_restore_into(settings_dict=settings_dict, dbname=staging, dump=dump, min_major=min_major)
    except BaseException:
        pg_drop_database(settings_dict, staging)
        raise
    from psycopg import sql

    connections[using].close()
    with _pg_admin(settings_dict) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(target))
        )
        admin.execute(
            sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                sql.Identifier(staging), sql.Identifier(target)
            )
        )


# --- snapshots and scratch databases ---------------------------------------------------


@contextmanager
def database_snapshot(*, using: str, dest_dir: Path) -> Iterator[Snapshot]:
    """A consistent copy of database ``using`` written into ``dest_dir``.

    Inside the block, ``snapshot.alias`` reads exactly the copied data (for the digest and
    the chain heads); the file at ``snapshot.path`` is complete when the block exits.
    """
    engine = engine_of(using)
    version = database_version(using)
    if engine == "sqlite":
        source = sqlite_path(using)
        with temporary_alias(name=source, based_on=using, read_only=True, prefix="bk") as alias:
            with transaction.atomic(using=alias):
                if _pin_checkpointed_snapshot(source, alias):
                    yield Snapshot(
                        engine,
                        version,
                        alias,
                        source,
                        SQLITE_MEMBER,
                        ready=True,
                        owned=False,
                        head=sqlite_archive_head,
                    )
                    return
        path = dest_dir / "itplus.sqlite3"
        sqlite_copy(source, path)
        with temporary_alias(name=path, based_on=using, read_only=True, prefix="bk") as alias:
            yield Snapshot(engine, version, alias, path, SQLITE_MEMBER, ready=True)
        return

    path = dest_dir / "itplus.pgdump"
    tool, tool_version = pg_tool("pg_dump", min_major=_server_major(using))
    settings_dict = connections[using].settings_dict
    args, env = _tool_args(settings_dict, settings_dict["NAME"])
    with temporary_alias(name=settings_dict["NAME"], based_on=using, prefix="bk") as alias:
        with transaction.atomic(using=alias):
            with connections[alias].cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot_id = cursor.fetchone()[0]
            # pg_dump imports our snapshot; it and the digest below read in parallel.
            process = subprocess.Popen(
                [
                    tool,
                    "--format=custom",
                    "--compress=0",
                    f"--snapshot={snapshot_id}",
                    "--file",
                    str(path),
                    *args,
                ],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                yield Snapshot(engine, version, alias, path, PG_MEMBER, tool_version)
            finally:
                _out, err = process.communicate()
            if process.returncode != 0:
                raise DatabaseCopyError(
                    _("pg_dump falló: %(detail)s") % {"detail": err.strip()[-500:]}
                )


@contextmanager
def scratch_database(
    *,
    engine: str,
    dump: Path,
    tool_version: str = "",
    based_on: str = "default",
    read_only: bool = True,
) -> Iterator[str]:
    """The dump restored into a scratch database, as a temporary alias; dropped after.

    SQLite: the extracted file itself (opened query-only). PostgreSQL: a new database
    ``itplus_verify_*`` filled by ``pg_restore --exit-on-error --single-transaction``.
    """
    if engine == "sqlite":
        with temporary_alias(
            name=dump, based_on=based_on, read_only=read_only, prefix="verify", engine="sqlite"
        ) as alias:
            yield alias
        return
    settings_dict = copy.deepcopy(connections[based_on].settings_dict)
    if not settings_dict["ENGINE"].endswith("postgresql"):
        raise DatabaseCopyError(
            _(
                "Este respaldo es de PostgreSQL; para revisarlo esta instalación debe usar PostgreSQL."
            )
        )
    name = f"itplus_verify_{uuid.uuid4().hex[:10]}"
    pg_create_database(settings_dict, name)
    try:
        pg_restore_into(
            settings_dict=settings_dict,
            dbname=name,
            dump=dump,
            min_major=max(dump_major(tool_version), 1),
        )
        with temporary_alias(name=name, based_on=based_on, prefix="verify") as alias:
            yield alias
    finally:
        pg_drop_database(settings_dict, name)


def database_is_empty(*, using: str = "default") -> bool:
    """No tables at all (a fresh or wiped install); a database that does not exist yet
    counts as empty."""
    connection = connections[using]
    try:
        with connection.cursor() as cursor:
            return not connection.introspection.table_names(cursor)
    except Exception:  # noqa: BLE001 - absent database / server: nothing to lose there
        connection.close()
        return True
