"""Backups: create one archive.

A backup is one ``.itpbak`` file (format in ``archive.py``) holding a consistent copy of
the database, ``itplus.toml``, the reports and media folders, and a signed manifest (the
archive's manifest section, located by the header; ``manifest.json``, the tar's last
member, in format-1 archives)::

    format, archive_id, header_sha256   bind the manifest to this very archive
    app_version, created_at, host, install_id, role, store
    database    engine, version, member, dump tool
    migrations  applied migrations per app
    files       member → SHA-256 and size (every member but the manifest)
    tables      table → rows and SHA-256 (``digest.py``, format in digest_format);
                content_digest over them
    chain_heads series code → last number and chain hash
    key_id      fingerprint of the key that signed it; encrypted

What is known of a backup without reading it all is ``backup_status``'s, the folder of
backups ``backup_folder``'s, which ones to keep ``retention``'s and when to take one
``scheduling``'s.
"""

from __future__ import annotations

import errno
import platform
import shutil
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.store.config import CONFIG_FILENAME, ConfigError, config_from_dict, load_config
from itplus.store.maintenance import archive, changelog, dbcopy, digest, keys
from itplus.store.maintenance.backup_folder import (
    BACKUP_FOLDER_PREFIX,
    backups_folder,
    clean_stale_work_folders,
    new_archive_path,
)
from itplus.store.sales.selectors import series_chain_heads

MANIFEST = "manifest.json"
KEY_MEMBER = "keys/backup.key"
CONFIG_MEMBER = f"config/{CONFIG_FILENAME}"
HOME_FOLDERS = ("reports", "media")


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
    folder = backups_folder(to)
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
        final = new_archive_path(folder, config.store.name, now, label)
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
    staging = Path(tempfile.mkdtemp(prefix=BACKUP_FOLDER_PREFIX, dir=home))
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
            writer.commit(
                manifest=keys.sign_manifest(manifest, key, embed_key=aead_key is not None)
            )
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
