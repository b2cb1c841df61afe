"""Which backups to keep, and deleting the others.

``backups_to_keep`` is the policy, a pure function of the list and the date it is given
(tested without waiting); ``backup_prune`` applies it to a folder, for ``itplus backup
prune`` and after every automatic backup, and adds what must hold whatever the policy
says: the newest good backup stays, and it is verified in full by the prune itself
before anything is deleted (a cached "good" is not enough: the file may have rotted
since).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.utils import timezone

from itplus.store.maintenance.backup_folder import (
    backup_list,
    backups_folder,
    sort_key,
    stale_tmp_remove,
)
from itplus.store.maintenance.backup_status import (
    STATUS_BAD,
    STATUS_OK,
    BackupInfo,
    content_unchanged,
)
from itplus.store.maintenance.verify import backup_verify


def backups_to_keep(
    backups: Iterable[BackupInfo],
    *,
    keep_daily: int,
    keep_weekly: int,
    keep_monthly: int,
    today: date,
) -> set[Path]:
    """The backups retention keeps; every other one may be deleted.

    Calendar windows ending ``today`` (local dates): the newest usable backup of each of
    the last ``keep_daily`` days, of each of the last ``keep_weekly`` ISO weeks and of
    each of the last ``keep_monthly`` months. A backup known to be bad never fills a
    slot. Every backup taken at a cash session's close (its Z) within the daily window is
    kept too, however many a day: each one is the state of the store at a closed
    session. Always kept, whatever the counts: the newest good backup (or, if none was
    verified yet, the newest not known to be bad) and any backup dated after ``today``
    (a wrong clock must not delete the newest backups), and an undated backup not known
    to be bad.
    """
    keep: set[Path] = set()
    dated = []
    for backup in backups:
        if backup.created_at is not None:
            dated.append(backup)
        elif backup.is_good is not False:
            keep.add(backup.path)  # cannot be placed in time: not ours to delete
    backups = sorted(dated, key=lambda b: b.created_at, reverse=True)

    newest_good = next((b for b in backups if b.is_good is True), None)
    if newest_good is None:
        newest_good = next((b for b in backups if b.is_good is not False), None)
    if newest_good is not None:
        keep.add(newest_good.path)

    this_week = today - timedelta(days=today.weekday())
    windows: list[tuple[int, Callable[[date], Any], Any]] = [
        # (how many, bucket of a day, oldest bucket kept)
        (keep_daily, lambda d: d, today - timedelta(days=keep_daily - 1)),
        (
            keep_weekly,
            lambda d: d - timedelta(days=d.weekday()),
            this_week - timedelta(weeks=keep_weekly - 1),
        ),
        (keep_monthly, lambda d: (d.year, d.month), _months_back(today, keep_monthly - 1)),
    ]
    if keep_daily > 0:
        first_day = today - timedelta(days=keep_daily - 1)
        for backup in backups:
            day = timezone.localtime(backup.created_at).date()
            if backup.is_session_close and backup.is_good is not False and day >= first_day:
                keep.add(backup.path)
    for count, bucket_of, oldest in windows:
        if count <= 0:
            continue
        seen: set[Any] = set()
        for backup in backups:  # newest first: the first seen in a bucket is its newest
            if backup.is_good is False:
                continue
            day = timezone.localtime(backup.created_at).date()
            if day > today:
                keep.add(backup.path)
                continue
            bucket = bucket_of(day)
            if bucket < oldest or bucket in seen:
                continue
            seen.add(bucket)
            keep.add(backup.path)
    return keep


def _months_back(today: date, months: int) -> tuple[int, int]:
    index = today.year * 12 + (today.month - 1) - months
    return (index // 12, index % 12 + 1)


@dataclass
class PruneResult:
    kept: list[Path]
    deleted: list[Path]
    tmp_removed: list[Path]
    newest_good: Path | None


def _newest_good(
    infos: list[BackupInfo], *, passphrase: str | None, key: bytes | None
) -> BackupInfo | None:
    """The newest backup that verifies now: newest first, each one not known bad is
    verified in full (whatever the cache says), until one passes."""
    for info in infos:  # newest first
        if info.status == STATUS_BAD:
            continue
        result = backup_verify(path=info.path, passphrase=passphrase, key=key)
        info.status, info.reason, info.sha256 = result.status, result.reason, result.file_sha256
        if result.ok:
            return info
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
    """Delete backups outside the retention (``backups_to_keep``: the newest backup of
    each of the last ``keep_daily`` days, ``keep_weekly`` weeks and ``keep_monthly``
    months).

    Guarantees: the newest good backup — verified in full now, before anything is
    deleted — is never deleted (if no backup verifies, nothing is deleted) and only
    backups older than it are; a backup whose content changed since its verification
    (same size and date, another hash) counts as bad; backups known bad do not take
    a retention slot (those newer than the newest good one stay, for analysis); safety backups
    taken before a restore are kept; ``.tmp`` leftovers older than 15 minutes (interrupted
    backups) are removed.
    """
    folder = backups_folder(folder)
    now = now or timezone.now()
    tmp_removed = stale_tmp_remove(folder, now=now, dry_run=dry_run)
    infos = backup_list(folder=folder)
    newest_good = _newest_good(infos, passphrase=passphrase, key=key)
    # The others the cache calls good fill retention slots: their content must still be
    # the one that was verified (a hash of each file; a full verification is only paid
    # for the newest good one).
    for info in infos:
        if info is not newest_good and info.status == STATUS_OK:
            content_unchanged(info)
    if newest_good is None:
        return PruneResult(
            kept=[i.path for i in infos], deleted=[], tmp_removed=tmp_removed, newest_good=None
        )
    keep = backups_to_keep(
        infos,
        keep_daily=keep_daily,
        keep_weekly=keep_weekly,
        keep_monthly=keep_monthly,
        today=timezone.localdate(now),
    ) | {newest_good.path}
    deleted: list[Path] = []
    for info in infos:
        if info.path in keep or info.is_safety:
            continue
        if sort_key(info) >= sort_key(newest_good):
            continue  # newer than the newest good one (bad or unreadable): kept for analysis
        if not dry_run:
            info.path.unlink(missing_ok=True)
        deleted.append(info.path)
    return PruneResult(
        kept=[i.path for i in infos if i.path not in deleted],
        deleted=deleted,
        tmp_removed=tmp_removed,
        newest_good=newest_good.path,
    )
