"""The file is parsed once, re-read when it changes, and written atomically."""

import os
import subprocess
import sys
import tomllib

import pytest

from itplus.store.config import (
    ConfigError,
    config_path,
    config_read,
    config_section_set,
    get_config,
    load_config,
    save_config,
)


def test_get_config_parses_once_while_the_file_is_unchanged(settings):
    first = get_config()

    # the same object: not parsed again, only the file's stat was read
    assert all(get_config() is first for _ in range(50))


def test_an_edit_by_another_process_is_seen_by_the_next_call(settings):
    assert get_config().printer.kind == "none"
    path = config_path(settings.ITPLUS_HOME)
    text = path.read_text(encoding="utf-8")

    # given another process (a technician's editor) rewrites the file in place
    stat = path.stat()
    path.write_text(
        text.replace("[store]", '[printer]\nkind = "network"\nhost = "10.0.0.5"\n\n[store]')
    )
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))

    assert get_config().printer.kind == "network"
    assert get_config().printer.host == "10.0.0.5"


def test_save_is_seen_at_once_and_keeps_the_other_sections(settings):
    before = get_config()

    config_section_set(settings.ITPLUS_HOME, "inventory", {"allow_negative_stock": False})

    after = get_config()
    assert after.inventory.allow_negative_stock is False
    assert after.store == before.store
    assert not config_path(settings.ITPLUS_HOME).with_suffix(".toml.tmp").exists()


def test_an_invalid_config_is_never_written(settings):
    before = config_path(settings.ITPLUS_HOME).read_bytes()

    with pytest.raises(ConfigError, match=r"\[printer\] port"):
        config_section_set(settings.ITPLUS_HOME, "printer", {"port": 0})

    assert config_path(settings.ITPLUS_HOME).read_bytes() == before


def test_a_broken_file_says_so_in_spanish(tmp_path):
    (tmp_path / "itplus.toml").write_text("[printer\nkind = ")

    with pytest.raises(ConfigError, match="no se puede leer"):
        load_config(tmp_path)


def test_a_missing_file_gives_the_defaults(tmp_path):
    assert config_read(tmp_path) == {}
    assert not load_config(tmp_path).store.is_complete


def test_save_writes_toml_a_person_can_read(tmp_path):
    save_config(tmp_path, {"printer": {"kind": "network", "host": "10.1.1.1"}})

    assert tomllib.loads((tmp_path / "itplus.toml").read_text()) == {
        "printer": {"kind": "network", "host": "10.1.1.1"}
    }


def test_importing_the_settings_writes_nothing(tmp_path):
    home = tmp_path / "nuevo"
    env = {
        **os.environ,
        "ITPLUS_HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "itplus.store.settings",
    }
    env.pop("ITPLUS_SECRET_KEY", None)
    code = (
        "import django; django.setup(); "
        "from django.conf import settings; print(settings.ITPLUS_HOME, settings.STATIC_ROOT)"
    )

    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)

    assert result.returncode == 0, result.stderr
    assert str(home) in result.stdout
    assert not home.exists()


def test_the_itplus_command_prepares_the_home(tmp_path):
    home = tmp_path / "nuevo"
    env = {**os.environ, "ITPLUS_HOME": str(home), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    for name in ("ITPLUS_SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DATABASE_URL"):
        env.pop(name, None)

    result = subprocess.run(
        [sys.executable, "-m", "itplus.store.cli", "migrate", "-v", "0"],
        env=env,
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert (home / "secret.key").stat().st_size > 40
    assert (home / "static").is_dir()
    key = (home / "secret.key").read_bytes()
    subprocess.run(
        [sys.executable, "-m", "itplus.store.cli", "audit"],
        env=env,
        check=True,
        capture_output=True,
    )
    assert (home / "secret.key").read_bytes() == key  # kept, not replaced
