"""The folder of backups: the name of a new one, the list, and the leftovers of
interrupted ones (``.tmp`` files, work folders in ITPLUS_HOME)."""

from __future__ import annotations

import shutil
import time
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.text import slugify

from itplus.store.maintenance import archive
from itplus.store.maintenance.backup_status import BackupInfo, backup_info, read_statuses

# A .tmp younger than this may belong to a backup still being written.
STALE_TMP = timedelta(minutes=15)
BACKUP_FOLDER_PREFIX = ".itplus-respaldo-"
VERIFY_FOLDER_PREFIX = ".itplus-verificacion-"
WORK_FOLDER_PREFIXES = (BACKUP_FOLDER_PREFIX, VERIFY_FOLDER_PREFIX)


def backups_folder(folder: Path | None = None) -> Path:
    """``folder``, or the configured default (ITPLUS_HOME/backups)."""
    return Path(folder) if folder else Path(settings.BACKUPS_DIR)


def new_archive_path(folder: Path, store_name: str, when: datetime, label: str = "") -> Path:
    """A free name for a new backup: store, local date and time, label."""
    slug = slugify(store_name)[:40] or "tienda"
    stamp = timezone.localtime(when).strftime("%Y%m%d-%H%M%S")
    base = f"itplus-{slug}-{stamp}{label}"
    candidate = folder / f"{base}{archive.SUFFIX}"
    n = 2
    while candidate.exists() or archive.tmp_path_for(candidate).exists():
        candidate = folder / f"{base}-{n}{archive.SUFFIX}"
        n += 1
    return candidate


def sort_key(info: BackupInfo) -> tuple[float, str]:
    """Order of backups in time: header date, else the file's mtime."""
    stamp = info.created_at.timestamp() if info.created_at else info.path.stat().st_mtime
    return (stamp, info.name)


def backup_list(*, folder: Path | None = None) -> list[BackupInfo]:
    """The backups of a folder, newest first. Leftover ``.tmp`` files (interrupted
    backups) are not backups and are not listed."""
    folder = backups_folder(folder)
    if not folder.is_dir():
        return []
    statuses = read_statuses(folder)
    infos = [
        backup_info(p, statuses)
        for p in folder.iterdir()
        if p.name.endswith(archive.SUFFIX) and p.is_file()
    ]
    return sorted(infos, key=sort_key, reverse=True)


def stale_tmp_remove(folder: Path, *, now: datetime, dry_run: bool = False) -> list[Path]:
    """Remove the ``.tmp`` files of backups interrupted over ``STALE_TMP`` ago; the ones
    removed (or, with ``dry_run``, that would be)."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for leftover in folder.glob(f"*{archive.SUFFIX}{archive.TMP_SUFFIX}"):
        if now.timestamp() - leftover.stat().st_mtime > STALE_TMP.total_seconds():
            if not dry_run:
                leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


def clean_stale_work_folders(home: Path) -> None:
    """Remove work folders of backups, checks or restores that were killed midway (they
    hold a database copy) from ``home`` (ITPLUS_HOME, or the temporary folder checks use).
    Recent ones may belong to one still running."""
    limit = time.time() - STALE_TMP.total_seconds()
    for prefix in WORK_FOLDER_PREFIXES:
        for folder in home.glob(f"{prefix}*"):
            try:
                if folder.is_dir() and folder.stat().st_mtime < limit:
                    shutil.rmtree(folder, ignore_errors=True)
            except OSError:
                pass
