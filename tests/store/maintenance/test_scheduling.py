"""Automatic backups: the daily schedule, with clock values passed in, and taking them."""

import threading
import zoneinfo
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from itplus.store.cash.models import CashSession
from itplus.store.cash.services import cash_session_close
from itplus.store.config import ConfigError, config_from_dict, save_config
from itplus.store.maintenance import scheduling
from itplus.store.maintenance.backup_folder import backup_list
from itplus.store.maintenance.scheduling import (
    BackupBusy,
    ScheduleState,
    backup_after_session_close,
    backup_due,
    backup_run,
    backup_settings,
    scheduled_slot,
    scheduler_tick,
)
from tests.factories import make_product, make_sale, make_terminal, make_user

SANTIAGO = zoneinfo.ZoneInfo("America/Santiago")


def at(day: date, hour: int = 22, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SANTIAGO)


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


# --- running backups (the real backup helper) ---------------------------------------------


@pytest.fixture
def backup_home(transactional_db, scratch_aliases, settings, tmp_path):
    """An ITPLUS_HOME of its own with a sale in the database, backups in tmp_path."""

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

    save_config(settings.ITPLUS_HOME, {"install": {"role": "terminal"}})

    assert scheduler_tick(now=timezone.now()) is False
    assert ScheduleState.load().last_attempt is None


@pytest.mark.django_db(transaction=True)
def test_backup_after_session_close(backup_home, settings):
    settings.ITPLUS_BACKUP_AFTER_SESSION_CLOSE = True
    backup_after_session_close(wait=True)

    (taken,) = backup_files(backup_home)
    assert ScheduleState.load().last_reason == "cierre de caja"
    assert "-cierre-de-caja" in taken.name  # retention keeps these for the daily window


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
    with scheduling._run_lock:
        with pytest.raises(BackupBusy):
            backup_run(reason="manual")
    assert backup_files(backup_home) == []
