"""Until the store's identity is set, the till and the back office lead to the first-run page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from itplus.store.accounts.models import Role
from itplus.store.accounts.permissions import role_at_least
from itplus.store.config import store_identity_missing

# The till and the back office. The API answers for itself (receipts are refused).
GUARDED_PREFIXES = ("/pos/", "/gestion/", "/admin/")
OPEN_PATHS = ("/admin/logout/",)


def store_identity_required(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        path = request.path
        if not path.startswith(GUARDED_PREFIXES):  # the API and the rest: nothing to do
            return get_response(request)
        setup_url = reverse("setup:store")
        if (
            not path.startswith(setup_url)
            and path not in OPEN_PATHS
            and store_identity_missing()
            and request.user.is_authenticated
        ):
            if role_at_least(request.user, Role.ADMIN):
                return redirect(f"{setup_url}?{urlencode({'next': request.get_full_path()})}")
            return render(request, "setup/ask_owner.html", status=503)
        return get_response(request)

    return middleware
