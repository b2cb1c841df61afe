"""The till pages: pairing this PC with a terminal, and the till itself (/pos/)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from itplus.core.errors import BusinessError
from itplus.store.terminals.models import Terminal
from itplus.store.terminals.services import (
    browser_code_redeem,
    terminal_authenticate,
    terminal_pair_with_code,
)
from itplus.store.till.forms import PairCodeForm, PairForm
from itplus.store.till.selectors import till_context
from itplus.store.till.services import terminal_pair

TERMINAL_COOKIE = "itplus_terminal"
TERMINAL_COOKIE_SALT = "itplus.till.terminal"
TERMINAL_COOKIE_MAX_AGE = 10 * 365 * 24 * 60 * 60  # a PC stays paired until re-paired


def paired_terminal(request: HttpRequest) -> tuple[Terminal, str] | None:
    """The terminal this PC is paired with (signed cookie holding its token), if valid."""
    token = request.get_signed_cookie(TERMINAL_COOKIE, default=None, salt=TERMINAL_COOKIE_SALT)
    terminal = terminal_authenticate(token=token) if token else None
    return (terminal, token) if terminal else None


@login_required
def till(request: HttpRequest) -> HttpResponse:
    paired = paired_terminal(request)
    if paired is None:
        return redirect("till_pair")
    terminal, token = paired
    return render(
        request,
        "till/pos.html",
        {"terminal": terminal, "token": token, "till": till_context(user=request.user)},
    )


@require_http_methods(["GET"])
def service_worker(request: HttpRequest) -> HttpResponse:
    """The till's service worker (static/pos/sw.js) at /pos/sw.js, so its scope is /pos/:
    it keeps the till page and its modules for when the server does not answer."""
    path = finders.find("pos/sw.js")
    if not path:
        raise Http404
    with open(path, "rb") as file:
        body = file.read()
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/pos/"
    # Always checked against the server, so a new version reaches the tills at once.
    response["Cache-Control"] = "no-cache"
    return response


def _set_terminal_cookie(request: HttpRequest, response: HttpResponse, token: str) -> None:
    response.set_signed_cookie(
        TERMINAL_COOKIE,
        token,
        salt=TERMINAL_COOKIE_SALT,
        max_age=TERMINAL_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


@require_http_methods(["GET"])
def pair_code(request: HttpRequest) -> HttpResponse:
    """The launcher of a PC paired by ``itplus setup terminal`` opens this with a one-time
    browser code (never the token): the browser gets the terminal's cookie, then the till."""
    try:
        _terminal, token = browser_code_redeem(
            code=request.GET.get("c", ""), address=request.META.get("REMOTE_ADDR") or None
        )
    except BusinessError as exc:
        current = paired_terminal(request)
        if current is not None:  # an old launcher link, but this browser is paired
            return redirect(reverse("till_pos"))
        return render(request, "till/pair_code.html", {"error": exc.message}, status=exc.status)
    response = redirect(reverse("till_pos"))
    _set_terminal_cookie(request, response, token)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def pair(request: HttpRequest) -> HttpResponse:
    current = paired_terminal(request)
    by_code = request.method == "POST" and "code" in request.POST
    code_form = PairCodeForm(request.POST if by_code else None)
    form = PairForm(
        request.POST if request.method == "POST" and not by_code else None,
        initial={"terminal": current[0] if current else None},
    )
    if by_code and code_form.is_valid():
        try:
            _terminal, token = terminal_pair_with_code(
                code=code_form.cleaned_data["code"],
                address=request.META.get("REMOTE_ADDR") or None,
            )
        except BusinessError as exc:
            code_form.add_error("code", exc.message)
        else:
            response = redirect(reverse("till_pos"))
            _set_terminal_cookie(request, response, token)
            return response
    if request.method == "POST" and not by_code and form.is_valid():
        try:
            _terminal, token = terminal_pair(
                user=request.user,
                terminal_id=form.cleaned_data["terminal"].pk,
                pin=form.cleaned_data["pin"],
            )
        except BusinessError as exc:
            form.add_error(None, exc.message)
        else:
            response = redirect(reverse("till_pos"))
            _set_terminal_cookie(request, response, token)
            return response
    return render(
        request,
        "till/pair.html",
        {"form": form, "code_form": code_form, "current": current[0] if current else None},
        status=400 if form.errors or code_form.errors else 200,
    )
