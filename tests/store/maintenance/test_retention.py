"""Retention: which backups to keep (a pure function of the list and the date), and
pruning a folder of real backups."""

import os
import time
import zoneinfo
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from itplus.store.maintenance.backup import backup_create
from itplus.store.maintenance.backup_folder import backup_list
from itplus.store.maintenance.backup_status import (
    SESSION_CLOSE_LABEL,
    STATUS_BAD,
    STATUS_OK,
    STATUS_UNKNOWN,
    BackupInfo,
)
from itplus.store.maintenance.retention import backup_prune, backups_to_keep
from itplus.store.maintenance.verify import backup_verify
from tests.store.maintenance.support import build_store, clear_home, flip

SANTIAGO = zoneinfo.ZoneInfo("America/Santiago")
STATUS_OF = {True: STATUS_OK, False: STATUS_BAD, None: STATUS_UNKNOWN}


def at(day: date, hour: int = 22, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SANTIAGO)


def info(path: str, created_at: datetime | None, good: bool | None = True) -> BackupInfo:
    return BackupInfo(path=Path(path), size=1, created_at=created_at, status=STATUS_OF[good])


def backup(day: date, hour: int = 22, good: bool | None = True) -> BackupInfo:
    moment = at(day, hour)
    return info(f"itplus-{moment:%Y%m%d-%H%M}.itpbak", moment, good)


def daily_backups(first: date, last: date, **kwargs) -> list[BackupInfo]:
    days = (last - first).days + 1
    return [backup(first + timedelta(days=i), **kwargs) for i in range(days)]


def names(paths) -> list[str]:
    return sorted(p.name for p in paths)


# --- backups_to_keep ------------------------------------------------------------------


def test_a_year_of_daily_backups_keeps_7_daily_4_weekly_12_monthly():
    today = date(2025, 6, 15)  # a Sunday
    backups = daily_backups(date(2024, 6, 1), today)

    keep = backups_to_keep(backups, keep_daily=7, keep_weekly=4, keep_monthly=12, today=today)

    kept_days = sorted(date.fromisoformat(f"{n[7:11]}-{n[11:13]}-{n[13:15]}") for n in names(keep))
    daily = [today - timedelta(days=i) for i in range(7)]
    weekly = [date(2025, 6, 8), date(2025, 6, 1), date(2025, 5, 25)]  # Sundays of past weeks
    monthly = [
        date(2025, m, 31 if m in (1, 3, 5) else 30 if m in (4,) else 28) for m in (1, 2, 3, 4, 5)
    ]
    monthly += [date(2024, m, 30 if m in (6, 9, 11) else 31) for m in (7, 8, 9, 10, 11, 12)]
    assert kept_days == sorted(set(daily + weekly + monthly))
    assert len(keep) == 7 + 3 + 11  # this week and this month are already among the dailies


def test_newest_of_each_day_is_the_one_kept():
    today = date(2025, 6, 15)
    morning, evening = backup(today, hour=9), backup(today, hour=23)

    keep = backups_to_keep(
        [morning, evening], keep_daily=7, keep_weekly=0, keep_monthly=0, today=today
    )

    assert keep == {evening.path}


def test_every_backup_of_a_cash_session_close_is_kept_for_the_daily_window():
    # The defect: "Crear respaldo ahora" minutes after the Z's backup left one per day,
    # so the Z's own backup was deleted.
    today = date(2025, 6, 15)

    def at_close(day: date, hour: int) -> BackupInfo:
        moment = at(day, hour)
        return info(f"itplus-{moment:%Y%m%d-%H%M}{SESSION_CLOSE_LABEL}.itpbak", moment)

    morning_z, evening_z = at_close(today, 14), at_close(today, 21)
    manual = backup(today, hour=22)
    old_z, bad_z = at_close(date(2025, 6, 1), 21), at_close(today - timedelta(days=1), 21)
    bad_z.status = STATUS_BAD

    keep = backups_to_keep(
        [morning_z, evening_z, manual, old_z, bad_z],
        keep_daily=7,
        keep_weekly=0,
        keep_monthly=0,
        today=today,
    )

    assert keep == {morning_z.path, evening_z.path, manual.path}


def test_zero_counts_still_keep_the_newest_good_backup():
    today = date(2025, 6, 15)
    backups = daily_backups(date(2025, 6, 1), today)

    keep = backups_to_keep(backups, keep_daily=0, keep_weekly=0, keep_monthly=0, today=today)

    assert keep == {backups[-1].path}


def test_newest_good_backup_is_kept_even_when_old_and_newer_ones_are_bad():
    today = date(2025, 6, 15)
    old_good = backup(date(2024, 1, 10))
    bad = daily_backups(date(2025, 6, 1), today, good=False)

    keep = backups_to_keep(
        [old_good, *bad], keep_daily=7, keep_weekly=4, keep_monthly=12, today=today
    )

    assert keep == {old_good.path}


def test_bad_backups_never_fill_a_slot():
    today = date(2025, 6, 15)
    good_morning = backup(today, hour=8)
    bad_evening = backup(today, hour=22, good=False)

    keep = backups_to_keep(
        [good_morning, bad_evening], keep_daily=1, keep_weekly=0, keep_monthly=0, today=today
    )

    assert keep == {good_morning.path}


def test_unverified_backups_count_and_the_newest_verified_good_one_is_kept():
    today = date(2025, 6, 15)
    verified = backup(date(2025, 5, 1))
    unverified = daily_backups(date(2025, 6, 10), today, good=None)

    keep = backups_to_keep(
        [verified, *unverified], keep_daily=3, keep_weekly=0, keep_monthly=0, today=today
    )

    assert names(keep) == names([verified.path, *[b.path for b in unverified[-3:]]])


def test_when_nothing_is_verified_the_newest_not_bad_one_is_kept():
    today = date(2025, 6, 15)
    old = backup(date(2025, 1, 1), good=None)
    newest_bad = backup(today, good=False)

    keep = backups_to_keep(
        [old, newest_bad], keep_daily=0, keep_weekly=0, keep_monthly=0, today=today
    )

    assert keep == {old.path}


def test_backups_dated_in_the_future_are_kept():
    today = date(2025, 6, 15)
    future = [backup(date(2025, 7, 1)), backup(date(2026, 1, 1))]
    current = backup(today)

    keep = backups_to_keep(
        [*future, current], keep_daily=1, keep_weekly=0, keep_monthly=0, today=today
    )

    assert keep == {b.path for b in [*future, current]}


def test_after_a_long_holiday_weekly_and_monthly_slots_keep_the_older_backups():
    today = date(2025, 3, 3)  # back after February off
    january = daily_backups(date(2025, 1, 1), date(2025, 1, 31))

    keep = backups_to_keep(january, keep_daily=7, keep_weekly=4, keep_monthly=12, today=today)

    # no day or week of the windows has a backup; January's newest stays (monthly slot)
    assert keep == {january[-1].path}


def test_days_are_local_dates_not_utc():
    today = date(2025, 6, 15)
    # 23:30 in Santiago on the 14th is already the 15th in UTC
    late = info("late", at(date(2025, 6, 14), 23, 30))
    early = info("early", at(date(2025, 6, 15), 0, 30))

    keep = backups_to_keep([late, early], keep_daily=2, keep_weekly=0, keep_monthly=0, today=today)

    assert keep == {late.path, early.path}


def test_month_window_crosses_the_year():
    today = date(2025, 2, 10)
    backups = [backup(date(2024, m, 15)) for m in range(1, 13)] + [backup(date(2025, 1, 15))]

    keep = backups_to_keep(backups, keep_daily=0, keep_weekly=0, keep_monthly=3, today=today)

    # windows: Feb 2025 (none), Jan 2025, Dec 2024
    assert names(keep) == names([backups[-1].path, backups[11].path])


def test_empty_list():
    assert (
        backups_to_keep([], keep_daily=7, keep_weekly=4, keep_monthly=12, today=date.today())
        == set()
    )


def test_undated_backups_are_kept_unless_known_bad():
    today = date(2025, 6, 15)
    backups = [
        info("good-old", at(date(2025, 6, 1))),
        info("bad-new", at(today), good=False),
        info("unknown-yesterday", at(date(2025, 6, 14)), good=None),
        info("undated", None, good=None),
        info("undated-bad", None, good=False),
    ]

    keep = backups_to_keep(backups, keep_daily=1, keep_weekly=0, keep_monthly=0, today=today)

    # today's only backup is bad: no daily slot filled; newest good and undated kept
    assert names(keep) == ["good-old", "undated"]


# --- prune (real backups) -------------------------------------------------------------


@pytest.fixture
def clean_home(transactional_db, scratch_aliases):
    clear_home()
    yield
    clear_home()


def backup_at(monkeypatch, folder, when):
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: when)
        return backup_create(to=folder).path


@pytest.mark.usefixtures("clean_home")
def test_prune_keeps_the_newest_good_backup_and_removes_stale_tmp(tmp_path, monkeypatch):
    build_store(sales=1)
    now = timezone.now()
    old = backup_at(monkeypatch, tmp_path, now - timedelta(days=40))
    week = backup_at(monkeypatch, tmp_path, now - timedelta(days=8))
    yesterday = backup_at(monkeypatch, tmp_path, now - timedelta(days=1))
    today = backup_at(monkeypatch, tmp_path, now)
    flip(today, -3)  # the newest is damaged
    flip(yesterday, -3)  # and so is yesterday's
    stale = tmp_path / "itplus-x-20260101-000000.itpbak.tmp"
    stale.write_bytes(b"interrupted")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    fresh = tmp_path / "itplus-x-20260102-000000.itpbak.tmp"
    fresh.write_bytes(b"being written")

    result = backup_prune(folder=tmp_path, keep_daily=1, keep_weekly=0, keep_monthly=0)

    assert result.newest_good == week  # found by verifying newest first
    assert old in result.deleted
    assert week.exists() and not old.exists()
    # bad backups newer than the newest good one stay (evidence for the help desk)
    assert today.exists() and yesterday.exists()
    assert result.tmp_removed == [stale] and not stale.exists() and fresh.exists()


@pytest.mark.usefixtures("clean_home")
def test_prune_deletes_nothing_when_no_backup_is_good(tmp_path, monkeypatch):
    build_store(sales=1)
    a = backup_at(monkeypatch, tmp_path, timezone.now() - timedelta(days=30))
    b = backup_at(monkeypatch, tmp_path, timezone.now())
    flip(a, -3)
    flip(b, -3)

    result = backup_prune(folder=tmp_path, keep_daily=0, keep_weekly=0, keep_monthly=0)

    assert result.newest_good is None and result.deleted == []
    assert a.exists() and b.exists()


@pytest.mark.usefixtures("clean_home")
def test_prune_keeps_safety_backups(tmp_path, monkeypatch):
    build_store(sales=1)
    safety = backup_create(to=tmp_path, label="-antes-de-restaurar").path
    os.utime(safety, (time.time() - 86400 * 90,) * 2)
    newer = backup_at(monkeypatch, tmp_path, timezone.now() + timedelta(seconds=5))

    result = backup_prune(folder=tmp_path, keep_daily=0, keep_weekly=0, keep_monthly=0)

    assert result.newest_good == newer
    assert safety.exists()


def rot(path: Path) -> None:
    """Silent disk corruption: one byte flipped in the middle, size and mtime kept."""
    stat = path.stat()
    flip(path, stat.st_size // 2)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)


def listed_status(folder: Path, name: str, capsys) -> str:
    capsys.readouterr()
    call_command("backup", "list", "--folder", str(folder))
    return next(line for line in capsys.readouterr().out.splitlines() if name in line)


@pytest.mark.usefixtures("clean_home")
def test_prune_reverifies_the_newest_backup_corrupted_with_size_and_mtime_kept(
    tmp_path, monkeypatch, capsys
):
    build_store(sales=1)
    now = timezone.now()
    older = backup_at(monkeypatch, tmp_path, now - timedelta(days=3))
    newest = backup_at(monkeypatch, tmp_path, now)
    assert backup_verify(path=older).ok and backup_verify(path=newest).ok  # both cached good
    rot(newest)
    # the attack: the cache is keyed on name, size and mtime, so the list still says good,
    # and the policy on those statuses keeps only the newest: the older, the only good
    # backup left, would be deleted
    assert "BUENO" in listed_status(tmp_path, newest.name, capsys)
    cached = backup_list(folder=tmp_path)
    assert backups_to_keep(
        cached, keep_daily=1, keep_weekly=0, keep_monthly=0, today=timezone.localdate(now)
    ) == {newest}

    result = backup_prune(folder=tmp_path, keep_daily=1, keep_weekly=0, keep_monthly=0)

    assert result.newest_good == older and older.exists() and result.deleted == []
    assert newest.exists()  # bad and newer than the newest good one: kept for analysis
    line = listed_status(tmp_path, newest.name, capsys)
    assert "BUENO" not in line and "MALO" in line
    assert "BUENO" in listed_status(tmp_path, older.name, capsys)


@pytest.mark.usefixtures("clean_home")
def test_prune_does_not_let_a_silently_corrupted_backup_hold_a_slot(tmp_path, monkeypatch):
    """A cached-good backup older than the newest good one is checked by its hash: a
    corrupted one no longer takes its day's slot from the good backup of that day."""
    build_store(sales=1)
    noon = timezone.localtime(timezone.now()).replace(hour=12, minute=0) - timedelta(days=1)
    morning = backup_at(monkeypatch, tmp_path, noon - timedelta(hours=2))
    later = backup_at(monkeypatch, tmp_path, noon)
    today = backup_at(monkeypatch, tmp_path, timezone.now())
    for path in (morning, later):
        assert backup_verify(path=path).ok
    rot(later)

    result = backup_prune(folder=tmp_path, keep_daily=2, keep_weekly=0, keep_monthly=0)

    assert result.newest_good == today
    assert result.deleted == [later] and morning.exists()
