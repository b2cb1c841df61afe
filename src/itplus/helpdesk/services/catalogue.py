"""The vendor's published catalogue (S12): the services a fresh install starts with."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from itplus.helpdesk.services.models import SUPPORT_TERMS

# (code, name, price CLP IVA incl., minutes, on site, about the store software,
#  remote alternative code, description)
DEFAULT_SERVICES = [
    {
        "code": "reinstalacion-remota",
        "name": _("Reinstalación remota del software"),
        "price_clp": 35_000,
        "duration_minutes": 90,
        "on_site": False,
        "about_store_software": True,
        "description": _(
            "Nos conectamos a su equipo por internet e instalamos el sistema completo, "
            "con o sin el CD, dejándolo en las mismas condiciones que tenía. Si el equipo "
            "es el servidor, respaldamos la base de datos y los reportes y los "
            "reintegramos a la nueva instalación."
        ),
    },
    {
        "code": "reinstalacion-domicilio",
        "name": _("Reinstalación a domicilio"),
        "price_clp": 65_000,
        "duration_minutes": 120,
        "on_site": True,
        "about_store_software": True,
        "remote_alternative": "reinstalacion-remota",
        "description": _(
            "Un técnico reinstala el software en su local, con el mismo resultado que la "
            "reinstalación remota. Para equipos sin internet o cuando no dispone de "
            "tiempo para la ayuda telefónica. Solo clientes de Santiago."
        ),
    },
    {
        "code": "soporte-online",
        "terms_document": SUPPORT_TERMS,
        "name": _("Soporte online"),
        "price_clp": 15_000,
        "duration_minutes": 30,
        "on_site": False,
        "about_store_software": True,
        "description": _(
            "Atención por teléfono o conexión remota para resolver dudas y problemas de "
            "uso del software de punto de venta y gestión."
        ),
    },
    {
        "code": "servicio-tecnico",
        "terms_document": SUPPORT_TERMS,
        "name": _("Servicio técnico de computadores o red"),
        "price_clp": 30_000,
        "duration_minutes": 60,
        "on_site": False,
        "about_store_software": False,
        "description": _(
            "Diagnóstico y solución remota de problemas de sus computadores, impresoras "
            "o red local."
        ),
    },
    {
        "code": "asistencia-terreno",
        "terms_document": SUPPORT_TERMS,
        "name": _("Asistencia técnica en terreno"),
        "price_clp": 45_000,
        "duration_minutes": 120,
        "on_site": True,
        "about_store_software": False,
        "remote_alternative": "servicio-tecnico",
        "description": _(
            "Un técnico visita su local para revisar computadores, red o periféricos. "
            "Solo clientes de Santiago."
        ),
    },
]
