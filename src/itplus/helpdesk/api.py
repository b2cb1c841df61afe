"""The help desk's public JSON API (one NinjaAPI, a Router per app), Spanish errors."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from itplus.core.api_errors import api_errors_install
from itplus.helpdesk.services.api import router as services_router

api = NinjaAPI(
    title="itplus — API de la mesa de ayuda",
    version="1",
    urls_namespace="helpdesk_api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
api.add_router("/v1/", services_router)
api_errors_install(api, field_names={}, unauthorized_message=_("No autorizado."))
