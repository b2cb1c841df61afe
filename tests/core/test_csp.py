from django.http import HttpResponse
from django.test import RequestFactory

from itplus.core.csp import HEADER, content_security_policy, inline_styles_allowed


def _through_middleware(response: HttpResponse) -> HttpResponse:
    return content_security_policy(lambda request: response)(RequestFactory().get("/"))


def test_every_response_gets_a_policy_without_inline_script():
    header = _through_middleware(HttpResponse("x"))[HEADER]

    assert "script-src 'self'" in header and "unsafe-inline" not in header
    assert "object-src 'none'" in header and "frame-ancestors 'none'" in header


def test_a_page_framed_by_its_own_site_keeps_that_in_the_policy():
    response = HttpResponse("x")
    response["X-Frame-Options"] = "SAMEORIGIN"

    assert "frame-ancestors 'self'" in _through_middleware(response)[HEADER]


def test_a_view_that_allows_inline_styles_only_relaxes_styles():
    view = inline_styles_allowed(lambda request: HttpResponse("<style></style>"))

    header = _through_middleware(view(RequestFactory().get("/")))[HEADER]

    assert "style-src 'self' 'unsafe-inline'" in header
    assert "script-src 'self';" in header
