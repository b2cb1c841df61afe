"""Who the help desk is — company, RUT, contact channels, hours and the bank account for
transfers — read from ``HELPDESK_HOME/helpdesk.toml``, never written in the code.

``itplus-helpdesk demo`` writes the example below when the file is missing; the vendor
edits it and restarts the site. HELPDESK_PHONE, HELPDESK_WHATSAPP and HELPDESK_EMAIL
still override the file's channels. Imports nothing of the help desk's apps: the
settings read it before Django starts.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from itplus.core.chile import InvalidRut, rut_format

FILENAME = "helpdesk.toml"
CONTACT_KEYS = ("company", "rut", "phone", "whatsapp", "email", "hours")
BANK_KEYS = ("holder", "rut", "bank", "kind", "number", "email")
ENV_OVERRIDES = {
    "phone": "HELPDESK_PHONE",
    "whatsapp": "HELPDESK_WHATSAPP",
    "email": "HELPDESK_EMAIL",
}

EXAMPLE = """\
# The help desk's identity: shown on the order pages, the e-mails and the transfer data.
# Edit and restart the help desk.

[company]
company = "Itplusnet Ltda."
rut = "76.543.210-3"
phone = "+56 2 2345 6789"
whatsapp = "+56 9 8765 4321"
email = "soporte@itplus.cl"
hours = "Lunes a viernes de 09:00 a 18:30 (hora de Santiago), excepto feriados"

# Shown to customers who choose to pay by bank transfer.
[bank]
holder = "Itplusnet Ltda."
rut = "76.543.210-3"
bank = "Banco de Chile"
kind = "Cuenta corriente"
number = "00-123-45678-09"
email = "soporte@itplus.cl"
"""


def _section(data: dict, name: str, keys: tuple[str, ...], path: Path) -> dict[str, str]:
    section = data.get(name, {})
    if not isinstance(section, dict):
        raise ImproperlyConfigured(f"{path}: [{name}] debe ser una sección.")
    unknown = set(section) - set(keys)
    if unknown:
        raise ImproperlyConfigured(
            f"{path}: claves desconocidas en [{name}]: {', '.join(sorted(unknown))}."
        )
    values = {key: str(section.get(key, "")).strip() for key in keys}
    if values["rut"]:
        try:
            values["rut"] = rut_format(values["rut"])
        except InvalidRut as exc:
            raise ImproperlyConfigured(f"{path}: [{name}] rut: {exc.message}")
    return values


def company_load(home: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(contact, bank account) from ``home/helpdesk.toml``; empty values when missing."""
    path = Path(home) / FILENAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        data = {}
    except tomllib.TOMLDecodeError as exc:
        raise ImproperlyConfigured(f"{path}: {exc}")
    contact = _section(data, "company", CONTACT_KEYS, path)
    for key, variable in ENV_OVERRIDES.items():
        contact[key] = os.environ.get(variable) or contact[key]
    bank = _section(data, "bank", BANK_KEYS, path)
    return contact, bank


def company_example_write(home: Path) -> Path | None:
    """Write the example file if there is none yet; returns its path when written."""
    path = Path(home) / FILENAME
    if path.exists():
        return None
    path.write_text(EXAMPLE, encoding="utf-8")
    return path
