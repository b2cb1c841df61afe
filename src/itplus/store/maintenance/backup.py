"""Backups: create one archive, list a folder of them, prune by retention.

A backup is one ``.itpbak`` file (format in ``archive.py``) holding a consistent copy of
the database, ``itplus.toml``, the reports and media folders, and a signed manifest
(``manifest.json``, last member)::

    format, archive_id, header_sha256   bind the manifest to this very archive
    app_version, created_at, host, install_id, role, store
    database    engine, version, member, dump tool
    migrations  applied migrations per app
    files       member → SHA-256 and size (every member but the manifest)
    tables      table → rows and SHA-256 (``digest.py``, format in digest_format);
                content_digest over them
    chain_heads series code → last number and chain hash
    key_id      fingerprint of the key that signed it; encrypted

Verification results are cached beside the backups (``.itplus-verificaciones.json``) so
``list`` and ``prune`` know which backups are good without reading them again.
"""

from __future__ import annotations

import errno
import json
import os
import platform
import shutil
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from itplus.store.config import CONFIG_FILENAME, ConfigError, config_from_dict, load_config
from itplus.store.maintenance import archive, changelog, dbcopy, digest, keys
from itplus.store.sales.selectors import series_chain_heads

MANIFEST = "manifest.json"
KEY_MEMBER = "keys/backup.key"
CONFIG_MEMBER = f"config/{CONFIG_FILENAME}"
HOME_FOLDERS = ("reports", "media")
STATUS_FILE = ".itplus-verificaciones.json"
SAFETY_LABEL = "-antes-de-restaurar"
# A .tmp younger than this may belong to a backup still being written.
STALE_TMP = timedelta(minutes=15)


class BackupError(Exception):
    """The backup could not be made; ``str(exc)`` is a Spanish reason."""


@dataclass
class BackupResult:
    path: Path
    size: int
    seconds: float
    manifest: dict[str, Any]
    # Rows read to digest the content (all of them on an install's first backup; only the
    # blocks changed since the previous backup afterwards).
    digested_rows: int = 0

    @property
    def encrypted(self) -> bool:
        return bool(self.manifest.get("encrypted"))


def app_version() -> str:
    try:
        return metadata.version("itplus")
    except metadata.PackageNotFoundError:
        return "0+desconocida"


def home_files(home: Path) -> list[tuple[str, Path]]:
    """The files of ITPLUS_HOME a backup carries, as (member name, path)."""
    found: list[tuple[str, Path]] = []
    config = home / CONFIG_FILENAME
    if config.is_file():
        found.append((CONFIG_MEMBER, config))
    for folder in HOME_FOLDERS:
        root = home / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                found.append((f"{folder}/{path.relative_to(root).as_posix()}", path))
    return found


def _archive_name(folder: Path, store_name: str, when: datetime, label: str) -> Path:
    slug = slugify(store_name)[:40] or "tienda"
    stamp = timezone.localtime(when).strftime("%Y%m%d-%H%M%S")
    base = f"itplus-{slug}-{stamp}{label}"
    candidate = folder / f"{base}{archive.SUFFIX}"
    n = 2
    while candidate.exists() or archive.tmp_path_for(candidate).exists():
        candidate = folder / f"{base}-{n}{archive.SUFFIX}"
        n += 1
    return candidate


def clean_stale_work_folders(home: Path) -> None:
    """Remove work folders of backups, checks or restores that were killed midway (they
    hold a database copy). Recent ones may belong to one still running."""
    limit = time.time() - STALE_TMP.total_seconds()
    for prefix in (".itplus-respaldo-", ".itplus-verificacion-"):
        for folder in home.glob(f"{prefix}*"):
            try:
                if folder.is_dir() and folder.stat().st_mtime < limit:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                pass


def _no_space(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", -1))


def backup_create(
    *,
    to: Path | None = None,
    passphrase: str | None = None,
    using: str = "default",
    label: str = "",
    level: int = archive.DEFAULT_LEVEL,
) -> BackupResult:
    """Write one backup archive of the database, configuration, reports and media.

    Guarantees: the database copy is consistent (one snapshot, taken while the tills keep
    selling); the manifest's digest, row counts and chain heads describe exactly that
    copy; the file only gets its final name once complete and fsynced — on any error
    (disk full, killed process) no file with the ``.itpbak`` name is left behind.
    """
    started = time.monotonic()
    home = Path(settings.ITPLUS_HOME)
    folder = Path(to) if to else Path(settings.BACKUPS_DIR)
    if passphrase is not None and not passphrase:
        raise BackupError(_("La frase de paso está vacía."))
    key = keys.ensure_backup_key(home)
    try:
        config = load_config(home)
    except ConfigError:  # a broken itplus.toml is backed up as it is; the name is cosmetic
        config = config_from_dict({})
    now = timezone.now()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        final = _archive_name(folder, config.store.name, now, label)
    except OSError as exc:
        raise BackupError(
            _("No se puede escribir en la carpeta %(f)s: %(e)s") % {"f": folder, "e": exc}
        )
    archive_id = str(uuid.uuid4())
    header_fields, aead_key = archive.new_header_fields(
        archive_id=archive_id,
        created_at=now.isoformat(),
        store=config.store.name,
        app_version=app_version(),
        passphrase=passphrase,
    )
    clean_stale_work_folders(home)
    try:
        changelog.ensure_change_triggers(digest.keyed_tables(using=using), using=using)
        trust_cache = True
    except DatabaseError:  # locked or read-only: digest everything, trust nothing cached
        trust_cache = False
    staging = Path(tempfile.mkdtemp(prefix=".itplus-respaldo-", dir=home))
    try:
        with archive.ArchiveWriter(
            final, header_fields=header_fields, key=aead_key, level=level
        ) as writer:
            with dbcopy.database_snapshot(using=using, dest_dir=staging) as snap:
                # SQLite: the copy is complete, so it is compressed and hashed in another
                # thread while this one computes the digest (zstd, hashlib and SQLite
                # release the GIL). PostgreSQL: pg_dump is writing the file, in its own
                # process, under the same exported snapshot the digest reads here.
                # (Splitting the digest's tables over two more threads was measured
                # slower: sqlite3 takes the GIL back for every row, and the threads convoy.)
                with ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive") as pool:
                    archived = (
                        pool.submit(writer.add_file, snap.member, snap.path, head=snap.head)
                        if snap.ready
                        else None
                    )
                    tables, cache = digest.incremental_table_digests(
                        using=snap.alias, trust_cache=trust_cache
                    )
                    heads = series_chain_heads(using=snap.alias)
                    migrations = dbcopy.applied_migrations(using=snap.alias)
            files = {
                snap.member: archived.result()
                if archived
                else writer.add_file(snap.member, snap.path, head=snap.head)
            }
            if snap.owned:
                snap.path.unlink()
            for name, path in home_files(home):
                files[name] = writer.add_file(name, path)
            if aead_key is not None:
                files[KEY_MEMBER] = writer.add_bytes(KEY_MEMBER, key.hex().encode("ascii"))
            manifest = {
                "format": archive.FORMAT_VERSION,
                "archive_id": archive_id,
                "header_sha256": writer.header.digest.hex(),
                "app_version": header_fields["app_version"],
                "created_at": now.isoformat(),
                "host": platform.node(),
                "install_id": keys.install_id(home),
                "role": config.install.role,
                "store": {"name": config.store.name, "rut": config.store.rut},
                "database": {
                    "engine": snap.engine,
                    "version": snap.version,
                    "member": snap.member,
                    "tool": snap.tool,
                },
                "migrations": migrations,
                "files": {n: {"sha256": d.sha256, "size": d.size} for n, d in files.items()},
                "tables": {t: d.as_dict() for t, d in tables.items()},
                "digest_format": digest.DIGEST_FORMAT,
                "content_digest": digest.combine(tables),
                "chain_heads": heads,
                "key_id": keys.key_id(key),
                "encrypted": aead_key is not None,
            }
            writer.add_bytes(MANIFEST, keys.sign_manifest(manifest, key))
            writer.commit()
    except OSError as exc:
        if _no_space(exc):
            raise BackupError(
                _(
                    "No hay espacio suficiente en %(folder)s para el respaldo; no se dejó "
                    "ningún archivo a medias. Libere espacio o use otro destino (--to)."
                )
                % {"folder": folder}
            )
        raise BackupError(_("No se pudo escribir el respaldo: %(e)s") % {"e": exc})
    except dbcopy.DatabaseCopyError as exc:
        raise BackupError(str(exc))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    # Only now that the archive is safe: the next backup starts from these digests.
    digest.save_cache(cache, using=using)
    return BackupResult(
        path=final,
        size=final.stat().st_size,
        seconds=time.monotonic() - started,
        manifest=manifest,
        digested_rows=cache.recomputed_rows,
    )


# --- verification status cache ---------------------------------------------------------


def _status_path(folder: Path) -> Path:
    return folder / STATUS_FILE


def read_statuses(folder: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(_status_path(folder).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def record_status(path: Path, *, status: str, reason: str) -> None:
    """Remember a verification result (keyed by name, size and mtime: a changed file is
    unverified again). Best effort: a read-only folder (a USB stick) just has no cache."""
    folder = path.parent
    try:
        stat = path.stat()
        statuses = read_statuses(folder)
        statuses[path.name] = {
            "status": status,
            "reason": reason,
            "verified_at": timezone.now().isoformat(),
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
        }
        tmp = _status_path(folder).with_suffix(".tmp")
        tmp.write_text(json.dumps(statuses, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, _status_path(folder))
    except OSError:
        pass


# --- list ------------------------------------------------------------------------------

STATUS_OK = "ok"
STATUS_BAD = "bad"
STATUS_PASSPHRASE = "passphrase"
STATUS_UNKNOWN = "unknown"


@dataclass
class BackupInfo:
    path: Path
    size: int
    created_at: datetime | None
    encrypted: bool
    status: str  # ok | bad | passphrase | unknown
    reason: str = ""
    verified_at: str = ""
    store: str = ""
    app_version: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def is_safety(self) -> bool:
        return SAFETY_LABEL in self.path.name

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "size": self.size,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "encrypted": self.encrypted,
            "status": self.status,
            "reason": self.reason,
            "verified_at": self.verified_at,
            "store": self.store,
            "app_version": self.app_version,
        }


def backup_info(path: Path, statuses: dict[str, dict[str, Any]] | None = None) -> BackupInfo:
    stat = path.stat()
    cached = (statuses if statuses is not None else read_statuses(path.parent)).get(path.name)
    if cached and (cached.get("size"), cached.get("mtime_ns")) != (stat.st_size, stat.st_mtime_ns):
        cached = None
    try:
        header = archive.read_header_file(path)
    except archive.ArchiveError as exc:
        return BackupInfo(
            path=path,
            size=stat.st_size,
            created_at=None,
            encrypted=False,
            status=STATUS_BAD,
            reason=str(exc),
        )
    created = header.fields.get("created_at")
    try:
        created_at = datetime.fromisoformat(created) if created else None
    except ValueError:
        created_at = None
    return BackupInfo(
        path=path,
        size=stat.st_size,
        created_at=created_at,
        encrypted=header.encrypted,
        status=cached["status"] if cached else STATUS_UNKNOWN,
        reason=cached.get("reason", "") if cached else "",
        verified_at=cached.get("verified_at", "") if cached else "",
        store=str(header.fields.get("store", "")),
        app_version=str(header.fields.get("app_version", "")),
    )


def _sort_key(info: BackupInfo) -> tuple[float, str]:
    stamp = info.created_at.timestamp() if info.created_at else info.path.stat().st_mtime
    return (stamp, info.name)


def backup_list(*, folder: Path | None = None) -> list[BackupInfo]:
    """The backups of a folder, newest first. Leftover ``.tmp`` files (interrupted
    backups) are not backups and are not listed."""
    folder = Path(folder) if folder else Path(settings.BACKUPS_DIR)
    if not folder.is_dir():
        return []
    statuses = read_statuses(folder)
    infos = [
        backup_info(p, statuses)
        for p in folder.iterdir()
        if p.name.endswith(archive.SUFFIX) and p.is_file()
    ]
    return sorted(infos, key=_sort_key, reverse=True)


# --- prune -----------------------------------------------------------------------------


@dataclass
class PruneResult:
    kept: list[Path]
    deleted: list[Path]
    tmp_removed: list[Path]
    newest_good: Path | None


def _newest_good(
    infos: list[BackupInfo], *, passphrase: str | None, key: bytes | None
) -> Path | None:
    """Newest backup known good; unverified ones are verified, newest first, until one is."""
    from itplus.store.maintenance.verify import backup_verify

    for info in infos:  # newest first
        if info.status == STATUS_OK:
            return info.path
        if info.status == STATUS_UNKNOWN:
            result = backup_verify(path=info.path, passphrase=passphrase, key=key)
            info.status = result.status
            if result.ok:
                return info.path
    return None


def backup_prune(
    *,
    keep_daily: int,
    keep_weekly: int,
    keep_monthly: int,
    folder: Path | None = None,
    passphrase: str | None = None,
    key: bytes | None = None,
    dry_run: bool = False,
    now: datetime | None = None,
) -> PruneResult:
    """Delete backups outside the retention (``scheduling.backups_to_keep``: the newest
    backup of each of the last ``keep_daily`` days, ``keep_weekly`` weeks and
    ``keep_monthly`` months).

    Guarantees: the newest good backup is never deleted (if no backup can be shown good,
    nothing is deleted) and only backups older than it are; backups known bad do not take
    a retention slot (those newer than the newest good one stay, for analysis); safety backups
    taken before a restore are kept; ``.tmp`` leftovers older than 15 minutes (interrupted
    backups) are removed.
    """
    folder = Path(folder) if folder else Path(settings.BACKUPS_DIR)
    now = now or timezone.now()
    tmp_removed: list[Path] = []
    if folder.is_dir():
        for leftover in folder.glob(f"*{archive.SUFFIX}{archive.TMP_SUFFIX}"):
            age = now.timestamp() - leftover.stat().st_mtime
            if age > STALE_TMP.total_seconds():
                if not dry_run:
                    leftover.unlink(missing_ok=True)
                tmp_removed.append(leftover)
    infos = backup_list(folder=folder)
    newest_good = _newest_good(infos, passphrase=passphrase, key=key)
    if newest_good is None:
        return PruneResult(
            kept=[i.path for i in infos], deleted=[], tmp_removed=tmp_removed, newest_good=None
        )

    # The retention windows are the scheduler's (one policy for manual and automatic
    # pruning); this function adds what must hold whatever the policy says.
    from itplus.store.maintenance.scheduling import backups_to_keep

    keep = backups_to_keep(
        infos,
        keep_daily=keep_daily,
        keep_weekly=keep_weekly,
        keep_monthly=keep_monthly,
        today=timezone.localdate(now),
    ) | {newest_good}
    newest_good_info = next(i for i in infos if i.path == newest_good)
    deleted: list[Path] = []
    for info in infos:
        if info.path in keep or info.is_safety:
            continue
        if _sort_key(info) >= _sort_key(newest_good_info):
            continue  # newer than the newest good one (bad or unreadable): kept for analysis
        if not dry_run:
            info.path.unlink(missing_ok=True)
        deleted.append(info.path)
    return PruneResult(
        kept=[i.path for i in infos if i.path not in deleted],
        deleted=deleted,
        tmp_removed=tmp_removed,
        newest_good=newest_good,
    )
