"""What ``itplus.toml`` may say, as frozen dataclasses, and the one parser that checks it.

``config_from_dict`` turns the file's TOML (a dict) into a ``StoreConfig`` or raises
``ConfigError`` naming the section and key in Spanish, so a technician's typo is found at
the first read and not at the first sale. Missing keys take their defaults (``DEFAULTS``);
unknown keys are logged and ignored, so a file written by a newer version still loads.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, fields
from datetime import time
from decimal import Decimal, InvalidOperation
from types import MappingProxyType
from typing import Any, Literal

from django.utils.translation import gettext as _

from itplus.core.barcodes import ScalePattern
from itplus.core.chile import InvalidRut, gran_santiago_commune, rut_format
from itplus.core.errors import BusinessError
from itplus.core.numbers import format_quantity

logger = logging.getLogger("itplus.config")


class ConfigError(BusinessError):
    """itplus.toml says something itplus cannot use; the message names the key."""

    code = "configuracion_invalida"
    status = 500


DEFAULTS: dict[str, Any] = {
    # The shop's legal identity, printed on every receipt: empty until the owner gives it
    # (first-run page /gestion/configuracion/ or ``itplus setup store``).
    "store": {
        "name": "",
        "rut": "",
        "giro": "",
        "address": "",
        "comuna": "",
        "phone": "",
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
    # What a deli-scale label may plausibly weigh, in kg: the embedded weight, or for a
    # price label the embedded price over the product's price per kg. Outside it the
    # line needs a supervisor's approval; a label worth $0 is always refused.
    "scale": {"min_weight_kg": 0.005, "max_weight_kg": 30},
    "inventory": {"allow_negative_stock": True},
    # A supervisor's approval is used once, within this many minutes of being given.
    "approvals": {"lifetime_minutes": 5},
    # Automatic backups (maintenance.scheduling): daily at ``hour``, kept by the
    # daily/weekly/monthly rule; ``folder`` empty means ITPLUS_HOME/backups.
    "backup": {
        "hour": "22:00",
        "keep_daily": 7,
        "keep_weekly": 4,
        "keep_monthly": 12,
        "folder": "",
        "passphrase_file": "",
    },
    # "server" holds the database; a "terminal" install reaches the server at server_url,
    # as the terminal ``terminal_code`` with ``terminal_token`` (itplus setup terminal).
    "install": {"role": "server", "server_url": "", "terminal_code": "", "terminal_token": ""},
    # The offline till: each terminal holds blocks of ``block_size`` document numbers per
    # series, and leases another when fewer than ``renew_below`` are left unused.
    "offline": {"block_size": 50, "renew_below": 20},
    # Server mode: the store's PostgreSQL (written by ``itplus setup server`` once the
    # store was moved and verified there). Empty: the SQLite file in ITPLUS_HOME.
    # The DATABASE_URL environment variable wins over it.
    "database": {"url": ""},
}

# The identity fields a receipt cannot go without (phone and footer are optional).
IDENTITY_REQUIRED = ("name", "rut", "giro", "address", "comuna")
# accounts.Role's values (config sits below accounts; a test keeps the two equal).
ROLES = ("cajero", "supervisor", "administrador")
PRINTER_KINDS = ("none", "network")
INSTALL_ROLES = ("server", "terminal")
SCALE_EMBEDS = ("price", "weight")


@dataclass(frozen=True)
class StoreIdentity:
    name: str = ""
    rut: str = ""  # "76.354.721-3", validated
    giro: str = ""
    address: str = ""
    comuna: str = ""  # official spelling
    phone: str = ""
    receipt_footer: str = ""

    @property
    def missing(self) -> tuple[str, ...]:
        """The required fields still empty, in form order."""
        return tuple(key for key in IDENTITY_REQUIRED if not getattr(self, key))

    @property
    def is_complete(self) -> bool:
        return not self.missing


@dataclass(frozen=True)
class PrinterConfig:
    kind: Literal["none", "network"] = "none"
    host: str = ""
    port: int = 9100
    width_chars: int = 48
    kick_drawer_on_cash: bool = True


@dataclass(frozen=True)
class ScaleConfig:
    min_weight_kg: Decimal = Decimal("0.005")
    max_weight_kg: Decimal = Decimal("30")


@dataclass(frozen=True)
class InventoryConfig:
    allow_negative_stock: bool = True


@dataclass(frozen=True)
class ApprovalsConfig:
    lifetime_minutes: int = 5


@dataclass(frozen=True)
class BackupConfig:
    hour: time = time(22, 0)
    keep_daily: int = 7
    keep_weekly: int = 4
    keep_monthly: int = 12
    folder: str = ""  # relative paths are under ITPLUS_HOME
    passphrase_file: str = ""


@dataclass(frozen=True)
class InstallConfig:
    role: Literal["server", "terminal"] = "server"
    server_url: str = ""
    terminal_code: str = ""
    terminal_token: str = ""


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = ""


@dataclass(frozen=True)
class OfflineConfig:
    block_size: int = 50
    renew_below: int = 20


@dataclass(frozen=True)
class StoreConfig:
    store: StoreIdentity
    printer: PrinterConfig
    discount_limits_percent: MappingProxyType[str, int]  # role → percent
    scale_barcodes: tuple[ScalePattern, ...]
    scale: ScaleConfig
    inventory: InventoryConfig
    approvals: ApprovalsConfig
    backup: BackupConfig
    install: InstallConfig
    offline: OfflineConfig
    database: DatabaseConfig = DatabaseConfig()

    def discount_limit_percent(self, role: str) -> int:
        """The most a role may discount without an approval; 0 for an unknown role."""
        return self.discount_limits_percent.get(role, 0)


# --- Parsing -----------------------------------------------------------------------------


def _error(key: str, message: str, value: Any) -> ConfigError:
    return ConfigError(
        _("itplus.toml, %(key)s: %(message)s (tiene «%(value)s»).")
        % {"key": key, "message": message, "value": value}
    )


def _text(key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise _error(key, _("debe ser un texto entre comillas"), value)
    return value.strip()


def _bool(key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _error(key, _("debe ser true o false"), value)
    return value


def _int(key: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _error(
            key,
            _("debe ser un número entero entre %(low)s y %(high)s") % {"low": low, "high": high},
            value,
        )
    return value


def _choice(key: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise _error(
            key, _("debe ser uno de: %(choices)s") % {"choices": ", ".join(choices)}, value
        )
    return value


def _section(raw: dict[str, Any], name: str) -> dict[str, Any]:
    """The section over its defaults; a section that is not a table is an error."""
    given = raw.get(name, {})
    if not isinstance(given, dict):
        raise _error(f"[{name}]", _("debe ser una sección"), given)
    if name == "backup":  # the TOML-style spelling "passphrase-file" is accepted too
        given = {key.replace("-", "_"): value for key, value in given.items()}
    unknown = sorted(set(given) - set(DEFAULTS[name]))
    if unknown:
        logger.warning("itplus.toml: [%s] no usa las claves %s", name, ", ".join(unknown))
    return {**DEFAULTS[name], **{k: v for k, v in given.items() if k in DEFAULTS[name]}}


def store_rut_clean(value: str) -> str:
    """The store's RUT in its printed form, or ConfigError in the validator's words."""
    try:
        return rut_format(value)
    except InvalidRut as exc:
        raise ConfigError(exc.message, code=exc.code) from exc


def store_comuna_clean(value: str) -> str:
    """The commune's official spelling, or ConfigError when it is not one we know."""
    comuna = gran_santiago_commune(value)
    if comuna is None:
        raise ConfigError(
            _(
                "«%(value)s» no es una comuna conocida de Gran Santiago. Escríbala como "
                "aparece en el SII, por ejemplo Ñuñoa o Santiago."
            )
            % {"value": value}
        )
    return comuna


def _keyed(key: str, clean, value: str) -> str:
    """``clean(value)``, its ConfigError prefixed with the key it came from."""
    try:
        return clean(value)
    except ConfigError as exc:
        raise ConfigError(
            _("itplus.toml, %(key)s: %(message)s") % {"key": key, "message": exc.message},
            code=exc.code,
        ) from exc


def _store(raw: dict[str, Any]) -> StoreIdentity:
    section = _section(raw, "store")
    values = {f.name: _text(f"[store] {f.name}", section[f.name]) for f in fields(StoreIdentity)}
    if values["rut"]:
        values["rut"] = _keyed("[store] rut", store_rut_clean, values["rut"])
    if values["comuna"]:
        values["comuna"] = _keyed("[store] comuna", store_comuna_clean, values["comuna"])
    return StoreIdentity(**values)


def _printer(raw: dict[str, Any]) -> PrinterConfig:
    section = _section(raw, "printer")
    kind = _choice("[printer] kind", section["kind"], PRINTER_KINDS)
    host = _text("[printer] host", section["host"])
    if kind == "network" and not host:
        raise _error("[printer] host", _("falta la dirección de la impresora de red"), host)
    return PrinterConfig(
        kind=kind,  # type: ignore[arg-type]
        host=host,
        port=_int("[printer] port", section["port"], 1, 65535),
        width_chars=_int("[printer] width_chars", section["width_chars"], 24, 80),
        kick_drawer_on_cash=_bool("[printer] kick_drawer_on_cash", section["kick_drawer_on_cash"]),
    )


def _discount_limits(raw: dict[str, Any]) -> MappingProxyType[str, int]:
    given = raw.get("discount_limits_percent", {})
    if not isinstance(given, dict):
        raise _error("[discount_limits_percent]", _("debe ser una sección"), given)
    limits = {}
    for role, value in {**DEFAULTS["discount_limits_percent"], **given}.items():
        key = f"[discount_limits_percent] {role}"
        _choice(key, role, ROLES)
        limits[role] = _int(key, value, 0, 100)
    return MappingProxyType(limits)


def _scale_barcodes(raw: dict[str, Any]) -> tuple[ScalePattern, ...]:
    given = raw.get("scale_barcodes", DEFAULTS["scale_barcodes"])
    if not isinstance(given, list):
        raise _error("[[scale_barcodes]]", _("debe ser una lista de patrones"), given)
    patterns = []
    for n, entry in enumerate(given, 1):
        key = f"[[scale_barcodes]] n.º {n}"
        if not isinstance(entry, dict):
            raise _error(key, _("debe ser una tabla con prefix, item_digits y embeds"), entry)
        prefix = _text(f"{key} prefix", entry.get("prefix", ""))
        if not (prefix.isdigit() and 1 <= len(prefix) <= 3):
            raise _error(f"{key} prefix", _("debe tener de 1 a 3 dígitos"), prefix)
        item_digits = _int(f"{key} item_digits", entry.get("item_digits"), 1, 12 - len(prefix) - 1)
        embeds = _choice(f"{key} embeds", entry.get("embeds"), SCALE_EMBEDS)
        patterns.append(ScalePattern(prefix=prefix, item_digits=item_digits, embeds=embeds))
    return tuple(patterns)


MAX_SCALE_WEIGHT_KG = Decimal("1000")


def _weight_kg(key: str, value: Any) -> Decimal:
    """A weight in kg with at most 3 decimals (grams), above 0 and up to 1000."""
    number = None
    if not isinstance(value, bool) and isinstance(value, int | float | str):
        try:
            number = Decimal(str(value).strip().replace(",", "."))
        except InvalidOperation:
            number = None
    if (
        number is None
        or not number.is_finite()
        or number.as_tuple().exponent < -3  # type: ignore[operator]
        or not 0 < number <= MAX_SCALE_WEIGHT_KG
    ):
        raise _error(
            key,
            _("debe ser un peso en kg mayor que 0 y hasta %(max)s, con a lo más 3 decimales")
            % {"max": format_quantity(MAX_SCALE_WEIGHT_KG)},
            value,
        )
    return number


def _scale(raw: dict[str, Any], patterns: tuple[ScalePattern, ...]) -> ScaleConfig:
    section = _section(raw, "scale")
    low = _weight_kg("[scale] min_weight_kg", section["min_weight_kg"])
    high = _weight_kg("[scale] max_weight_kg", section["max_weight_kg"])
    if low >= high:
        raise _error(
            "[scale] max_weight_kg",
            _("debe ser mayor que min_weight_kg (%(low)s)") % {"low": format_quantity(low)},
            high,
        )
    for n, pattern in enumerate(patterns, 1):
        # A weight label that cannot even carry the minimum would always need approval.
        if pattern.embeds == "weight" and pattern.max_weight_kg < low:
            raise _error(
                f"[[scale_barcodes]] n.º {n} item_digits",
                _(
                    "deja muy pocos dígitos para el peso: la etiqueta marcaría a lo más "
                    "%(max)s kg, menos que [scale] min_weight_kg (%(low)s)"
                )
                % {"max": format_quantity(pattern.max_weight_kg), "low": format_quantity(low)},
                pattern.item_digits,
            )
    return ScaleConfig(min_weight_kg=low, max_weight_kg=high)


def _backup(raw: dict[str, Any]) -> BackupConfig:
    section = _section(raw, "backup")
    hour_text = _text("[backup] hour", section["hour"])
    try:
        hour = time.fromisoformat(hour_text).replace(second=0, microsecond=0, tzinfo=None)
    except ValueError:
        raise _error("[backup] hour", _("debe ser una hora HH:MM, por ejemplo 22:00"), hour_text)
    return BackupConfig(
        hour=hour,
        keep_daily=_int("[backup] keep_daily", section["keep_daily"], 0, 3650),
        keep_weekly=_int("[backup] keep_weekly", section["keep_weekly"], 0, 520),
        keep_monthly=_int("[backup] keep_monthly", section["keep_monthly"], 0, 1200),
        folder=_text("[backup] folder", section["folder"]),
        passphrase_file=_text("[backup] passphrase_file", section["passphrase_file"]),
    )


def _install(raw: dict[str, Any]) -> InstallConfig:
    section = _section(raw, "install")
    return InstallConfig(
        role=_choice("[install] role", section["role"], INSTALL_ROLES),  # type: ignore[arg-type]
        server_url=_text("[install] server_url", section["server_url"]),
        terminal_code=_text("[install] terminal_code", section["terminal_code"]),
        terminal_token=_text("[install] terminal_token", section["terminal_token"]),
    )


def _offline(raw: dict[str, Any]) -> OfflineConfig:
    section = _section(raw, "offline")
    block_size = _int("[offline] block_size", section["block_size"], 5, 10_000)
    return OfflineConfig(
        block_size=block_size,
        renew_below=_int("[offline] renew_below", section["renew_below"], 1, block_size),
    )


def _database(raw: dict[str, Any]) -> DatabaseConfig:
    url = _text("[database] url", _section(raw, "database")["url"])
    if url and not url.startswith(("postgres://", "postgresql://")):
        raise _error(
            "[database] url", _("debe ser postgres://usuario:clave@equipo:puerto/base"), url
        )
    return DatabaseConfig(url=url)


def config_from_dict(raw: dict[str, Any]) -> StoreConfig:
    """The validated configuration of a parsed itplus.toml (``{}`` gives the defaults)."""
    section = _section(raw, "inventory")
    approvals = _section(raw, "approvals")
    scale_barcodes = _scale_barcodes(raw)
    return StoreConfig(
        store=_store(raw),
        printer=_printer(raw),
        discount_limits_percent=_discount_limits(raw),
        scale_barcodes=scale_barcodes,
        scale=_scale(raw, scale_barcodes),
        inventory=InventoryConfig(
            allow_negative_stock=_bool(
                "[inventory] allow_negative_stock", section["allow_negative_stock"]
            )
        ),
        approvals=ApprovalsConfig(
            lifetime_minutes=_int(
                "[approvals] lifetime_minutes", approvals["lifetime_minutes"], 1, 24 * 60
            )
        ),
        backup=_backup(raw),
        install=_install(raw),
        offline=_offline(raw),
        database=_database(raw),
    )


def defaults() -> dict[str, Any]:
    """A fresh copy of the defaults, as the TOML dict they would be written as."""
    return copy.deepcopy(DEFAULTS)
