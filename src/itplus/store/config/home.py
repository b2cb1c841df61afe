"""The data folder, ITPLUS_HOME: where it is, and making it ready to run.

Where: ITPLUS_HOME from the environment (the Makefile sets ``./var`` of the repository),
else the folder recorded in the user's configuration folder when a store was first
created there (``itplus migrate``, ``setup store``, ``demo``, ``reinstall``), else — for a
command that creates a store — the user's data folder. Nothing falls back to the
current directory: a command run from another folder finds the same store or none.

Importing the settings reads this folder and writes nothing; ``home_prepare`` — called
by the ``itplus`` command, the WSGI entry point and the test settings before Django
starts — creates the folder, the static folder WhiteNoise expects and the install's
secret key.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

from itplus.core.site_settings import database, secret_key_ensure

try:  # optional: the platform's folders, when installed
    import platformdirs
except ImportError:  # pragma: no cover - depends on the environment
    platformdirs = None

APP_NAME = "itplus"
DATABASE_FILENAME = "itplus.sqlite3"
POINTER_FILENAME = "home"


def _user_dir(kind: str) -> Path:
    """The user's ``config`` or ``data`` folder for itplus (platformdirs when installed)."""
    if platformdirs is not None:
        if kind == "config":
            return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False, roaming=True))
        return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    if sys.platform == "win32":
        variable = "APPDATA" if kind == "config" else "LOCALAPPDATA"
        fallback = "Roaming" if kind == "config" else "Local"
        base = os.environ.get(variable) or Path.home() / "AppData" / fallback
        return Path(base) / APP_NAME
    if kind == "config":
        base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    else:
        base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / APP_NAME


def home_pointer_path() -> Path:
    """The small file that records this user's store folder."""
    return _user_dir("config") / POINTER_FILENAME


def home_recorded() -> Path | None:
    """The store folder recorded when a store was created, if any."""
    try:
        text = home_pointer_path().read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return None
    return Path(text) if text else None


def home_record(home: Path) -> None:
    """Remember ``home`` as this user's store folder."""
    path = home_pointer_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{Path(home).resolve()}\n", encoding="utf-8")


def home_default_new() -> Path:
    """Where a store is created when nothing says where: the user's data folder."""
    return _user_dir("data") / "tienda"


def itplus_home_find() -> Path | None:
    """ITPLUS_HOME from the environment, else the recorded folder; None when neither."""
    if value := os.environ.get("ITPLUS_HOME"):
        return Path(value).resolve()
    recorded = home_recorded()
    return recorded.resolve() if recorded is not None else None


def itplus_home() -> Path:
    """The store folder (``itplus_home_find``), else where a new store would go."""
    return itplus_home_find() or home_default_new().resolve()


def database_url_configured(home: Path) -> str:
    """``[database] url`` of ``home``'s itplus.toml (written by ``itplus setup server``
    once the store is in PostgreSQL), read without Django: the settings need it before
    Django starts. Empty: the SQLite file. A file that cannot be read says nothing here;
    the typed configuration (``get_config``) reports it."""
    try:
        with (Path(home) / "itplus.toml").open("rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return ""
    section = raw.get("database")
    url = section.get("url", "") if isinstance(section, dict) else ""
    return url if isinstance(url, str) else ""


def store_files_exist(home: Path) -> bool:
    """Whether ``home`` holds a store, judged without opening anything (opening an SQLite
    file creates it): the folder and, on SQLite, the database file. On PostgreSQL
    whether the database is there and migrated needs a connection."""
    if not Path(home).is_dir():
        return False
    config = database(Path(home) / DATABASE_FILENAME, url=database_url_configured(home))
    if config["ENGINE"] != "django.db.backends.sqlite3":
        return True
    return Path(config["NAME"]).is_file()


def home_prepare(home: Path | None = None) -> Path:
    """Create what a run needs in ITPLUS_HOME (idempotent) and return the folder."""
    home = Path(home) if home is not None else itplus_home()
    home.mkdir(parents=True, exist_ok=True)
    (home / "static").mkdir(exist_ok=True)  # STATIC_ROOT: WhiteNoise warns when missing
    if not os.environ.get("ITPLUS_SECRET_KEY"):
        secret_key_ensure(home)
    return home
