"""Text a request may not carry, refused once for every page and API of both sites.

A NUL byte cannot be stored in a PostgreSQL text column (psycopg refuses the query, a
500), and a lone UTF-16 surrogate (JSON's ``"\\ud800"``) cannot be encoded as UTF-8 at
all (hashing, printing, the database). Neither is ever typed by a person, so a request
carrying one anywhere — path, query string, form field, JSON body, names or values — is
refused with a 422 and a Spanish message before any view sees it; nothing is written.

``refuse_bad_input`` is the middleware; ``text_problem`` and ``first_bad_text`` are what
it (and forms or services with text from elsewhere) use. Oversized bodies get the same
treatment: a JSON 413 on the API instead of Django's HTML 400.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")
API_PREFIX = "/api/"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def text_problem(value: str) -> str | None:
    """The Spanish reason ``value`` cannot be accepted, or None when it is fine."""
    found = _FORBIDDEN.search(value)
    if found is None:
        return None
    if found.group() == "\x00":
        return _("contiene un carácter nulo (\\u0000), que no se puede guardar.")
    return _("contiene un carácter Unicode inválido (sustituto aislado).")


def first_bad_text(data: object, where: str = "") -> tuple[str, str] | None:
    """(where, reason) of the first string in ``data`` — nested dicts, lists, keys
    included — that ``text_problem`` refuses; None when all are fine."""
    stack: list[tuple[str, object]] = [(where, data)]
    while stack:
        place, value = stack.pop()
        if isinstance(value, str):
            if reason := text_problem(value):
                return place, reason
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{place}.{key}" if place else str(key)
                if isinstance(key, str) and (reason := text_problem(key)):
                    return _safe(child), reason
                stack.append((child, item))
        elif isinstance(value, list | tuple):
            stack.extend((f"{place}[{i}]", item) for i, item in enumerate(value))
    return None


def _safe(where: str) -> str:
    """A field name fit to echo back: the offending characters made visible."""
    return _FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", where)


def _pairs(querydict) -> Iterable[tuple[str, str]]:
    for key, values in querydict.lists():
        yield key, key
        for value in values:
            yield key, value


def request_problem(request: HttpRequest) -> tuple[str, str] | None:
    """(where, reason) of the first forbidden text in the request, or None.

    Raises RequestDataTooBig / TooManyFieldsSent as reading the body would anyway."""
    if reason := text_problem(request.path):
        return _("la dirección"), reason
    sources = [request.GET]
    content_type = request.content_type or ""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        if content_type in _FORM_TYPES:
            sources.append(request.POST)
        elif content_type == "application/json" or content_type.endswith("+json"):
            raw = request.body
            # Valid UTF-8 cannot hold a lone surrogate, and JSON escapes any control
            # character: both can only arrive as a "\u" escape (or a raw NUL). Without
            # one, the body is not parsed twice (the till's sales are the hot path).
            if b"\\u" in raw or b"\x00" in raw:
                try:
                    body = json.loads(raw)
                except (ValueError, UnicodeDecodeError):
                    body = None  # the view answers "not valid JSON" in its own words
                if (found := first_bad_text(body)) is not None:
                    return _safe(found[0]) or _("el cuerpo"), found[1]
    for querydict in sources:
        for key, value in _pairs(querydict):
            if reason := text_problem(value):
                return _safe(key), reason
    return None


def _refusal(request: HttpRequest, status: int, code: str, detail: str) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": detail, "code": code}, status=status)
    page = (
        '<!doctype html><html lang="es-CL"><head><meta charset="utf-8">'
        f"<title>{html.escape(_('Solicitud rechazada'))}</title></head>"
        f"<body><h1>{html.escape(_('Solicitud rechazada'))}</h1>"
        f"<p>{html.escape(detail)}</p></body></html>"
    )
    return HttpResponse(page, status=status, content_type="text/html; charset=utf-8")


def refuse_bad_input(get_response: Callable[[HttpRequest], HttpResponse]):
    """Middleware: a request with a NUL or a lone surrogate anywhere is a 422; a body
    over DATA_UPLOAD_MAX_MEMORY_SIZE (or with too many fields) a 413, in JSON on the API."""

    def middleware(request: HttpRequest) -> HttpResponse:
        try:
            problem = request_problem(request)
        except (RequestDataTooBig, TooManyFieldsSent):
            return _refusal(
                request,
                413,
                "cuerpo_demasiado_grande",
                _("La solicitud es demasiado grande para el servidor."),
            )
        if problem is not None:
            where, reason = problem
            detail = _("El campo «%(field)s» %(reason)s") % {"field": where, "reason": reason}
            return _refusal(request, 422, "texto_invalido", detail)
        return get_response(request)

    return middleware
