"""Every JSON API error of both sites is ``{"detail": <Spanish>, "code": <program>}``.

``api_errors_install`` gives a NinjaAPI the handlers: schema and JSON errors (422, with
the field named in Spanish), domain errors (``BusinessError``), authentication (401),
404s and ninja's own ``HttpError``\\s. Odd bytes and oversized bodies never get this far:
``itplus.core.input_hygiene`` refuses them first, in the same shape.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from itplus.core.errors import BusinessError


def _describe(error: dict, field_names: Mapping[str, str]) -> str:
    loc = [
        str(part)
        for part in error.get("loc", [])
        if part not in ("body", "payload", "query", "path")
    ]
    field = next((field_names[p] for p in reversed(loc) if p in field_names), ".".join(loc))
    kind = error.get("type", "")
    if not loc and kind == "missing":
        return _("Falta el cuerpo de la solicitud (JSON).")
    if kind == "missing":
        return _("Falta el campo «%(field)s».") % {"field": field}
    if kind == "numero_invalido":  # itplus.core.numbers: its Spanish reason
        return _("El campo «%(field)s»: %(detail)s") % {"field": field, "detail": error["msg"]}
    if kind.startswith(("int", "decimal", "float")):
        return _("El campo «%(field)s» debe ser un número.") % {"field": field}
    if kind.startswith("uuid"):
        return _("El campo «%(field)s» debe ser un UUID.") % {"field": field}
    return _("El campo «%(field)s» no es válido.") % {"field": field}


def api_errors_install(
    api: NinjaAPI, *, field_names: Mapping[str, str], unauthorized_message: str
) -> None:
    """Register the Spanish ``{"detail", "code"}`` error handlers on ``api``."""

    @api.exception_handler(ValidationError)
    def on_validation_error(request, exc: ValidationError):
        errors = exc.errors or []
        if any(e.get("type") in ("json_invalid", "model_attributes_type") for e in errors) or any(
            "json" in str(e.get("msg", "")).lower() for e in errors
        ):
            detail = _("El cuerpo de la solicitud no es JSON válido.")
        else:
            described = (_describe(e, field_names) for e in errors)
            detail = " ".join(dict.fromkeys(described)) or _("Datos no válidos.")
        numbers = all(e.get("type") == "numero_invalido" for e in errors) and errors
        code = "numero_invalido" if numbers else "datos_invalidos"
        return api.create_response(
            request, {"detail": detail, "code": code, "errors": errors}, status=422
        )

    @api.exception_handler(BusinessError)
    def on_business_error(request, exc: BusinessError):
        return api.create_response(
            request, {"detail": exc.message, "code": exc.code}, status=exc.status
        )

    @api.exception_handler(AuthenticationError)
    def on_auth_error(request, exc):
        return api.create_response(
            request, {"detail": unauthorized_message, "code": "no_autorizado"}, status=401
        )

    @api.exception_handler(Http404)
    def on_not_found(request, exc: Http404):
        # get_object_or_404 in an endpoint: ninja would answer an English "Not Found".
        return api.create_response(
            request, {"detail": _("No encontrado."), "code": "no_encontrado"}, status=404
        )

    @api.exception_handler(HttpError)
    def on_http_error(request, exc: HttpError):
        detail = str(exc)
        code = "error"
        if exc.status_code == 400 and "parse request body" in detail:
            # django-ninja's own message for a body that is not JSON.
            detail, code = _("El cuerpo de la solicitud no es JSON válido."), "json_invalido"
        elif exc.status_code == 404:
            code = "no_encontrado"
        return api.create_response(
            request, {"detail": detail, "code": code}, status=exc.status_code
        )
