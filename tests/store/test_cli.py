"""The `itplus` command: it finds its store or says what to do, and lists its commands."""

import os
import subprocess
import sys
from pathlib import Path

from django.core.management import get_commands

from itplus.store.cli import command_groups


def _env(user_home: Path, **extra: str) -> dict[str, str]:
    """A user with nothing of itplus yet: HOME elsewhere, no ITPLUS_HOME."""
    env = {**os.environ, "HOME": str(user_home)}
    for name in (
        "ITPLUS_HOME",
        "ITPLUS_SECRET_KEY",
        "DATABASE_URL",
        "DJANGO_SETTINGS_MODULE",
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
    ):
        env.pop(name, None)
    return {**env, **extra}


def _itplus(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "itplus.store.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _files(*folders: Path) -> list[Path]:
    return [path for folder in folders for path in folder.rglob("*")]


def test_from_an_empty_folder_without_a_store_it_says_what_to_do_and_creates_nothing(tmp_path):
    folder, user_home = tmp_path / "vacía", tmp_path / "usuario"
    folder.mkdir()
    user_home.mkdir()

    for args in (["audit"], ["backup", "create"], ["serve"]):
        result = _itplus(*args, cwd=folder, env=_env(user_home))

        assert result.returncode == 2, result.stderr
        assert "No se encontró la tienda" in result.stderr
        assert "itplus setup store" in result.stderr and "ITPLUS_HOME" in result.stderr
        assert "Traceback" not in result.stderr
    assert _files(folder, user_home) == []


def test_a_missing_home_or_an_empty_database_is_refused_without_writing(tmp_path):
    missing = tmp_path / "no-existe"
    result = _itplus("audit", cwd=tmp_path, env=_env(tmp_path, ITPLUS_HOME=str(missing)))
    assert result.returncode == 2
    assert f"No se encontró la tienda en {missing}" in result.stderr
    assert not missing.exists()

    empty = tmp_path / "vacía"
    empty.mkdir()
    (empty / "itplus.sqlite3").touch()
    result = _itplus("backup", "list", cwd=tmp_path, env=_env(tmp_path, ITPLUS_HOME=str(empty)))
    assert result.returncode == 2
    assert "está vacía: ejecute «itplus migrate»" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_store_created_from_anywhere_is_found_from_anywhere(tmp_path):
    user_home, first, second = tmp_path / "usuario", tmp_path / "a", tmp_path / "b"
    for folder in (user_home, first, second):
        folder.mkdir()
    env = _env(user_home)

    created = _itplus("migrate", "--verbosity", "0", cwd=first, env=env)

    assert created.returncode == 0, created.stderr
    home = user_home / ".local" / "share" / "itplus" / "tienda"
    assert f"Tienda nueva en {home}" in created.stderr
    assert (user_home / ".config" / "itplus" / "home").read_text().strip() == str(home)
    assert (home / "itplus.sqlite3").is_file() and (home / "secret.key").is_file()
    assert _files(first) == []

    audit = _itplus("audit", cwd=second, env=env)
    assert audit.returncode == 0, audit.stderr
    assert _files(second) == []

    # A second store made with ITPLUS_HOME (e.g. a test) does not replace the recorded one.
    other = tmp_path / "otra"
    made = _itplus("migrate", "-v", "0", cwd=second, env={**env, "ITPLUS_HOME": str(other)})
    assert made.returncode == 0, made.stderr
    assert (user_home / ".config" / "itplus" / "home").read_text().strip() == str(home)


def test_help_lists_itplus_commands_grouped_before_djangos(tmp_path):
    for args in ([], ["--help"], ["help"]):
        result = _itplus(*args, cwd=tmp_path, env=_env(tmp_path))

        assert result.returncode == 0, result.stderr
        out = result.stdout
        positions = [out.index(title) for title in ("Tienda:", "Respaldos:", "Mantención:")]
        assert positions == sorted(positions)
        assert positions[-1] < out.index("Comandos de Django:") < out.index("flush")
        assert "  backup " in out and "Restaura un respaldo" in out
    assert _files(tmp_path) == []


def test_every_itplus_command_is_in_a_group():
    ours = {name for name, app in get_commands().items() if app.startswith("itplus.")}
    grouped = {name for group in command_groups() for name, _text in group.commands}

    assert ours <= grouped
    assert all(text for group in command_groups() for _name, text in group.commands)
