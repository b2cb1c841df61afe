"""Automatic backups: when to take one, and taking it.

Configured in ``itplus.toml``::

    [backup]
    hour = "22:00"          # daily backup at or after this local time
    keep_daily = 7          # newest backup of each of the last 7 days
    keep_weekly = 4         # … of each of the last 4 weeks (ISO weeks, Monday first)
    keep_monthly = 12       # … of each of the last 12 months
    folder = ""             # default: ITPLUS_HOME/backups
    passphrase_file = ""    # optional: encrypt with the passphrase in this file

Backups are taken by the ``BackupScheduler`` thread that ``itplus serve`` starts, and
after a cash session closes: ``MaintenanceConfig.ready()`` registers
``backup_after_session_close`` with the cash app's after-close hooks, which run it from
``transaction.on_commit`` (see its docstring). ``ITPLUS_BACKUP_AFTER_SESSION_CLOSE =
False`` in the Django settings turns that off (the test settings do: a backup per closed
session would copy the test database in a thread while the test goes on). Both call
``backup.backup_create`` then ``retention.backup_prune`` (the retention counts are read
here); a failure is logged and the next chance retries. ``backup_due`` is a pure function
of the clock value it is given, so it is tested without waiting.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.store.config import StoreConfig, get_config
from itplus.store.maintenance.backup import BackupResult, backup_create
from itplus.store.maintenance.backup_status import SESSION_CLOSE_LABEL
from itplus.store.maintenance.retention import backup_prune

logger = logging.getLogger("itplus.backup")

STATE_FILENAME = "backup-schedule.json"
# After a failed automatic backup, try again this much later (not every tick).
RETRY_AFTER = timedelta(hours=1)
TICK_SECONDS = 60


@dataclass(frozen=True)
class BackupSettings:
    hour: time
    keep_daily: int
    keep_weekly: int
    keep_monthly: int
    folder: Path
    passphrase_file: Path | None


def backup_settings(config: StoreConfig | None = None) -> BackupSettings:
    """The ``[backup]`` section of itplus.toml (validated there), with its paths resolved."""
    section = (config or get_config()).backup
    folder = Path(section.folder) if section.folder else settings.BACKUPS_DIR
    if not folder.is_absolute():
        folder = settings.ITPLUS_HOME / folder
    return BackupSettings(
        hour=section.hour,
        keep_daily=section.keep_daily,
        keep_weekly=section.keep_weekly,
        keep_monthly=section.keep_monthly,
        folder=folder,
        passphrase_file=Path(section.passphrase_file) if section.passphrase_file else None,
    )


# --- When to back up ----------------------------------------------------------------------


def scheduled_slot(now: datetime, hour: time) -> datetime:
    """The most recent daily backup time at or before ``now`` (local time)."""
    local = timezone.localtime(now)
    slot = timezone.make_aware(datetime.combine(local.date(), hour))
    if slot > local:
        slot = timezone.make_aware(datetime.combine(local.date() - timedelta(days=1), hour))
    return slot


def backup_due(
    *,
    now: datetime,
    hour: time,
    last_success: datetime | None,
    last_attempt: datetime | None = None,
) -> bool:
    """Whether the daily backup should run now.

    Once per day, at or after ``hour``; a backup missed because the PC was off at that
    hour is taken as soon as it is on again (catch-up). Any backup since the last
    scheduled time counts (after closing a session, or by hand). After a failure the
    next attempt waits ``RETRY_AFTER``.
    """
    slot = scheduled_slot(now, hour)
    if last_success is not None and last_success >= slot:
        return False
    if last_attempt is not None and last_attempt >= slot and now - last_attempt < RETRY_AFTER:
        return False
    return True


# --- Running a backup ---------------------------------------------------------------------


@dataclass
class ScheduleState:
    """Persisted in ITPLUS_HOME so a restart does not take a second backup the same day."""

    last_success: datetime | None = None
    last_attempt: datetime | None = None
    last_error: str = ""
    last_reason: str = ""

    @classmethod
    def load(cls, home: Path | None = None) -> ScheduleState:
        path = (home or settings.ITPLUS_HOME) / STATE_FILENAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()

        def when(key: str) -> datetime | None:
            value = data.get(key)
            try:
                return datetime.fromisoformat(value) if value else None
            except (TypeError, ValueError):
                return None

        return cls(
            last_success=when("last_success"),
            last_attempt=when("last_attempt"),
            last_error=str(data.get("last_error", "")),
            last_reason=str(data.get("last_reason", "")),
        )

    def save(self, home: Path | None = None) -> None:
        path = (home or settings.ITPLUS_HOME) / STATE_FILENAME
        data = {
            "last_success": self.last_success.isoformat() if self.last_success else None,
            "last_attempt": self.last_attempt.isoformat() if self.last_attempt else None,
            "last_error": self.last_error,
            "last_reason": self.last_reason,
        }
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)


# One backup at a time in this process: the scheduler, a session close and the
# "Crear respaldo ahora" button may coincide.
_run_lock = threading.Lock()


class BackupBusy(Exception):
    """Another backup is running in this process."""


def read_passphrase(path: Path | None) -> str | None:
    """The passphrase in ``passphrase_file`` (first line), or None for no encryption."""
    if path is None:
        return None
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        raise ValueError(
            _("No se puede leer el archivo de la frase de paso: %(path)s") % {"path": path}
        )
    return lines[0].strip() if lines else ""


def backup_run(
    *, reason: str, now: datetime | None = None, prune: bool = True, label: str = ""
) -> BackupResult:
    """Take a backup now (with the configured folder and passphrase), then prune.

    Raises ``BackupBusy`` if one is already running here, and ``BackupError`` (Spanish
    reason) if the backup fails — the failure is recorded first. A failed prune is only
    logged: the new backup exists.
    """
    if not _run_lock.acquire(blocking=False):
        raise BackupBusy
    try:
        conf = backup_settings()
        state = ScheduleState.load()
        state.last_attempt = now or timezone.now()
        state.last_reason = reason
        try:
            passphrase = read_passphrase(conf.passphrase_file)
            result = backup_create(to=conf.folder, passphrase=passphrase, label=label)
        except Exception as exc:
            state.last_error = str(exc) or exc.__class__.__name__
            state.save()
            raise
        state.last_success = now or timezone.now()
        state.last_error = ""
        state.save()
        if prune:
            try:
                backup_prune(
                    folder=conf.folder,
                    keep_daily=conf.keep_daily,
                    keep_weekly=conf.keep_weekly,
                    keep_monthly=conf.keep_monthly,
                    passphrase=passphrase,
                )
            except Exception:
                logger.exception("Falló la limpieza de respaldos antiguos")
        return result
    finally:
        _run_lock.release()


def _is_terminal() -> bool:
    """A terminal keeps no data of its own worth a backup: the server backs up."""
    return get_config().install.role == "terminal"


def scheduler_tick(*, now: datetime) -> bool:
    """One look at the clock: take the daily backup if it is due. True if one was taken."""
    if _is_terminal():
        return False
    conf = backup_settings()
    state = ScheduleState.load()
    if not backup_due(
        now=now,
        hour=conf.hour,
        last_success=state.last_success,
        last_attempt=state.last_attempt,
    ):
        return False
    try:
        backup_run(reason="diario", now=now)
    except BackupBusy:
        return False
    except Exception:
        logger.exception("Falló el respaldo automático diario; se reintentará")
        return False
    logger.info("Respaldo automático diario creado")
    return True


class BackupScheduler(threading.Thread):
    """Daemon thread started by ``itplus serve``: checks once a minute whether the daily
    backup is due. ``stop()`` ends it at the next check."""

    def __init__(self, *, interval: float = TICK_SECONDS):
        super().__init__(name="itplus-backup-scheduler", daemon=True)
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        # Let the server start first; the database connection is this thread's own.
        while not self._stop_event.wait(self.interval):
            try:
                scheduler_tick(now=timezone.now())
            except Exception:  # never let the thread die: the next tick tries again
                logger.exception("Error en el programador de respaldos")
            finally:
                connections.close_all()

    def stop(self) -> None:
        self._stop_event.set()


def backup_after_session_close(z=None, *, wait: bool = False) -> threading.Thread | None:
    """Take a backup after a cash session closes, in the background.

    Registered with the cash app's after-close hooks, which call it (with the session's
    Z report) once the session's transaction commits, so the backup holds the closed
    session and the cashier is not kept waiting.

    Never raises: a failed backup is logged and recorded in the schedule state (the
    "Mantención" page shows it); the daily backup is still taken at its hour.
    ``wait=True`` joins the thread (tests). Returns None when the setting
    ``ITPLUS_BACKUP_AFTER_SESSION_CLOSE`` is False.
    """
    if not settings.ITPLUS_BACKUP_AFTER_SESSION_CLOSE:
        return None

    def work() -> None:
        try:
            backup_run(reason="cierre de caja", label=SESSION_CLOSE_LABEL)
        except BackupBusy:
            logger.info("Ya hay un respaldo en curso; no se toma otro al cerrar la caja")
        except Exception:
            logger.exception("Falló el respaldo al cerrar la caja")
        finally:
            connections.close_all()

    thread = threading.Thread(target=work, name="itplus-backup-session-close", daemon=True)
    thread.start()
    if wait:
        thread.join()
    return thread
