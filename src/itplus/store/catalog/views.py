"""Back-office pages of the catalog: the price-list import (upload → preview → apply).

The uploaded file is kept under ITPLUS_HOME/imports/ with a random name remembered in
the session, so "Aplicar" re-reads exactly the file that was previewed, and re-checks
it: the catalog may have changed in between.
"""

from __future__ import annotations

import secrets
import time
from pathlib import Path

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from itplus.store.catalog.forms import PriceListUploadForm
from itplus.store.catalog.importing import (
    TEMPLATE_CSV,
    ImportResult,
    PriceListError,
    PriceListHasErrors,
    RowAction,
    price_list_import,
    price_list_parse,
)

SESSION_KEY = "catalog_price_list"
PREVIEW_LIMIT = 1000  # rows shown per kind; the counts on top cover the whole file
STALE_SECONDS = 24 * 3600
CATALOG_PERMS = ("catalog.add_product", "catalog.change_product")


def _imports_dir() -> Path:
    path = Path(settings.ITPLUS_HOME) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _forget_stale_uploads(directory: Path) -> None:
    cutoff = time.time() - STALE_SECONDS
    for path in directory.glob("*.upload"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)


def _stored_path(token: str) -> Path:
    return _imports_dir() / f"{token}.upload"


def _render(request: HttpRequest, *, form=None, result: ImportResult | None = None, filename=""):
    context = {
        **admin.site.each_context(request),
        "title": _("Importar lista de precios"),
        "form": form or PriceListUploadForm(),
        "result": result,
        "filename": filename,
        "token": request.session.get(SESSION_KEY, {}).get("token", ""),
        "preview_limit": PREVIEW_LIMIT,
    }
    if result is not None:
        context["error_rows"] = [r for r in result.rows if r.action == RowAction.ERROR][
            :PREVIEW_LIMIT
        ]
        context["change_rows"] = [
            r for r in result.rows if r.action in (RowAction.CREATE, RowAction.UPDATE)
        ][:PREVIEW_LIMIT]
        counts = result.counts
        context["counts"] = {
            "create": counts[RowAction.CREATE],
            "update": counts[RowAction.UPDATE],
            "unchanged": counts[RowAction.UNCHANGED],
            "error": counts[RowAction.ERROR],
            "total": len(result.rows),
        }
    return render(request, "catalog/price_list_import.html", context)


@staff_member_required
@permission_required(CATALOG_PERMS, raise_exception=True)
def price_list_import_view(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render(request)
    form = PriceListUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(request, form=form)
    upload = form.cleaned_data["file"]
    data = upload.read()
    try:
        rows = price_list_parse(file_bytes=data, filename=upload.name)
    except PriceListError as exc:
        form.add_error("file", exc.message)
        return _render(request, form=form)
    result = price_list_import(rows=rows, dry_run=True)

    directory = _imports_dir()
    _forget_stale_uploads(directory)
    previous = request.session.get(SESSION_KEY)
    if previous:
        _stored_path(previous["token"]).unlink(missing_ok=True)
    token = secrets.token_urlsafe(16)
    _stored_path(token).write_bytes(data)
    request.session[SESSION_KEY] = {"token": token, "filename": upload.name}
    return _render(request, result=result, filename=upload.name)


@require_POST
@staff_member_required
@permission_required(CATALOG_PERMS, raise_exception=True)
def price_list_apply_view(request: HttpRequest) -> HttpResponse:
    stored = request.session.get(SESSION_KEY)
    path = _stored_path(stored["token"]) if stored else None
    if not stored or request.POST.get("token") != stored["token"] or not path.exists():
        messages.error(request, _("La vista previa expiró; suba el archivo de nuevo."))
        return redirect("catalog:price_list_import")
    try:
        rows = price_list_parse(file_bytes=path.read_bytes(), filename=stored["filename"])
        result = price_list_import(rows=rows, dry_run=False)
    except PriceListHasErrors as exc:
        messages.error(request, exc.message)
        return _render(request, result=exc.result, filename=stored["filename"])
    except PriceListError as exc:
        messages.error(request, exc.message)
        return redirect("catalog:price_list_import")
    path.unlink(missing_ok=True)
    del request.session[SESSION_KEY]
    counts = result.counts
    messages.success(
        request,
        _(
            "Lista de precios aplicada: %(create)d productos creados, %(update)d actualizados, "
            "%(unchanged)d sin cambios."
        )
        % {
            "create": counts[RowAction.CREATE],
            "update": counts[RowAction.UPDATE],
            "unchanged": counts[RowAction.UNCHANGED],
        },
    )
    return redirect(reverse("admin:catalog_product_changelist"))


@staff_member_required
@permission_required(CATALOG_PERMS, raise_exception=True)
def price_list_template_view(request: HttpRequest) -> HttpResponse:
    # With a BOM, so Excel opens the accents correctly.
    response = HttpResponse(
        TEMPLATE_CSV.encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="plantilla-lista-de-precios.csv"'
    return response
