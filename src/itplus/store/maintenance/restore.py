"""Restore a backup over the current install (``itplus restore``).

Order matters, so that a refusal never leaves anything half-done:

1. Checks that touch nothing: the archive format and app version are not newer than
   ours; the whole backup verifies (``verify.py``, which also restores the database into
   a scratch location and so proves our tools can read the dump); it is for this
   install's database engine; it comes from this install.
2. A safety backup of the current state (``…-antes-de-restaurar.itpbak``).
3. The database: SQLite is written with the backup API into a new file that replaces the
   live one (stale ``-wal``/``-shm`` removed); PostgreSQL is restored into a new database
   with ``--exit-on-error --single-transaction`` that replaces the live one only when
   complete. Then ``itplus.toml``, reports and media.
4. The content digest of the restored database is compared with the manifest table by
   table, *before* migrating forward a backup from an older version.

``--force`` restores a backup that failed verification (loudly); it never overrides a
newer version or a backup that cannot be read at all.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.utils.translation import gettext as _
from packaging.version import InvalidVersion, Version

from itplus.store.config import CONFIG_FILENAME
from itplus.store.maintenance import archive, dbcopy, digest, keys
from itplus.store.maintenance.backup import (
    CONFIG_MEMBER,
    HOME_FOLDERS,
    KEY_MEMBER,
    BackupError,
    app_version,
    backup_create,
)
from itplus.store.maintenance.backup_status import SAFETY_LABEL
from itplus.store.maintenance.verify import VerifyResult, backup_verify


class RestoreRefused(Exception):
    """Refused before touching anything; ``str(exc)`` is a Spanish reason."""

    def __init__(self, message: str, *, credential: bool = False):
        super().__init__(message)
        self.credential = credential  # a passphrase/key problem (exit code 2)


class RestoreError(Exception):
    """Failed while restoring; the safety backup (if any) holds the previous state."""


@dataclass(frozen=True)
class TableComparison:
    table: str
    rows_expected: int | None
    rows_actual: int | None
    equal: bool


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    comparison: list[TableComparison]
    digest_expected: str
    digest_actual: str
    migrated: list[str] = field(default_factory=list)
    safety_backup: Path | None = None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def identical(self) -> bool:
        return self.digest_expected == self.digest_actual and all(c.equal for c in self.comparison)


def _newer(found: str, ours: str) -> bool:
    try:
        return Version(found) > Version(ours)
    except InvalidVersion:
        return False


def check_header(path: Path) -> archive.Header:
    """Refuse an archive of a newer format or app version (reads only the header)."""
    try:
        header = archive.read_header_file(path)
    except archive.UnsupportedArchive as exc:
        raise RestoreRefused(str(exc))
    except (archive.ArchiveError, OSError) as exc:
        raise RestoreRefused(_("No se puede leer el respaldo: %(e)s") % {"e": exc})
    found = str(header.fields.get("app_version", ""))
    if _newer(found, app_version()):
        raise RestoreRefused(
            _(
                "El respaldo es de itplus %(found)s, más nuevo que esta instalación "
                "(%(ours)s). Actualice itplus antes de restaurarlo; no se modificó nada."
            )
            % {"found": found, "ours": app_version()}
        )
    return header


def verified_for_install(
    *,
    path: Path,
    passphrase: str | None,
    key: bytes | None,
    using: str,
    force: bool,
    home: Path,
) -> tuple[VerifyResult, list[str]]:
    """Verify the backup, keeping its extracted members inside ``home``; refuse unless it
    can be restored here. Returns the result and the warnings to show."""
    check_header(path)
    result = backup_verify(path=path, passphrase=passphrase, key=key, using=using, keep_in=home)
    try:
        warnings = list(result.warnings)
        if result.credential_missing and not result.problems:
            raise RestoreRefused(result.credential_missing, credential=True)
        if result.newer_version:
            raise RestoreRefused(result.reason)
        manifest = result.manifest
        database = (manifest or {}).get("database") or {}
        dump = result.content_dir / str(database.get("member")) if result.content_dir else None
        if not result.ok:
            unreadable = manifest is None or dump is None or not dump.is_file() or result.oversized
            if not force or unreadable:
                raise RestoreRefused(
                    _("El respaldo no pasó la verificación: %(reasons)s")
                    % {"reasons": " | ".join(result.problems[:5])}
                    + (_(" (no se puede forzar: no se pudo leer)") if force else "")
                )
            warnings.append(
                _(
                    "ATENCIÓN: se restaura un respaldo que NO pasó la verificación (--force): "
                    "%(reasons)s"
                )
                % {"reasons": " | ".join(result.problems[:5])}
            )
        engine = dbcopy.engine_of(using)
        if database.get("engine") != engine:
            raise RestoreRefused(
                _(
                    "El respaldo es de una base %(theirs)s y esta instalación usa %(ours)s; "
                    "no se modificó nada."
                )
                % {"theirs": database.get("engine"), "ours": engine}
            )
    except BaseException:
        shutil.rmtree(result.staged, ignore_errors=True)
        raise
    return result, warnings


def _replace_folder(new: Path, current: Path) -> None:
    """Swap ``current`` for ``new`` (same file system): rename, then delete the old one."""
    old = current.with_name(f".{current.name}-anterior-{uuid.uuid4().hex[:8]}")
    if current.exists():
        os.replace(current, old)
    if new.is_dir():
        os.replace(new, current)
    else:
        current.mkdir(parents=True)
    shutil.rmtree(old, ignore_errors=True)


def compare(
    expected: dict[str, Any], actual: dict[str, digest.TableDigest]
) -> list[TableComparison]:
    rows = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        rows.append(
            TableComparison(
                table=table,
                rows_expected=want.get("rows") if want else None,
                rows_actual=got.rows if got else None,
                equal=bool(
                    want
                    and got
                    and want.get("rows") == got.rows
                    and want.get("sha256") == got.sha256
                ),
            )
        )
    return rows


def apply_backup(
    verified: VerifyResult, *, using: str, home: Path, key: bytes | None = None
) -> RestoreResult:
    """Put a verified backup's database, configuration, reports and media in place, compare
    the restored content with the manifest, then migrate forward if it is older."""
    manifest = verified.manifest or {}
    content = verified.content_dir
    database = manifest["database"]
    dump = content / database["member"]
    connections.close_all()
    try:
        if database["engine"] == "sqlite":
            dbcopy.sqlite_place(source=dump, target=dbcopy.sqlite_path(using))
        else:
            dbcopy.pg_replace_database(
                dump=dump,
                using=using,
                min_major=max(dbcopy.dump_major(database.get("tool", "")), 1),
            )
    except (dbcopy.DatabaseCopyError, OSError) as exc:
        raise RestoreError(_("No se pudo restaurar la base de datos: %(e)s") % {"e": exc})

    config = content / CONFIG_MEMBER
    if config.is_file():
        os.replace(config, home / CONFIG_FILENAME)
    else:  # the store ran on defaults: so does the restored one
        (home / CONFIG_FILENAME).unlink(missing_ok=True)
    for folder in HOME_FOLDERS:
        _replace_folder(content / folder, home / folder)
    if keys.load_backup_key(home) is None:
        embedded = content / KEY_MEMBER
        if key is None and embedded.is_file():
            key = keys.parse_key(embedded.read_text(encoding="ascii"))
        if key is not None:
            keys.store_backup_key(home, key)

    digest_format = digest.manifest_format(manifest)
    if digest_format not in digest.KNOWN_FORMATS:  # forced restore of a newer backup
        digest_format = digest.DIGEST_FORMAT  # the comparison then shows every table differ
    actual = digest.table_digests(using=using, format=digest_format)
    comparison = compare(manifest.get("tables") or {}, actual)
    missing, _unknown = dbcopy.migration_gap(dbcopy.applied_migrations(using=using))
    if missing:
        call_command("migrate", database=using, interactive=False, verbosity=0)
    return RestoreResult(
        manifest=manifest,
        comparison=comparison,
        digest_expected=str(manifest.get("content_digest", "")),
        digest_actual=digest.combine(actual),
        migrated=missing,
    )


def backup_restore(
    *,
    path: Path,
    passphrase: str | None = None,
    key: bytes | None = None,
    force: bool = False,
    using: str = "default",
) -> RestoreResult:
    """Replace the current data with a backup's.

    Guarantees: refuses (``RestoreRefused``, nothing touched) a newer backup, one our
    tools cannot read, one of another engine or install, or one that fails verification
    (unless ``force``); otherwise takes a safety backup first, restores database,
    configuration, reports and media, checks the content digest table by table
    (``result.identical``) and migrates forward a backup of an older version.
    """
    started = time.monotonic()
    home = Path(settings.ITPLUS_HOME)
    verified, warnings = verified_for_install(
        path=path, passphrase=passphrase, key=key, using=using, force=force, home=home
    )
    try:
        manifest = verified.manifest or {}
        ours = keys.install_id(home, create=False)
        if ours and manifest.get("install_id") != ours:
            if not force:
                raise RestoreRefused(
                    _(
                        "El respaldo es de otra instalación (%(theirs)s, tienda «%(store)s»); "
                        "esta es %(ours)s. Use --force si de verdad quiere reemplazar los "
                        "datos de esta tienda."
                    )
                    % {
                        "theirs": manifest.get("install_id"),
                        "store": manifest.get("store", {}).get("name", "?"),
                        "ours": ours,
                    }
                )
            warnings.append(_("ATENCIÓN: el respaldo es de otra instalación (--force)."))
        safety = None
        if not dbcopy.database_is_empty(using=using):
            try:
                safety = backup_create(using=using, label=SAFETY_LABEL).path
            except BackupError as exc:
                if not force:
                    raise RestoreRefused(
                        _(
                            "No se pudo hacer el respaldo de seguridad del estado actual "
                            "(%(e)s); no se modificó nada. Use --force para restaurar igual."
                        )
                        % {"e": exc}
                    )
                warnings.append(
                    _("ATENCIÓN: sin respaldo de seguridad del estado actual (%(e)s).") % {"e": exc}
                )
        result = apply_backup(verified, using=using, home=home, key=key)
    finally:
        shutil.rmtree(verified.staged, ignore_errors=True)
    result.safety_backup = safety
    result.warnings = warnings
    result.seconds = time.monotonic() - started
    return result
