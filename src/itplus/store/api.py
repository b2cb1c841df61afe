"""The store's JSON API: one NinjaAPI, a Router per app, Spanish error messages."""

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from itplus.core.api_errors import api_errors_install
from itplus.store.catalog.api import router as catalog_router
from itplus.store.sales.api import router as sales_router
from itplus.store.terminals.auth import TerminalToken

api = NinjaAPI(
    title="itplus — API de la tienda",
    version="1",
    urls_namespace="api",
    auth=TerminalToken(),
    openapi_url="/openapi.json",
    docs_url="/docs",
)
api.add_router("/v1/", catalog_router)
api.add_router("/v1/", sales_router)
api.add_router("/v1/", "itplus.store.cash.api.router")
api.add_router("/v1/", "itplus.store.customers.api.router")
api.add_router("/v1/", "itplus.store.sales.returns.api.router")
api.add_router("/v1/", "itplus.store.sales.offline_api.router")
api.add_router("/v1/", "itplus.store.terminals.api.router")
api.add_router("/v1/", "itplus.store.maintenance.api.router")

FIELD_NAMES = {
    "quantity": "cantidad",
    "amount_clp": "monto",
    "discount_clp": "descuento",
    "client_uuid": "identificador de venta",
    "lines": "líneas",
    "payments": "pagos",
    "code": "código",
    "method": "medio de pago",
    "sale_id": "número de venta",
}
api_errors_install(
    api,
    field_names=FIELD_NAMES,
    unauthorized_message=_("Terminal no autorizado: falta o no es válido su token."),
)
