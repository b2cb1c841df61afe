"""Reading and writing ``ITPLUS_HOME/itplus.toml``.

The file is parsed once into a ``StoreConfig`` and kept until it changes: each call
stats the file (modification time, size, inode — a save replaces the file, so a new
inode) and re-reads it only when that differs. A sale therefore costs one ``stat``, and
an edit by hand or by another process (``itplus setup store``) is seen by the next call.
"""

from __future__ import annotations

import os
import threading
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from django.conf import settings
from django.utils.translation import gettext as _

from itplus.store.config.schema import ConfigError, StoreConfig, config_from_dict

CONFIG_FILENAME = "itplus.toml"

_cache: dict[Path, tuple[tuple[int, int, int] | None, StoreConfig]] = {}
_cache_lock = threading.Lock()


def config_path(home: Path) -> Path:
    return Path(home) / CONFIG_FILENAME


def config_read(home: Path) -> dict[str, Any]:
    """What the file says, as TOML (no defaults); ``{}`` when there is no file."""
    path = config_path(home)
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            _("itplus.toml no se puede leer: %(error)s. Corrija el archivo %(path)s.")
            % {"error": exc, "path": path}
        ) from exc


def _file_key(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


def load_config(home: Path) -> StoreConfig:
    """The validated configuration of ``home`` (defaults where the file says nothing).

    Raises ConfigError, naming the key, when the file holds something unusable."""
    path = config_path(home)
    key = _file_key(path)
    cached = _cache.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    config = config_from_dict(config_read(home))
    with _cache_lock:
        _cache[path] = (key, config)
    return config


def get_config() -> StoreConfig:
    """This install's configuration (``settings.ITPLUS_HOME/itplus.toml``)."""
    return load_config(settings.ITPLUS_HOME)


def save_config(home: Path, config: dict[str, Any]) -> StoreConfig:
    """Validate ``config`` (TOML dict) and write it atomically: a crash mid-write never
    leaves half a file, and an invalid config (ConfigError) is never written."""
    typed = config_from_dict(config)
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    path = config_path(home)
    tmp = path.with_suffix(".toml.tmp")
    with tmp.open("wb") as fh:
        fh.write(tomli_w.dumps(config).encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)
    with _cache_lock:
        _cache.pop(path, None)
    return typed


def config_section_set(home: Path, section: str, values: dict[str, Any] | list[Any]) -> StoreConfig:
    """Replace one section's keys (a table's keys are merged, a list replaced); the rest
    of the file stays as it is."""
    config = config_read(home)
    current = config.get(section)
    if isinstance(values, dict) and isinstance(current, dict):
        config[section] = {**current, **values}
    else:
        config[section] = values
    return save_config(home, config)
