"""itplus kit build: the offline install kit the reinstall guide names, and a store
reinstalled from it on a machine with no package index reachable."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest
from django.db import connection

from itplus.store.maintenance import dbcopy, keys
from itplus.store.maintenance.backup import backup_create
from itplus.store.maintenance.guide import (
    LINUX,
    WINDOWS,
    KitFacts,
    build_guide,
    install_commands,
)
from itplus.store.maintenance.kit import (
    LINUX_TARGET,
    TARGETS,
    WINDOWS_TARGET,
    _download_args,
    kit_build,
    kit_verify,
    linux_script,
    missing_requirements,
    windows_script,
)
from itplus.store.maintenance.kit_layout import (
    BACKUPS_FOLDER,
    GUIDE_HTML,
    GUIDE_TEXT,
    INSTALLER_FOLDER,
    KEY_NOTE,
    LINUX_SCRIPT,
    MANIFEST,
    PACKAGES_FOLDER,
    PYTHON_VERSIONS,
    WINDOWS_SCRIPT,
)
from tests.store.maintenance.support import build_store, clear_home, home, itplus, itplus_env

pytestmark = pytest.mark.django_db(transaction=True)

# Downloaded wheels are kept outside the repository, so a rerun needs no network.
CACHE = Path(os.environ.get("ITPLUS_KIT_CACHE", Path.home() / ".cache" / "itplus-kit-test"))
UNREACHABLE_INDEX = "http://127.0.0.1:9/simple/"


@pytest.fixture(autouse=True)
def clean_home(transactional_db, scratch_aliases):
    clear_home()
    yield
    clear_home()


def guide_text(guide) -> str:
    """Every paragraph and command line of the guide, unwrapped."""
    parts = list(guide.intro)
    for section in guide.sections:
        for step in section.steps:
            parts += [*step.text, *(c.line for c in step.commands)]
    return "\n".join(parts)


def test_the_guide_and_the_scripts_name_the_same_folders_files_and_commands():
    guide = guide_text(build_guide())
    for p, script in ((WINDOWS, windows_script(backup="x.itpbak")), (LINUX, linux_script())):
        assert p.wheels == p.sep.join([p.usb, PACKAGES_FOLDER])
        assert p.backups == p.sep.join([p.usb, BACKUPS_FOLDER])
        assert p.installer == p.sep.join([p.usb, INSTALLER_FOLDER])
        assert p.run_script in guide  # the guide names the kit's script, at its place
        for command in install_commands(p):
            assert command in guide
            # the script runs the guide's command, with the kit's own folder as the root
            root = '"%KIT%"' if p is WINDOWS else '"$KIT"'
            assert command.replace(p.usb, root) in script
    assert WINDOWS.run_script.endswith(f"\\{INSTALLER_FOLDER}\\{WINDOWS_SCRIPT}")
    assert LINUX.run_script.endswith(f"/{INSTALLER_FOLDER}/{LINUX_SCRIPT}")
    assert f"--from {WINDOWS.backups}\\x.itpbak --home {WINDOWS.home} --key" in windows_script(
        backup="x.itpbak"
    ).replace('"%KIT%"', WINDOWS.usb)
    for version in PYTHON_VERSIONS:
        assert version in guide


def test_out_folder_not_empty_is_refused_in_spanish_exit_2(tmp_path):
    out = tmp_path / "kit"
    out.mkdir()
    (out / "otra-cosa.txt").write_text("no borrar", encoding="utf-8")
    run = itplus("kit", "build", "--out", str(out), timeout=120)
    assert run.returncode == 2, run.stderr
    assert "no está vacía" in run.stderr and "no se escribió nada" in run.stderr
    assert [p.name for p in out.iterdir()] == ["otra-cosa.txt"]


def test_with_backup_and_no_good_backup_is_refused_in_spanish_exit_2(tmp_path):
    out = tmp_path / "kit"
    # no backup at all
    run = itplus("kit", "build", "--out", str(out), "--with-backup", timeout=120)
    assert run.returncode == 2, run.stderr
    assert "No hay un respaldo verificado como bueno" in run.stderr
    assert not out.exists()
    # a damaged one: verification reads it in full and refuses it
    build_store(sales=2, back_office=False)
    path = backup_create().path
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    run = itplus("kit", "build", "--out", str(out), "--with-backup", timeout=120)
    assert run.returncode == 2, run.stderr
    assert "No hay un respaldo verificado como bueno" in run.stderr and path.name in run.stderr
    assert not out.exists()


def _base_python_bin() -> str:
    """The folder of a plain CPython (not this virtual environment) for ``python3``."""
    return str(Path(sys.base_prefix) / "bin")


def offline_env(fake_home: Path) -> dict[str, str]:
    """A user on a machine with no package index: pip's configuration ignored, its index
    unreachable, no extra wheel folders; nothing of this test run leaks in."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "ITPLUS_", "DJANGO_", "PYTHON", "VIRTUAL_ENV", "PYENV"))
        and k != "DATABASE_URL"
    }
    env.update(
        HOME=str(fake_home),
        PATH=f"{_base_python_bin()}{os.pathsep}{env.get('PATH', '')}",
        PIP_CONFIG_FILE=os.devnull,
        PIP_NO_INDEX="1",
        PIP_INDEX_URL=UNREACHABLE_INDEX,
        PIP_DISABLE_PIP_VERSION_CHECK="1",
    )
    return env


def _wheel_files(path: Path) -> set[str]:
    with zipfile.ZipFile(path) as zf:
        return {n for n in zf.namelist() if ".dist-info/" not in n}


@pytest.mark.slow
def test_build_the_kit_install_offline_in_a_fresh_venv_and_reinstall_identical(tmp_path):
    # given a store with a verified backup
    build_store(sales=5)
    backup_create()
    key = keys.load_backup_key(home())
    # when the kit is built with it
    out = tmp_path / "usb" / "itplus"
    result = kit_build(out=out, with_backup=True, cache=CACHE)
    # then it has the folders and files the guide names, and a manifest of all of them
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [INSTALLER_FOLDER, PACKAGES_FOLDER, BACKUPS_FOLDER, MANIFEST, "kit.json"]
    )
    installer = out / INSTALLER_FOLDER
    for name in (WINDOWS_SCRIPT, LINUX_SCRIPT, GUIDE_TEXT, GUIDE_HTML):
        assert (installer / name).is_file(), name
    backup = result.backup
    assert backup is not None and backup.parent == out / BACKUPS_FOLDER
    assert (out / BACKUPS_FOLDER / KEY_NOTE).is_file()
    assert keys.key_id(key) in (out / BACKUPS_FOLDER / KEY_NOTE).read_text(encoding="utf-8")
    texts = [
        p
        for p in out.rglob("*")
        if p.is_file() and p.suffix in (".txt", ".json", ".cmd", ".sh", ".html")
    ]
    for text in texts:  # the key proves the backup is the store's: it is not on the stick
        content = text.read_text("utf-8").replace(" ", "")
        assert key.hex() not in content, text
    listed = (out / MANIFEST).read_text(encoding="utf-8").splitlines()
    assert len(listed) == len(result.files) == sum(1 for p in out.rglob("*") if p.is_file()) - 1
    assert kit_verify(out) == []
    # the guide in the kit is this store's, names its backup and the script's commands
    printed = (installer / GUIDE_TEXT).read_text(encoding="utf-8")
    assert "Almacén La Prueba" in printed and backup.name in printed
    guide = guide_text(
        build_guide(kit=KitFacts(store_name="Almacén La Prueba", backup=backup.name))
    )
    assert backup.name in guide
    assert f"{WINDOWS.backups}\\{backup.name}" in guide
    assert f"{LINUX.backups}/{backup.name}" in guide
    sh = (installer / LINUX_SCRIPT).read_text(encoding="utf-8")
    cmd = (installer / WINDOWS_SCRIPT).read_bytes().decode("utf-8")
    for p, script, root in ((WINDOWS, cmd, '"%KIT%"'), (LINUX, sh, '"$KIT"')):
        for command in install_commands(p):
            assert command in guide and command.replace(p.usb, root) in script
        assert f"{root}{p.sep}{BACKUPS_FOLDER}{p.sep}{backup.name}" in script
    assert "\r\n" in cmd and "\r" not in sh
    # every requirement has a wheel on every target, Windows included (markers evaluated
    # for Windows: Django's tzdata), and pip resolves the Windows set with no index
    packages = out / PACKAGES_FOLDER
    names = {p.name.lower() for p in packages.glob("*.whl")}
    for version in PYTHON_VERSIONS:
        cp = "cp" + version.replace(".", "")
        for binary in ("psycopg_binary", "zstandard", "pillow", "pyyaml"):
            assert any(n.startswith(f"{binary}-") and f"{cp}-win_amd64" in n for n in names)
        assert any(n.startswith("cryptography-") and n.endswith("win_amd64.whl") for n in names)
        for target in TARGETS:
            assert missing_requirements(packages, target, version) == [], (target.key, version)
        dry = subprocess.run(
            [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed"]
            + _download_args(WINDOWS_TARGET, version)[1:]
            + ["--no-index", "--find-links", str(packages), "--target", str(tmp_path / "t")]
            + ["itplus"],
            capture_output=True,
            text=True,
            env={**offline_env(tmp_path), "HOME": os.environ.get("HOME", "")},
        )
        assert dry.returncode == 0, dry.stderr
    assert any(n.startswith("tzdata-") for n in names)
    assert missing_requirements(packages, LINUX_TARGET, "3.11") == []

    # when a machine with no package index runs the Linux installer of the kit
    user = tmp_path / "usuario"
    user.mkdir()
    env = offline_env(user)
    env["CLAVE"] = " ".join(keys.format_key(key))
    scratch = None
    if connection.vendor != "sqlite":  # the new server's own, empty database
        scratch = f"itplus_kit_{uuid.uuid4().hex[:8]}"
        env["DATABASE_URL"] = itplus_env()["DATABASE_URL"].rsplit("/", 1)[0] + "/" + scratch
    try:
        run = subprocess.run(
            ["sh", str(installer / LINUX_SCRIPT)],
            env=env,
            cwd=user,
            capture_output=True,
            text=True,
            timeout=900,
        )
        # then itplus is installed from the kit alone and the store is reinstalled identical
        assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
        assert "Successfully installed" in run.stdout and "itplus-0" in run.stdout
        assert "IDÉNTICO" in run.stdout, run.stdout[-3000:]
        assert "Almacén La Prueba" in run.stdout
        venv = user / "itplus" / "programa"
        where = subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import itplus; print(itplus.__file__)"],
            env=env,
            cwd=user,
            capture_output=True,
            text=True,
        )
        assert str(venv) in where.stdout, where  # the installed package, not this tree
        datos = user / "itplus" / "datos"
        assert (datos / "itplus.toml").is_file() and (datos / "backup.key").is_file()
        audit = subprocess.run(
            [str(venv / "bin" / "itplus"), "audit"],
            env={**env, "ITPLUS_HOME": str(datos)},
            cwd=user,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert audit.returncode == 0, audit.stdout + audit.stderr

        # and the reinstalled store can build the next kit from its installed itplus
        # (no source tree: the wheel is packed from the installed distribution)
        again = user / "kit-nuevo"
        rebuilt = subprocess.run(
            [str(venv / "bin" / "itplus"), "kit", "build", "--out", str(again)]
            + ["--cache", str(CACHE)],
            env={**env, "ITPLUS_HOME": str(datos)},
            cwd=user,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
        first = next(packages.glob("itplus-*.whl"))
        second = next((again / PACKAGES_FOLDER).glob("itplus-*.whl"))
        assert first.name == second.name
        assert _wheel_files(first) == _wheel_files(second)
        assert json.loads((again / "kit.json").read_text("utf-8"))["store"]["name"] == (
            "Almacén La Prueba"
        )
        check = subprocess.run(
            [str(venv / "bin" / "itplus"), "kit", "verify", str(again)],
            env={**env, "ITPLUS_HOME": str(datos)},
            cwd=user,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert check.returncode == 0, check.stdout + check.stderr
        # a kit with a changed, a missing and an extra file is refused, naming each
        wheel = next((again / PACKAGES_FOLDER).glob("tzdata-*.whl"))
        wheel.write_bytes(wheel.read_bytes()[:-1] + b"x")
        (again / INSTALLER_FOLDER / LINUX_SCRIPT).unlink()
        (again / PACKAGES_FOLDER / "otro.whl").write_bytes(b"")
        problems = kit_verify(again)
        assert any(wheel.name in p and "dañado" in p for p in problems), problems
        assert any(LINUX_SCRIPT in p and "Falta" in p for p in problems), problems
        assert any("otro.whl" in p for p in problems), problems
    finally:
        if scratch:
            dbcopy.pg_drop_database(connection.settings_dict, scratch)
        shutil.rmtree(user, ignore_errors=True)
