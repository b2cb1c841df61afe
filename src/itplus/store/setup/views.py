from dataclasses import asdict

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from itplus.store.accounts.models import Role
from itplus.store.accounts.permissions import role_at_least
from itplus.store.config import get_config, store_identity_set
from itplus.store.setup.forms import StoreIdentityForm


def _next_url(request: HttpRequest) -> str:
    url = request.POST.get("next") or request.GET.get("next") or "/"
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return "/"


@login_required
def store_setup(request: HttpRequest) -> HttpResponse:
    """The store's identity (name, RUT, giro, address, commune): asked for on the first
    run, editable later. Administrators only; others are told to ask the owner."""
    current = get_config().store
    if not role_at_least(request.user, Role.ADMIN):
        if current.is_complete:
            raise PermissionDenied(_("Esta página es solo para administradores."))
        return render(request, "setup/ask_owner.html", status=503)
    if request.method == "POST":
        form = StoreIdentityForm(request.POST)
        if form.is_valid():
            store_identity_set(**form.cleaned_data)
            messages.success(request, _("Datos de la tienda guardados."))
            return redirect(_next_url(request))
    else:
        form = StoreIdentityForm(initial=asdict(current))
    context = {
        **admin.site.each_context(request),
        "title": _("Datos de la tienda"),
        "form": form,
        "first_run": not current.is_complete,
        "next": _next_url(request),
    }
    return render(request, "setup/store.html", context)
