"""``itplus setup terminal --server http://HOST:8000 [--code CODE]``: pair this PC with a
terminal of the server on the LAN, by the one-time code the owner creates on the server's
Gestión → Terminales page.

Pairing writes ``[install] role = "terminal"``, ``server_url``, ``terminal_code`` and
``terminal_token`` into itplus.toml, and a launcher in ITPLUS_HOME (``itplus-caja.sh`` or
``itplus-caja.cmd``) that runs ``itplus setup terminal --open``: that asks the server for a
one-time browser code with the token (``POST /api/v1/terminals/browser-code``) and opens
Chromium/Edge in app mode on ``/pos/vincular/codigo/?c=…``, which gives the browser the
terminal's cookie and goes on to the till. The long-lived token never travels in a URL.
The browser runs with its own profile (``ITPLUS_HOME/navegador``) and
``--unsafely-treat-insecure-origin-as-secure`` for the server, so the till's service
worker works over plain http on the LAN.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from itplus.store.config import config_section_set, get_config

TIMEOUT_SECONDS = 15
BROWSER_PROFILE = "navegador"
LINUX_BROWSERS = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "microsoft-edge",
)


def terminal_add_arguments(parser) -> None:
    parser.add_argument(
        "--server", help=_("dirección del servidor, p. ej. http://192.168.1.10:8000")
    )
    parser.add_argument("--code", help=_("código de vinculación de Gestión → Terminales"))
    parser.add_argument(
        "--open",
        action="store_true",
        help=_("abre la caja en el navegador (lo que hace el acceso directo)"),
    )
    parser.add_argument("--browser", help=_("navegador a usar (Chromium, Chrome o Edge)"))
    parser.add_argument(
        "--print-only",
        action="store_true",
        help=_("con --open: muestra el comando del navegador sin abrirlo"),
    )


def server_url_clean(url: str) -> str:
    url = (url or "").strip().rstrip("/")
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise CommandError(
            _("Indique la dirección del servidor, por ejemplo --server http://192.168.1.10:8000")
        )
    return f"{parsed.scheme}://{parsed.netloc}"


def _post(url: str, body: dict, *, token: str = "") -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode("utf-8"),
        headers={
            "Content-Type": "application/json",
            **({"Authorization": f"Bearer {token}"} if token else {}),
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        try:
            detail = json.loads(exc.read().decode("utf-8")).get("detail") or str(exc)
        except (ValueError, AttributeError):
            detail = str(exc)
        raise CommandError(detail) from exc
    except (urllib.error.URLError, OSError) as exc:
        raise CommandError(
            _(
                "No se pudo conectar con el servidor %(url)s: %(error)s. Revise que el "
                "servidor esté encendido, en la misma red, y que su firewall permita el puerto."
            )
            % {"url": url, "error": getattr(exc, "reason", exc)}
        ) from exc


def browser_find(explicit: str | None = None) -> str:
    """Chromium, Chrome or Edge: ``--browser``, ITPLUS_BROWSER, else the usual places."""
    for candidate in (explicit, os.environ.get("ITPLUS_BROWSER")):
        if candidate:
            return candidate
    if os.name == "nt":
        roots = [os.environ.get(v) for v in ("ProgramFiles(x86)", "ProgramFiles", "LOCALAPPDATA")]
        for root in filter(None, roots):
            for rel in (
                r"Microsoft\Edge\Application\msedge.exe",
                r"Google\Chrome\Application\chrome.exe",
            ):
                if (Path(root) / rel).exists():
                    return str(Path(root) / rel)
    for name in LINUX_BROWSERS:
        if found := shutil.which(name):
            return found
    raise CommandError(
        _("No se encontró Chromium, Chrome ni Edge. Instale uno o indíquelo con --browser.")
    )


def browser_command(*, browser: str, server: str, url: str, home: Path) -> list[str]:
    return [
        browser,
        f"--app={url}",
        f"--unsafely-treat-insecure-origin-as-secure={server}",
        f"--user-data-dir={Path(home) / BROWSER_PROFILE}",
        "--no-first-run",
        "--no-default-browser-check",
    ]


def _itplus_command() -> list[str]:
    script = Path(sys.executable).with_name("itplus.exe" if os.name == "nt" else "itplus")
    return [str(script)] if script.exists() else [sys.executable, "-m", "itplus.store.cli"]


def launcher_write(*, home: Path) -> Path:
    """The launcher the owner puts on the desktop: ``itplus setup terminal --open``."""
    home = Path(home)
    args = [*_itplus_command(), "setup", "terminal", "--open"]
    if os.name == "nt":
        path = home / "itplus-caja.cmd"
        line = " ".join(f'"{a}"' for a in args)
        path.write_text(
            f'@echo off\r\nset "ITPLUS_HOME={home}"\r\n{line}\r\n', encoding="utf-8", newline=""
        )
    else:
        path = home / "itplus-caja.sh"
        line = " ".join("'" + a.replace("'", "'\\''") + "'" for a in args)
        path.write_text(
            f"#!/bin/sh\n# itplus: abre la caja de este equipo en el navegador.\n"
            f"export ITPLUS_HOME='{home}'\nexec {line}\n",
            encoding="utf-8",
        )
        path.chmod(0o755)
    return path


def terminal_pair_remote(*, server: str, code: str) -> dict:
    """Pair with the server's one-time code; returns its answer (token, terminal)."""
    return _post(f"{server}/api/v1/terminals/pair", {"code": code})


def terminal_handle(
    command, *, server=None, code=None, open=False, browser=None, print_only=False, **_options
):
    home = Path(settings.ITPLUS_HOME)
    if open:
        return _open(command, home=home, browser=browser, print_only=print_only)
    server = server_url_clean(server or "")
    if not code:
        if not sys.stdin.isatty():
            raise CommandError(_("Falta el código de vinculación: --code ABCD-EFGH"))
        code = input(_("Código de vinculación (Gestión → Terminales): ")).strip()
    answer = terminal_pair_remote(server=server, code=code)
    config_section_set(
        home,
        "install",
        {
            "role": "terminal",
            "server_url": server,
            "terminal_code": answer["terminal_code"],
            "terminal_token": answer["token"],
        },
    )
    launcher = launcher_write(home=home)
    command.stdout.write(
        _(
            "Equipo vinculado como «%(name)s» (%(code)s) al servidor %(server)s.\n"
            "Abra la caja con: %(launcher)s (cópielo al escritorio)."
        )
        % {
            "name": answer["terminal_name"],
            "code": answer["terminal_code"],
            "server": server,
            "launcher": launcher,
        }
    )


def _open(command, *, home: Path, browser: str | None, print_only: bool) -> None:
    install = get_config().install
    if not install.server_url or not install.terminal_token:
        raise CommandError(
            _("Este equipo no está vinculado: itplus setup terminal --server http://EQUIPO:8000")
        )
    answer = _post(
        f"{install.server_url}/api/v1/terminals/browser-code", {}, token=install.terminal_token
    )
    args = browser_command(
        browser=browser_find(browser),
        server=install.server_url,
        url=install.server_url + answer["url"],
        home=home,
    )
    if print_only:
        command.stdout.write(" ".join(args))
        return
    subprocess.Popen(args, close_fds=True)  # noqa: S603 - argument list, no shell
