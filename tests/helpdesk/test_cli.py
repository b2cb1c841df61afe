"""`itplus-helpdesk --help`: the help desk's own commands, grouped, before Django's."""

import os
import subprocess
import sys

from django.core.management import get_commands

from itplus.helpdesk.cli import command_groups


def test_help_lists_the_help_desk_commands_before_djangos(tmp_path):
    env = {**os.environ, "HELPDESK_HOME": str(tmp_path)}
    env.pop("DJANGO_SETTINGS_MODULE", None)

    result = subprocess.run(
        [sys.executable, "-m", "itplus.helpdesk.cli", "--help"],
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.index("Mesa de ayuda:") < out.index("Pagos:") < out.index("Comandos de Django:")
    assert "webpay_reconcile" in out and "flush" in out[out.index("Comandos de Django:") :]


def test_every_help_desk_command_is_in_a_group():
    ours = {name for name, app in get_commands().items() if app.startswith("itplus.")}
    assert ours <= {name for group in command_groups() for name, _text in group.commands}
