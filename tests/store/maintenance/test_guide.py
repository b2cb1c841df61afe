"""`itplus guide reinstall`: renders in both formats, from the real commands."""

import re

import pytest
from django.core.management import CommandError, call_command, get_commands, load_command_class

from itplus.store.maintenance.guide import (
    CommandCatalog,
    Reference,
    build_guide,
    render_html,
    render_text,
)


@pytest.fixture(scope="module")
def guide():
    return build_guide()


def test_every_command_the_guide_names_exists_with_its_options(guide):
    catalog = CommandCatalog()
    commands = get_commands()
    assert guide.references
    for ref in set(guide.references):
        assert ref.command in commands, f"la guía nombra «itplus {ref.command}», que no existe"
        spec = catalog.spec(ref.command)
        if ref.subcommand:
            assert ref.subcommand in spec.subcommands, ref
            options = spec.subcommands[ref.subcommand]
        else:
            options = spec.options
        missing = set(ref.options) - options
        assert not missing, f"itplus {ref.command} {ref.subcommand}: sin {missing}"


def test_key_steps_are_in_order(guide):
    windows_server = guide.sections[0]
    lines = [c.line for step in windows_server.steps for c in step.commands]
    text = "\n".join(lines)
    order = [
        "pip install --no-index --find-links",
        "backup verify --all",
        "reinstall --from",
        " audit",
        " serve",
        "backup create",
    ]
    positions = [text.find(fragment) for fragment in order]
    assert all(p >= 0 for p in positions), dict(zip(order, positions, strict=True))
    assert positions == sorted(positions)
    titles = " ".join(step.title for step in windows_server.steps)
    for words in ("bueno más reciente", "resúmenes", "cajas", "venta de prueba"):
        assert words in titles


def test_windows_linux_server_and_terminal_sections(guide):
    titles = [section.title for section in guide.sections]

    assert titles == [
        "Windows — servidor de la tienda",
        "Linux — servidor de la tienda",
        "Windows — caja (terminal)",
        "Linux — caja (terminal)",
    ]
    windows, linux = guide.sections[0], guide.sections[1]
    assert any(
        "C:\\itplus\\programa\\Scripts\\itplus" in c.line for s in windows.steps for c in s.commands
    )
    assert any("~/itplus/programa/bin/itplus" in c.line for s in linux.steps for c in s.commands)


def test_options_come_from_the_parsers():
    # given a catalog where "backup verify" has no --key option
    class NoKey(CommandCatalog):
        def has(self, command, subcommand, option):
            return option != "--key" and super().has(command, subcommand, option)

    guide = build_guide(NoKey())

    assert not any("--key" in ref.options for ref in guide.references)
    assert "--key" not in render_text(guide)


def test_a_missing_command_is_still_written_with_its_expected_options():
    catalog = CommandCatalog()
    # pretend "reinstall" is not installed yet
    catalog.__dict__["_commands"] = {k: v for k, v in get_commands().items() if k != "reinstall"}

    guide = build_guide(catalog)

    assert Reference("reinstall", "", ("--from", "--home", "--key")) in guide.references
    assert "reinstall --from" in render_text(guide)


def test_text_format(guide):
    text = render_text(guide)

    assert text.startswith("REINSTALACIÓN DE ITPLUS DESDE UN RESPALDO")
    assert re.search(r"^ 1\. Prepare lo necesario$", text, re.MULTILINE)
    assert re.search(r"^1\d\. ", text, re.MULTILINE)  # more than nine steps, numbered
    assert (
        "> C:\\itplus\\programa\\Scripts\\itplus backup verify --all --folder E:\\itplus\\respaldos"
        in text
    )
    assert "Debe ver:" in text


def test_html_format_is_printable_a4(guide):
    html = render_html(guide)

    assert html.startswith("<!doctype html>")
    assert "size: A4" in html
    assert html.count('<ol class="steps">') == 4
    assert "<pre>C:\\itplus\\programa\\Scripts\\itplus reinstall --from" in html
    assert "counter(step)" in html  # large numbered steps


def test_command_writes_both_formats(tmp_path, capsys):
    call_command("guide", "reinstall")
    assert "backup verify --all" in capsys.readouterr().out

    out = tmp_path / "guia.html"
    call_command("guide", "reinstall", "--format", "html", "--output", str(out))
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")


def test_guide_command_parser():
    parser = load_command_class("itplus.store.maintenance", "guide").create_parser(
        "itplus", "guide"
    )

    with pytest.raises(CommandError, match="invalid choice"):
        parser.parse_args(["otra-cosa"])
