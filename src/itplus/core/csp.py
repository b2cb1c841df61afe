"""Content-Security-Policy for every page of both sites: only our own scripts run.

Script and style come from the site's own static files, never from the page itself
(no inline ``<script>``, ``onclick=`` or ``style=``; htmx's ``hx-on`` would need eval
and is not used), so markup an attacker manages to inject cannot run. A site may
replace the policy with the ``CONTENT_SECURITY_POLICY`` setting (a dict of directives).

``frame-ancestors`` follows the response's X-Frame-Options (browsers ignore that header
once the policy has the directive): 'self' where a view allows SAMEORIGIN (the till
shows receipts in an iframe of its own page), 'none' everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"

DEFAULT_POLICY: dict[str, str] = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
}


def policy_header(policy: dict[str, str], *, frame_ancestors: str) -> str:
    directives = {**policy, "frame-ancestors": frame_ancestors}
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def inline_styles_allowed(view):
    """For a view whose page must carry its own ``<style>`` because it is also written as
    a standalone file (the printable guide): the same policy, inline styles allowed."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY)
        styles = {**policy, "style-src": f"{policy.get('style-src', '')} 'unsafe-inline'"}
        response[HEADER] = policy_header(styles, frame_ancestors="'none'")
        return response

    return wrapped


def content_security_policy(get_response: Callable[[HttpRequest], HttpResponse]):
    """Middleware: add the policy to every response that does not set its own. Goes
    above XFrameOptionsMiddleware in MIDDLEWARE, so it sees that header."""
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", DEFAULT_POLICY)

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if HEADER not in response:
            same_origin = response.get("X-Frame-Options", "").upper() == "SAMEORIGIN"
            response[HEADER] = policy_header(
                policy, frame_ancestors="'self'" if same_origin else "'none'"
            )
        return response

    return middleware
