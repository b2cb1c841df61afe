"""/gestion/: the back office's home for supervisors and the owner."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.store.accounts.models import Role
from itplus.store.accounts.permissions import role_at_least
from itplus.store.cash.selectors import cash_sessions_open
from itplus.store.home.navigation import sections_for
from itplus.store.inventory.selectors import low_stock_count
from itplus.store.sales.selectors import sales_of_day


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Today's sales and tickets, the open cash sessions, how many products are low,
    and a link to every back-office page."""
    if not role_at_least(request.user, Role.SUPERVISOR):
        raise PermissionDenied(_("La gestión es para supervisores y administradores."))
    context = {
        **admin.site.each_context(request),
        "is_nav_sidebar_enabled": False,  # the page is itself the way to everything
        "title": _("Gestión de la tienda"),
        "today": timezone.localdate(),
        "sales": sales_of_day(),
        "open_sessions": list(cash_sessions_open()),
        "low_stock": low_stock_count(),
        "sections": sections_for(is_admin=role_at_least(request.user, Role.ADMIN)),
    }
    return render(request, "home/index.html", context)
