"""Chilean identifiers and geography shared by both sites: RUT and Gran Santiago communes.

One RUT validator for every RUT the store keeps (customers, suppliers, the store's own
identity, the help desk's customers): ``rut_validate``. The check digit is python-stdnum's
``stdnum.cl.rut`` (module 11), but the length rule is ours: stdnum only takes 7- and
8-digit bodies, and real RUTs are shorter too (RUNs given before 1970 such as
123.456-0, early companies), so any body of 1 to 8 digits with its check digit is valid.
Leading zeros are dropped ("01.234.567-?" is 1.234.567). This module adds Spanish
messages a customer can act on and the presentation format ``12.345.678-5``.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cl import rut as stdnum_rut

from itplus.core.errors import BusinessError
from itplus.core.text import fold


class InvalidRut(BusinessError):
    code = "rut_invalido"


MAX_RUT_BODY_DIGITS = 8


def rut_clean(value: str) -> str:
    """Digits and check digit only, upper case, no leading zeros:
    " 12.345.678-k " → "12345678K"."""
    compact = stdnum_rut.compact(value or "")
    return compact[:-1].lstrip("0") + compact[-1:]


def rut_validate(value: str) -> str:
    """The RUT in its compact form, or InvalidRut with a message saying what is wrong."""
    compact = rut_clean(value)
    if not compact:
        raise InvalidRut(str(_("Ingrese el RUT, por ejemplo 12.345.678-5.")))
    if (value or "").strip().endswith("-"):
        # "12.345.678-": compact() would take the last digit for the check digit.
        raise InvalidRut(
            str(
                _(
                    "Falta el dígito verificador del RUT «%(value)s»: es el número o la K "
                    "después del guion, por ejemplo 12.345.678-5."
                )
            )
            % {"value": value.strip()}
        )
    body, check = compact[:-1], compact[-1]
    try:
        if (
            not body.isdigit()  # also refuses non-ASCII digits ("١٢٣")
            or not body.isascii()
            or len(body) > MAX_RUT_BODY_DIGITS
            or check not in "0123456789K"
        ):
            raise stdnum_errors.InvalidFormat()
        if check != stdnum_rut.calc_check_digit(body):
            raise stdnum_errors.InvalidChecksum()
        return compact
    except stdnum_errors.InvalidChecksum:
        raise InvalidRut(
            str(
                _(
                    "El dígito verificador del RUT %(rut)s no corresponde. "
                    "Revise el número y el dígito después del guion."
                )
            )
            % {"rut": value.strip()},
            code="rut_digito_verificador",
        )
    except stdnum_errors.ValidationError:
        raise InvalidRut(
            str(
                _(
                    "«%(value)s» no es un RUT válido. Escríbalo con su dígito "
                    "verificador, por ejemplo 12.345.678-5."
                )
            )
            % {"value": value.strip()}
        )


def rut_format(value: str) -> str:
    """The usual presentation, "12.345.678-5" (short ones "123.456-0"). Validates first."""
    compact = rut_validate(value)
    return f"{int(compact[:-1]):,}".replace(",", ".") + "-" + compact[-1]


# The 32 communes of the Provincia de Santiago plus Puente Alto (Provincia Cordillera)
# and San Bernardo (Provincia del Maipo): the area the vendor serves on site (S11).
GRAN_SANTIAGO_COMMUNES: tuple[str, ...] = (
    "Cerrillos",
    "Cerro Navia",
    "Conchalí",
    "El Bosque",
    "Estación Central",
    "Huechuraba",
    "Independencia",
    "La Cisterna",
    "La Florida",
    "La Granja",
    "La Pintana",
    "La Reina",
    "Las Condes",
    "Lo Barnechea",
    "Lo Espejo",
    "Lo Prado",
    "Macul",
    "Maipú",
    "Ñuñoa",
    "Pedro Aguirre Cerda",
    "Peñalolén",
    "Providencia",
    "Pudahuel",
    "Quilicura",
    "Quinta Normal",
    "Recoleta",
    "Renca",
    "San Joaquín",
    "San Miguel",
    "San Ramón",
    "Santiago",
    "Vitacura",
    "Puente Alto",
    "San Bernardo",
)

# Names people commonly type for a commune of the list.
_ALIASES = {
    "santiago centro": "Santiago",
    "stgo": "Santiago",
    "stgo centro": "Santiago",
    "pac": "Pedro Aguirre Cerda",
}


def _key(name: str) -> str:
    return " ".join(fold(name).replace(".", " ").split())


_BY_KEY = {_key(name): name for name in GRAN_SANTIAGO_COMMUNES} | _ALIASES


def gran_santiago_commune(name: str) -> str | None:
    """The official spelling if ``name`` is a Gran Santiago commune, else None.

    Case, accents and extra spaces are ignored: "nunoa", "ÑUÑOA " → "Ñuñoa".
    """
    return _BY_KEY.get(_key(name or ""))


def is_gran_santiago(name: str) -> bool:
    return gran_santiago_commune(name) is not None
