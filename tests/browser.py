"""Browser tests' shared set-up: Playwright driving Debian's Chromium.

Playwright's own browser download cannot work on these machines, so the tests launch
/usr/bin/chromium. Without it the tests skip loudly — and fail under CI=true, where a
missing browser must not pass for a green run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test's thread; Django refuses ORM calls
# from a thread with a running loop unless told it is fine (the calls here are not async).
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "img"


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = (
            "\n\n*** BROWSER TESTS SKIPPED: /usr/bin/chromium is missing. ***\n"
            "Install Debian's Chromium with:  sudo apt-get install chromium\n"
            "(Playwright's own browser download is not used.)\n"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_page(browser, base_url: str, *, height: int = 800):
    """A fresh context (cookies, storage) and page at 1280 × height, in es-CL."""
    context = browser.new_context(
        base_url=base_url, viewport={"width": 1280, "height": height}, locale="es-CL"
    )
    context.set_default_timeout(10_000)
    return context, context.new_page()


def watch_csp(page) -> list[str]:
    """Every CSP violation the page reports, from the DOM event and from the console."""
    seen: list[str] = []
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => console.error("
        "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile"
        " + ':' + e.lineNumber));"
    )
    page.on(
        "console",
        lambda message: (
            seen.append(message.text)
            if "Content Security Policy" in message.text or "CSP violation" in message.text
            else None
        ),
    )
    return seen


def log_in(page, username: str, password: str = "clave-segura-1", *, next_url: str = "/") -> None:
    """Log in through the site's login page and land on ``next_url``."""
    page.goto(f"/login/?next={next_url}")
    page.get_by_label("Usuario").fill(username)
    page.get_by_label("Clave").fill(password)
    page.get_by_role("button", name="Ingresar").click()
    page.wait_for_url(f"**{next_url}")
