"""/gestion/terminales/: the owner's list of terminals (last seen, version, IP, pending
offline sales), one-time pairing codes, revocation, and the live view of today's sales
per terminal (an HTMX partial polled every few seconds)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from itplus.core.errors import BusinessError
from itplus.store.accounts.models import Role
from itplus.store.accounts.permissions import role_at_least
from itplus.store.sales.selectors import sales_of_day_by_terminal
from itplus.store.terminals.models import Terminal
from itplus.store.terminals.services import (
    PAIRING_CODE_LIFETIME,
    pairing_code_create,
    pairing_code_format,
    terminal_revoke,
)

LIVE_REFRESH_SECONDS = 5


def _require_owner(request: HttpRequest) -> None:
    if not role_at_least(request.user, Role.ADMIN):
        raise PermissionDenied(_("Las terminales las administra el dueño (administrador)."))


def _rows() -> list[dict]:
    sales = sales_of_day_by_terminal()
    rows = []
    for terminal in Terminal.objects.order_by("code"):
        day = sales.get(terminal.pk)
        rows.append(
            {
                "terminal": terminal,
                "tickets": day.tickets if day else 0,
                "total_clp": day.total_clp if day else 0,
            }
        )
    return rows


def _live_context() -> dict:
    rows = _rows()
    return {
        "rows": rows,
        "now": timezone.localtime(),
        "total_tickets": sum(r["tickets"] for r in rows),
        "total_clp": sum(r["total_clp"] for r in rows),
        "total_pending": sum(r["terminal"].pending_offline_sales for r in rows),
        "refresh_seconds": LIVE_REFRESH_SECONDS,
    }


@login_required
@require_GET
def terminals(request: HttpRequest) -> HttpResponse:
    _require_owner(request)
    context = {
        **admin.site.each_context(request),
        "is_nav_sidebar_enabled": False,
        "title": _("Terminales"),
        "code_minutes": int(PAIRING_CODE_LIFETIME.total_seconds() // 60),
        **_live_context(),
    }
    return render(request, "home/terminals.html", context)


@login_required
@require_GET
def terminals_live(request: HttpRequest) -> HttpResponse:
    _require_owner(request)
    return render(request, "home/terminals.html#live", _live_context())


@login_required
@require_POST
def terminal_code(request: HttpRequest, pk: int) -> HttpResponse:
    _require_owner(request)
    terminal = get_object_or_404(Terminal, pk=pk)
    try:
        row, code = pairing_code_create(terminal_id=terminal.pk, by=request.user)
    except BusinessError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "Código de vinculación para «%(name)s»: %(code)s — válido hasta las %(until)s, "
                "una sola vez. En el equipo de la caja: itplus setup terminal --server "
                "%(server)s --code %(code)s"
            )
            % {
                "name": terminal.name,
                "code": pairing_code_format(code),
                "until": timezone.localtime(row.expires_at).strftime("%H:%M"),
                "server": request.build_absolute_uri("/").rstrip("/"),
            },
        )
    return redirect("home:terminals")


@login_required
@require_POST
def terminal_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    _require_owner(request)
    terminal = get_object_or_404(Terminal, pk=pk)
    terminal_revoke(terminal_id=terminal.pk, by=request.user)
    messages.success(
        request,
        _("Terminal «%(name)s» revocada: su token ya no funciona.") % {"name": terminal.name},
    )
    return redirect("home:terminals")
