"""The store's identity: what a receipt needs before it can be printed.

There is no placeholder: until the owner gives the name, RUT, giro, address and commune
(first-run page, ``itplus setup store`` or the demo), ``require_store_identity`` refuses
every receipt, so no receipt ever carries another shop's RUT.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from itplus.core.errors import BusinessError
from itplus.store.config.loading import config_section_set, get_config, load_config
from itplus.store.config.schema import (
    IDENTITY_REQUIRED,
    ConfigError,
    StoreIdentity,
    store_comuna_clean,
    store_rut_clean,
)

# Spanish names of the identity fields, for the form and the messages.
IDENTITY_LABELS = {
    "name": gettext_lazy("Nombre de fantasía"),
    "rut": gettext_lazy("RUT de la empresa"),
    "giro": gettext_lazy("Giro"),
    "address": gettext_lazy("Dirección"),
    "comuna": gettext_lazy("Comuna"),
    "phone": gettext_lazy("Teléfono"),
    "receipt_footer": gettext_lazy("Pie de la boleta"),
}


# How a message names a missing field ("faltan … (RUT, giro)").
IDENTITY_NAMES = {
    "name": gettext_lazy("nombre"),
    "rut": gettext_lazy("RUT"),
    "giro": gettext_lazy("giro"),
    "address": gettext_lazy("dirección"),
    "comuna": gettext_lazy("comuna"),
}
MAX_LENGTH = {"receipt_footer": 200}


class StoreIdentityMissing(BusinessError):
    code = "tienda_sin_datos"
    status = 409


class InvalidStoreIdentity(ConfigError):
    """One message per field that is wrong (``errors``: field → Spanish message)."""

    code = "tienda_datos_invalidos"
    status = 400

    def __init__(self, errors: dict[str, str]):
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def store_identity_missing() -> tuple[str, ...]:
    """The required identity fields still empty (``()`` when the store is set up)."""
    return get_config().store.missing


def require_store_identity() -> StoreIdentity:
    """The identity to print, or StoreIdentityMissing: no receipt without it."""
    store = get_config().store
    if not store.is_complete:
        raise StoreIdentityMissing(
            _(
                "No se pueden imprimir boletas: faltan los datos de la tienda (%(fields)s). "
                "Un administrador debe completarlos en Gestión › Configuración o con "
                "«itplus setup store»."
            )
            % {"fields": ", ".join(str(IDENTITY_NAMES[key]) for key in store.missing)}
        )
    return store


def store_identity_clean(
    *,
    name: str,
    rut: str,
    giro: str,
    address: str,
    comuna: str,
    phone: str = "",
    receipt_footer: str = "",
) -> StoreIdentity:
    """The identity as it will be saved (RUT formatted, commune's official spelling), or
    InvalidStoreIdentity naming every field that is empty or wrong."""
    values = {
        "name": name,
        "rut": rut,
        "giro": giro,
        "address": address,
        "comuna": comuna,
        "phone": phone,
        "receipt_footer": receipt_footer,
    }
    values = {key: " ".join((value or "").split()) for key, value in values.items()}
    errors: dict[str, str] = {}
    for key in IDENTITY_REQUIRED:
        if not values[key]:
            errors[key] = _("Falta el dato: %(field)s.") % {"field": IDENTITY_NAMES[key]}
    for key, clean in (("rut", store_rut_clean), ("comuna", store_comuna_clean)):
        if values[key]:
            try:
                values[key] = clean(values[key])
            except ConfigError as exc:
                errors[key] = exc.message
    for key, value in values.items():
        longest = MAX_LENGTH.get(key, 120)
        if len(value) > longest:
            errors[key] = _("%(field)s es demasiado largo: máximo %(n)s caracteres.") % {
                "field": IDENTITY_LABELS[key],
                "n": longest,
            }
    if errors:
        raise InvalidStoreIdentity(errors)
    return StoreIdentity(**values)


def store_identity_set(
    *,
    name: str,
    rut: str,
    giro: str,
    address: str,
    comuna: str,
    phone: str = "",
    receipt_footer: str | None = None,
    home: Path | None = None,
) -> StoreIdentity:
    """Save the store's identity in itplus.toml (atomically; the other sections stay).

    Guarantees: every required field is given and valid (RUT check digit, a known
    commune) or InvalidStoreIdentity is raised and nothing is written. Without
    ``receipt_footer`` the file's footer (or the default one) is kept."""
    home = Path(home or settings.ITPLUS_HOME)
    if receipt_footer is None:
        receipt_footer = load_config(home).store.receipt_footer
    identity = store_identity_clean(
        name=name,
        rut=rut,
        giro=giro,
        address=address,
        comuna=comuna,
        phone=phone,
        receipt_footer=receipt_footer,
    )
    config_section_set(home, "store", asdict(identity))
    return identity
