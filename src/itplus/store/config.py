"""The store's configuration file (``ITPLUS_HOME/itplus.toml``).

Settings a shop owner or technician edits (store identity, printer, discount limits,
scale barcode patterns) live in one human-readable file inside ITPLUS_HOME, so a backup
of that folder carries them and a reinstall brings them back identical.
"""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

CONFIG_FILENAME = "itplus.toml"

DEFAULTS: dict[str, Any] = {
    "store": {
        "name": "Mi Negocio",
        "rut": "76.123.456-0",
        "giro": "Venta al por menor en comercios no especializados",
        "address": "Av. Providencia 1234",
        "comuna": "Providencia",
        "phone": "+56 2 2345 6789",
        "receipt_footer": "Gracias por su compra",
    },
    "printer": {
        # "network" (ESC/POS over TCP, host:port), "none" (HTML receipt only).
        "kind": "none",
        "host": "192.168.1.50",
        "port": 9100,
        "width_chars": 48,
        "kick_drawer_on_cash": True,
    },
    # Maximum discount (percent of the line or ticket) each role may give without
    # a supervisor's approval.
    "discount_limits_percent": {"cajero": 5, "supervisor": 30, "administrador": 100},
    # EAN-13 codes printed by deli scales. Each pattern: the prefix that identifies it,
    # how many digits identify the product (its internal code), and what the next
    # digits embed ("price" in CLP or "weight" in grams).
    "scale_barcodes": [
        {"prefix": "20", "item_digits": 5, "embeds": "price"},
        {"prefix": "21", "item_digits": 5, "embeds": "weight"},
        {"prefix": "25", "item_digits": 5, "embeds": "weight"},
    ],
    "inventory": {"allow_negative_stock": True},
    # How long a supervisor's PIN approval may wait before it is used.
    "approvals": {"lifetime_minutes": 5},
}


def config_path(home: Path) -> Path:
    return home / CONFIG_FILENAME


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_config(home: Path) -> dict[str, Any]:
    """The configuration: defaults overlaid with the file, if there is one."""
    path = config_path(home)
    if not path.exists():
        return copy.deepcopy(DEFAULTS)
    with path.open("rb") as fh:
        return _merge(DEFAULTS, tomllib.load(fh))


def save_config(home: Path, config: dict[str, Any]) -> None:
    """Write the file atomically: a crash mid-write never leaves half a config."""
    home.mkdir(parents=True, exist_ok=True)
    path = config_path(home)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_bytes(tomli_w.dumps(config).encode("utf-8"))
    tmp.replace(path)


def get_config() -> dict[str, Any]:
    from django.conf import settings

    return load_config(settings.ITPLUS_HOME)
