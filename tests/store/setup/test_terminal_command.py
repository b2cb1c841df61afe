"""``itplus setup terminal --server URL --code CODE`` against a live server: itplus.toml
gets [install] terminal_code/terminal_token, a launcher is written, and ``--open`` opens
the browser on a one-time browser code — never the token — with the LAN flags."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from itplus.store.config import get_config
from itplus.store.terminals.services import pairing_code_create, pairing_code_format
from tests.factories import make_terminal


def test_pairs_this_pc_and_writes_the_launcher(live_server, transactional_db, settings):
    terminal = make_terminal(code="caja-3")
    _row, code = pairing_code_create(terminal_id=terminal.pk, by=None)
    out = StringIO()
    call_command(
        "setup",
        "terminal",
        "--server",
        live_server.url + "/",
        "--code",
        pairing_code_format(code),
        stdout=out,
    )
    install = get_config().install
    assert install.role == "terminal"
    assert install.server_url == live_server.url
    assert install.terminal_code == "caja-3" and len(install.terminal_token) > 30
    launcher = Path(settings.ITPLUS_HOME) / "itplus-caja.sh"
    assert "setup' 'terminal' '--open'" in launcher.read_text()
    assert "vinculado como «Caja de prueba» (caja-3)" in out.getvalue()

    opened = StringIO()
    call_command(
        "setup", "terminal", "--open", "--print-only", "--browser", "chromium", stdout=opened
    )
    command = opened.getvalue()
    assert f"--app={live_server.url}/pos/vincular/codigo/?c=" in command
    assert f"--unsafely-treat-insecure-origin-as-secure={live_server.url}" in command
    assert f"--user-data-dir={Path(settings.ITPLUS_HOME) / 'navegador'}" in command
    assert install.terminal_token not in command

    with pytest.raises(CommandError, match="ya fue usado"):
        call_command("setup", "terminal", "--server", live_server.url, "--code", code)


def test_a_server_that_does_not_answer_is_said_in_spanish(db):
    with pytest.raises(CommandError, match="No se pudo conectar con el servidor"):
        call_command("setup", "terminal", "--server", "http://127.0.0.1:9", "--code", "ABCD-EFGH")
