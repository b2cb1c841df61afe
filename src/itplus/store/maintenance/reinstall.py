"""One-command reinstall of a store on a new or wiped machine (``itplus reinstall``).

Nothing is downloaded: the itplus package is already installed (offline, from a folder
of wheels: ``pip install --no-index --find-links wheels/ itplus``). A **server** reinstall
creates the install from the backup alone — database (store, series, terminals, users,
sales…), ``itplus.toml`` (store identity, printers), reports, media, the install id and
the backup key — and compares the restored content with the manifest table by table. A
**terminal** keeps no data of its own: its reinstall only records the server's address.

The backup key comes from ``--key`` (the recovery sheet) or, for an encrypted backup,
from inside the archive (authenticated by the passphrase); see ``keys.py``.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from itplus.store.config import config_section_set
from itplus.store.maintenance import archive as archive_format
from itplus.store.maintenance import dbcopy, keys
from itplus.store.maintenance.backup_folder import VERIFY_FOLDER_PREFIX
from itplus.store.maintenance.restore import (
    RestoreRefused,
    RestoreResult,
    apply_backup,
    verified_for_install,
)

# What a fresh install may already hold before the reinstall: the session secret (made
# when the settings load), a backups folder (where the USB copy may be put), static files.
ALLOWED_IN_EMPTY_HOME = frozenset({"secret.key", "backups", "static"})


@dataclass
class ReinstallResult:
    role: str
    home: Path
    restore: RestoreResult | None = None
    server_url: str = ""
    seconds: float = 0.0


def _leftovers(home: Path, using: str) -> list[str]:
    if not home.exists():
        return []
    database_files: set[str] = set()
    if dbcopy.engine_of(using) == "sqlite":
        name = dbcopy.sqlite_path(using).name
        database_files = {name, f"{name}-wal", f"{name}-shm", f"{name}-journal"}
    return sorted(
        p.name
        for p in home.iterdir()
        if p.name not in ALLOWED_IN_EMPTY_HOME
        and p.name not in database_files  # judged by database_is_empty instead
        and not p.name.endswith(archive_format.SUFFIX)  # the backup copied here from a USB
        and not p.name.startswith(VERIFY_FOLDER_PREFIX)
        and not (p.is_dir() and not any(p.iterdir()))
    )


def _terminal(home: Path, server_url: str) -> ReinstallResult:
    parts = urlsplit(server_url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RestoreRefused(
            _("Indique la dirección del servidor, por ejemplo --server http://192.168.1.10:8000")
        )
    config = config_section_set(
        home, "install", {"role": "terminal", "server_url": server_url.rstrip("/")}
    )
    keys.install_id(home)
    return ReinstallResult(role="terminal", home=home, server_url=config.install.server_url)


def store_reinstall(
    *,
    archive: Path | None = None,
    home: Path | None = None,
    passphrase: str | None = None,
    key: bytes | None = None,
    role: str = "server",
    server_url: str = "",
    force: bool = False,
    using: str = "default",
) -> ReinstallResult:
    """Create this install from a backup (server) or from the server's address (terminal).

    Guarantees (server): refuses (``RestoreRefused``) when ITPLUS_HOME or the database
    already hold a store (use ``itplus restore``), or the backup fails verification, is
    newer, of another engine, or cannot be authenticated (a plain backup needs ``key``);
    otherwise the restored database, configuration, reports and media are the backup's
    and ``result.restore.identical`` says whether every table matches the manifest.
    """
    started = time.monotonic()
    home = Path(home or settings.ITPLUS_HOME).resolve()
    if home != Path(settings.ITPLUS_HOME).resolve():
        raise ValueError("ITPLUS_HOME must be set to the target folder before Django starts")
    home.mkdir(parents=True, exist_ok=True)
    if role == "terminal":
        result = _terminal(home, server_url)
        result.seconds = time.monotonic() - started
        return result
    if role != "server":
        raise RestoreRefused(_("Rol desconocido: %(r)s (server o terminal)") % {"r": role})
    if archive is None:
        raise RestoreRefused(_("Indique el respaldo con --from ARCHIVO."))
    if not force and (left := _leftovers(home, using)):
        raise RestoreRefused(
            _(
                "%(home)s ya tiene una instalación (%(files)s). Para volver a un respaldo en "
                "esta instalación use «itplus restore»; no se modificó nada."
            )
            % {"home": home, "files": ", ".join(left[:5])}
        )
    if not dbcopy.database_is_empty(using=using) and not force:
        raise RestoreRefused(
            _(
                "La base de datos ya tiene tablas: no es una instalación nueva. Use «itplus "
                "restore»; no se modificó nada."
            )
        )
    verified, warnings = verified_for_install(
        path=Path(archive), passphrase=passphrase, key=key, using=using, force=force, home=home
    )
    try:
        manifest = verified.manifest or {}
        if manifest.get("install_id"):
            keys.set_install_id(home, manifest["install_id"])
        restored = apply_backup(verified, using=using, home=home, key=key)
    finally:
        shutil.rmtree(verified.staged, ignore_errors=True)
    restored.warnings = warnings
    restored.seconds = time.monotonic() - started
    return ReinstallResult(
        role="server", home=home, restore=restored, seconds=time.monotonic() - started
    )
