"""What is known of one backup file without reading it all: ``BackupInfo``.

The header gives the date, store, version and whether it is encrypted; the verification
status comes from a cache beside the backups (``.itplus-verificaciones.json``), written
by ``verify`` after reading a backup completely, so the list, the retention and the
"Mantención" page know which backups are good without reading them again.

A cached result holds for the file's size and mtime and the SHA-256 of the whole file
as the check read it. Size and mtime are compared on every listing (free); the hash is
not (it means reading the file), but ``content_unchanged`` compares it, and the prune
does so for every backup it counts as good before deleting anything: a byte flipped with
size and mtime kept, as silent disk corruption does, turns the cached "good" into
"damaged" there. A cached "good" without a hash (an older cache) is not trusted.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from itplus.store.maintenance import archive

STATUS_FILE = ".itplus-verificaciones.json"
# In the name of the backup taken just before a restore (kept by the retention).
SAFETY_LABEL = "-antes-de-restaurar"
# Taken after a cash session closed (its Z): retention keeps each one for the daily window.
SESSION_CLOSE_LABEL = "-cierre-de-caja"

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
    sha256: str = ""  # of the whole file when it was verified (cached)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def is_safety(self) -> bool:
        return SAFETY_LABEL in self.path.name

    @property
    def is_session_close(self) -> bool:
        return SESSION_CLOSE_LABEL in self.path.name

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


def record_status(path: Path, *, status: str, reason: str, sha256: str | None = None) -> None:
    """Remember a verification result, keyed by name, size, mtime and (``sha256``, of the
    whole file as the check read it; computed here when not given) content. Best effort:
    a read-only folder (a USB stick) just has no cache."""
    folder = path.parent
    try:
        stat = path.stat()
        if not sha256 and status == STATUS_OK:
            sha256 = archive.file_sha256(path)
        statuses = read_statuses(folder)
        statuses[path.name] = {
            "status": status,
            "reason": reason,
            "verified_at": timezone.now().isoformat(),
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "sha256": sha256 or "",
        }
        tmp = _status_path(folder).with_suffix(".tmp")
        tmp.write_text(json.dumps(statuses, indent=1, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, _status_path(folder))
    except OSError:
        pass


def content_unchanged(info: BackupInfo) -> bool:
    """Whether the file still has the content its cached verification read (reads the
    whole file). When not, the cache says so from now on: the backup is damaged."""
    try:
        unchanged = bool(info.sha256) and archive.file_sha256(info.path) == info.sha256
    except OSError:
        unchanged = False
    if not unchanged:
        info.status = STATUS_BAD
        info.reason = _(
            "El archivo cambió desde que se verificó (su contenido ya no es el revisado, "
            "aunque tenga el mismo tamaño y fecha): está dañado."
        )
        info.sha256 = ""
        record_status(info.path, status=info.status, reason=info.reason, sha256="")
    return unchanged


def backup_info(path: Path, statuses: dict[str, dict[str, Any]] | None = None) -> BackupInfo:
    """Read one backup's header and its cached status (``statuses``: the folder's cache,
    when the caller already read it for many files)."""
    stat = path.stat()
    cached = (statuses if statuses is not None else read_statuses(path.parent)).get(path.name)
    if cached and (cached.get("size"), cached.get("mtime_ns")) != (stat.st_size, stat.st_mtime_ns):
        cached = None
    if cached and cached.get("status") == STATUS_OK and not cached.get("sha256"):
        cached = None  # verified before the cache kept content hashes: not trusted
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
        sha256=str(cached.get("sha256", "")),
    )
