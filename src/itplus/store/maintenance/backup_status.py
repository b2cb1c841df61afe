"""What is known of one backup file without reading it all: ``BackupInfo``.

The header gives the date, store, version and whether it is encrypted; the verification
status comes from a cache beside the backups (``.itplus-verificaciones.json``), written
by ``verify`` after reading a backup completely, so the list, the retention and the
"Mantención" page know which backups are good without reading them again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from itplus.store.maintenance import archive

STATUS_FILE = ".itplus-verificaciones.json"
# In the name of the backup taken just before a restore (kept by the retention).
SAFETY_LABEL = "-antes-de-restaurar"

STATUS_OK = "ok"
STATUS_BAD = "bad"
STATUS_PASSPHRASE = "passphrase"
STATUS_UNKNOWN = "unknown"
STATUS_LABELS = {
    STATUS_OK: gettext_lazy("Bueno"),
    STATUS_BAD: gettext_lazy("Dañado"),
    STATUS_PASSPHRASE: gettext_lazy("Falta la frase de paso o la clave"),
    STATUS_UNKNOWN: gettext_lazy("Sin verificar"),
}


@dataclass
class BackupInfo:
    """One backup file: its header and its last verification."""

    path: Path
    size: int
    created_at: datetime | None  # timezone-aware; None when the header could not be read
    encrypted: bool = False
    status: str = STATUS_UNKNOWN  # ok | bad | passphrase | unknown
    reason: str = ""
    verified_at: datetime | None = None
    store: str = ""
    app_version: str = ""

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def is_safety(self) -> bool:
        return SAFETY_LABEL in self.path.name

    @property
    def is_good(self) -> bool | None:
        """Verified good (True), known bad (False) or not known (None)."""
        return {STATUS_OK: True, STATUS_BAD: False}.get(self.status)

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS.get(self.status, self.status))

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": str(self.path),
            "size": self.size,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "encrypted": self.encrypted,
            "status": self.status,
            "reason": self.reason,
            "verified_at": self.verified_at.isoformat() if self.verified_at else "",
            "store": self.store,
            "app_version": self.app_version,
        }


def _status_path(folder: Path) -> Path:
    return folder / STATUS_FILE


def _parse_time(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


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


def backup_info(path: Path, statuses: dict[str, dict[str, Any]] | None = None) -> BackupInfo:
    """Read one backup's header and its cached status (``statuses``: the folder's cache,
    when the caller already read it for many files)."""
    stat = path.stat()
    cached = (statuses if statuses is not None else read_statuses(path.parent)).get(path.name)
    if cached and (cached.get("size"), cached.get("mtime_ns")) != (stat.st_size, stat.st_mtime_ns):
        cached = None
    try:
        header = archive.read_header_file(path)
    except archive.ArchiveError as exc:
        return BackupInfo(
            path=path, size=stat.st_size, created_at=None, status=STATUS_BAD, reason=str(exc)
        )
    cached = cached or {}
    return BackupInfo(
        path=path,
        size=stat.st_size,
        created_at=_parse_time(header.fields.get("created_at")),
        encrypted=header.encrypted,
        status=cached.get("status", STATUS_UNKNOWN),
        reason=cached.get("reason", ""),
        verified_at=_parse_time(cached.get("verified_at")),
        store=str(header.fields.get("store", "")),
        app_version=str(header.fields.get("app_version", "")),
    )
