"""Automatic backups: retention and the daily schedule, with clock values passed in."""

import threading
import zoneinfo
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from itplus.store.cash.models import CashSession
from itplus.store.cash.services import cash_session_close
from itplus.store.config import ConfigError, config_from_dict
from itplus.store.maintenance.scheduling import (
    BackupBusy,
    BackupFile,
    ScheduleState,
    backup_after_session_close,
    backup_due,
    backup_run,
    backup_settings,
    backups_to_keep,
    scheduled_slot,
    scheduler_tick,
)
from tests.factories import make_product, make_sale, make_terminal, make_user

SANTIAGO = zoneinfo.ZoneInfo("America/Santiago")


def at(day: date, hour: int = 22, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SANTIAGO)


def backup(day: date, hour: int = 22, good: bool | None = True) -> BackupFile:
    moment = at(day, hour)
    return BackupFile(
        path=Path(f"itplus-{moment:%Y%m%d-%H%M}.itpbak"), created_at=moment, is_good=good
    )


def daily_backups(first: date, last: date, **kwargs) -> list[BackupFile]:
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
    late = BackupFile(path=Path("late"), created_at=at(date(2025, 6, 14), 23, 30), is_good=True)
    early = BackupFile(path=Path("early"), created_at=at(date(2025, 6, 15), 0, 30), is_good=True)

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


# --- backup_due -----------------------------------------------------------------------

HOUR = time(22, 0)
DAY = date(2025, 6, 16)


def test_not_due_before_the_hour_when_yesterdays_backup_was_taken():
    assert not backup_due(
        now=at(DAY, 21, 59), hour=HOUR, last_success=at(DAY - timedelta(1), 22, 1)
    )


def test_due_at_the_hour():
    assert backup_due(now=at(DAY, 22, 0), hour=HOUR, last_success=at(DAY - timedelta(1), 22, 1))


def test_once_per_day():
    assert not backup_due(now=at(DAY, 23, 30), hour=HOUR, last_success=at(DAY, 22, 1))


def test_first_run_ever_is_due():
    assert backup_due(now=at(DAY, 9, 0), hour=HOUR, last_success=None)


def test_catch_up_when_the_pc_was_off_at_the_hour():
    # last backup two days ago; switched on this morning → yesterday's slot was missed
    assert backup_due(now=at(DAY, 8, 0), hour=HOUR, last_success=at(DAY - timedelta(2), 22, 5))


def test_a_backup_after_the_slot_counts():
    # a session closed at 22:30 took a backup; no second one that night or next morning
    last = at(DAY, 22, 30)
    assert not backup_due(now=at(DAY, 23, 0), hour=HOUR, last_success=last)
    assert not backup_due(now=at(DAY + timedelta(1), 9, 0), hour=HOUR, last_success=last)
    assert backup_due(now=at(DAY + timedelta(1), 22, 0), hour=HOUR, last_success=last)


def test_a_backup_before_the_slot_does_not_count():
    # closing the till at 20:00 does not replace the 22:00 backup
    assert backup_due(now=at(DAY, 22, 0), hour=HOUR, last_success=at(DAY, 20, 0))


def test_failure_waits_before_retrying():
    failed = at(DAY, 22, 0)
    yesterday = at(DAY - timedelta(1), 22, 0)
    assert not backup_due(
        now=at(DAY, 22, 30), hour=HOUR, last_success=yesterday, last_attempt=failed
    )
    assert backup_due(now=at(DAY, 23, 0), hour=HOUR, last_success=yesterday, last_attempt=failed)


def test_an_attempt_before_the_slot_does_not_delay_it():
    assert backup_due(
        now=at(DAY, 22, 0),
        hour=HOUR,
        last_success=at(DAY - timedelta(1), 22, 0),
        last_attempt=at(DAY, 21, 30),
    )


def test_slot_across_daylight_saving_change():
    # Chile leaves DST on the first Sunday of April 2025 (6 April)
    now = at(date(2025, 4, 6), 21, 0)
    assert scheduled_slot(now, HOUR) == at(date(2025, 4, 5), 22, 0)
    assert scheduled_slot(at(date(2025, 4, 6), 22, 0), HOUR) == at(date(2025, 4, 6), 22, 0)


def test_slot_works_with_utc_clock_values():
    now_utc = at(DAY, 22, 10).astimezone(zoneinfo.ZoneInfo("UTC"))
    assert scheduled_slot(now_utc, HOUR) == at(DAY, 22, 0)


# --- settings and state ---------------------------------------------------------------


def test_settings_defaults(settings):
    conf = backup_settings(config_from_dict({}))

    assert conf.hour == time(22, 0)
    assert (conf.keep_daily, conf.keep_weekly, conf.keep_monthly) == (7, 4, 12)
    assert conf.folder == settings.BACKUPS_DIR
    assert conf.passphrase_file is None


def test_settings_from_the_file(settings, tmp_path):
    conf = backup_settings(
        config_from_dict(
            {
                "backup": {
                    "hour": "07:30",
                    "keep_daily": 3,
                    "folder": str(tmp_path / "usb"),
                    "passphrase-file": str(tmp_path / "clave.txt"),
                }
            }
        )
    )

    assert conf.hour == time(7, 30)
    assert (conf.keep_daily, conf.keep_weekly, conf.keep_monthly) == (3, 4, 12)
    assert conf.folder == tmp_path / "usb"
    assert conf.passphrase_file == tmp_path / "clave.txt"


def test_relative_folder_is_inside_itplus_home(settings):
    assert (
        backup_settings(config_from_dict({"backup": {"folder": "copias"}})).folder
        == settings.ITPLUS_HOME / "copias"
    )


def test_bad_hour_is_refused_naming_the_key(settings):
    with pytest.raises(ConfigError, match=r"\[backup\] hour"):
        config_from_dict({"backup": {"hour": "diez"}})


def test_state_round_trip(tmp_path):
    state = ScheduleState(
        last_success=at(DAY, 22, 1),
        last_attempt=at(DAY, 22, 0),
        last_error="",
        last_reason="diario",
    )
    state.save(tmp_path)

    assert ScheduleState.load(tmp_path) == state


@pytest.mark.parametrize("content", ["", "{not json", '{"last_success": "ayer"}'])
def test_damaged_state_reads_as_empty(tmp_path, content):
    (tmp_path / "backup-schedule.json").write_text(content)

    assert ScheduleState.load(tmp_path).last_success is None


# --- with the backup helper's listing ----------------------------------------------------


def test_accepts_the_backup_helpers_status_and_undated_backups():
    from itplus.store.maintenance.backup import BackupInfo

    today = date(2025, 6, 15)

    def info(name, day, status):
        created = at(day) if day else None
        return BackupInfo(
            path=Path(name), size=1, created_at=created, encrypted=False, status=status
        )

    backups = [
        info("good-old", date(2025, 6, 1), "ok"),
        info("bad-new", today, "bad"),
        info("unknown-yesterday", date(2025, 6, 14), "unknown"),
        info("undated", None, "unknown"),
        info("undated-bad", None, "bad"),
    ]

    keep = backups_to_keep(backups, keep_daily=1, keep_weekly=0, keep_monthly=0, today=today)

    # today's only backup is bad: no daily slot filled; newest good and undated kept
    assert names(keep) == ["good-old", "undated"]


# --- running backups (the real backup helper) ---------------------------------------------


@pytest.fixture
def backup_home(transactional_db, scratch_aliases, settings, tmp_path):
    """An ITPLUS_HOME of its own with a sale in the database, backups in tmp_path."""
    from itplus.store.config import save_config

    settings.ITPLUS_HOME = tmp_path / "home"
    settings.BACKUPS_DIR = settings.ITPLUS_HOME / "backups"
    settings.ITPLUS_HOME.mkdir()
    save_config(settings.ITPLUS_HOME, {"backup": {"folder": str(tmp_path / "respaldos")}})
    terminal = make_terminal()
    make_sale(terminal=terminal, cashier=make_user(role="cajero"), products=[make_product()])
    return tmp_path / "respaldos"


def backup_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.itpbak"))


@pytest.mark.django_db(transaction=True)
def test_tick_takes_the_daily_backup_once(backup_home):
    now = timezone.now()

    assert scheduler_tick(now=now) is True
    assert len(backup_files(backup_home)) == 1
    state = ScheduleState.load()
    assert state.last_success == now and state.last_reason == "diario" and not state.last_error

    assert scheduler_tick(now=now + timedelta(minutes=1)) is False
    assert len(backup_files(backup_home)) == 1


@pytest.mark.django_db(transaction=True)
def test_tick_records_a_failure_and_retries_later(backup_home, settings):
    from itplus.store.config import save_config

    save_config(
        settings.ITPLUS_HOME,
        {"backup": {"folder": str(backup_home), "passphrase_file": str(backup_home / "no-existe")}},
    )
    now = timezone.now()

    assert scheduler_tick(now=now) is False
    state = ScheduleState.load()
    assert state.last_success is None and "frase de paso" in state.last_error
    assert backup_files(backup_home) == []
    assert scheduler_tick(now=now + timedelta(minutes=5)) is False  # waits RETRY_AFTER


@pytest.mark.django_db(transaction=True)
def test_terminals_take_no_automatic_backup(backup_home, settings):
    from itplus.store.config import save_config

    save_config(settings.ITPLUS_HOME, {"install": {"role": "terminal"}})

    assert scheduler_tick(now=timezone.now()) is False
    assert ScheduleState.load().last_attempt is None


@pytest.mark.django_db(transaction=True)
def test_backup_after_session_close(backup_home, settings):
    settings.ITPLUS_BACKUP_AFTER_SESSION_CLOSE = True
    backup_after_session_close(wait=True)

    assert len(backup_files(backup_home)) == 1
    assert ScheduleState.load().last_reason == "cierre de caja"


@pytest.mark.django_db(transaction=True)
def test_closing_a_cash_session_takes_a_backup_through_the_cash_hook(backup_home, settings):
    # given: the hook maintenance registered with cash in its AppConfig.ready()
    settings.ITPLUS_BACKUP_AFTER_SESSION_CLOSE = True
    session = CashSession.objects.get(status=CashSession.Status.OPEN)
    # when: the session closes and its transaction commits
    cash_session_close(session=session, user=session.opened_by, counts={})
    # then: a backup thread started after the commit; wait for it
    for thread in threading.enumerate():
        if thread.name == "itplus-backup-session-close":
            thread.join(timeout=60)
    assert len(backup_files(backup_home)) == 1
    assert ScheduleState.load().last_reason == "cierre de caja"


@pytest.mark.django_db(transaction=True)
def test_no_backup_after_close_when_turned_off(backup_home, settings):
    settings.ITPLUS_BACKUP_AFTER_SESSION_CLOSE = False
    assert backup_after_session_close(wait=True) is None
    assert backup_files(backup_home) == []


@pytest.mark.django_db(transaction=True)
def test_encrypted_with_the_configured_passphrase(backup_home, settings):
    from itplus.store.config import save_config
    from itplus.store.maintenance.backup import backup_list

    secret = backup_home.parent / "frase.txt"
    secret.write_text("caballo correcto batería grapa\n")
    save_config(
        settings.ITPLUS_HOME,
        {"backup": {"folder": str(backup_home), "passphrase-file": str(secret)}},
    )

    backup_run(reason="manual")

    assert [info.encrypted for info in backup_list(folder=backup_home)] == [True]


@pytest.mark.django_db(transaction=True)
def test_one_backup_at_a_time(backup_home):
    from itplus.store.maintenance import scheduling

    with scheduling._run_lock:
        with pytest.raises(BackupBusy):
            backup_run(reason="manual")
    assert backup_files(backup_home) == []
