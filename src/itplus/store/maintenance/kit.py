"""`itplus kit build --out DIR`: the offline install kit the reinstall guide names (S6, S10).

The kit is one folder, copied to a USB stick as ``itplus``::

    instalador/  instalar.cmd (Windows), instalar.sh (Linux), the guide for this store
    paquetes/    the wheels of itplus and of every dependency, for Windows (win_amd64)
                 and Linux (manylinux x86_64), CPython ``PYTHON_VERSIONS``
    respaldos/   with --with-backup: the newest backup that passes a full verification
    manifiesto-sha256.txt   every file with its SHA-256 (``itplus kit verify DIR``)

The wheels come from ``pip download --only-binary=:all: --platform …``. pip evaluates
the dependencies' markers for *this* machine (Django's ``tzdata; sys_platform ==
"win32"`` is skipped on Linux), so the kit then walks the requirements itself with each
target's markers (``missing_requirements``) and downloads what is still missing, until
every requirement of every target has a wheel. The folder and file names, and the
commands the scripts run, come from ``kit_layout`` and ``guide``: the guide and the kit
cannot disagree.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.metadata
import io
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from email.parser import Parser
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement, Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

import itplus
from itplus.store.config import get_config
from itplus.store.maintenance import archive, keys
from itplus.store.maintenance.backup_folder import backup_list
from itplus.store.maintenance.guide import (
    KEY_PLACEHOLDER,
    LINUX,
    WINDOWS,
    CommandCatalog,
    KitFacts,
    Platform,
    build_guide,
    install_commands,
    python_versions_text,
    reinstall_line,
    render_html,
    render_text,
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
from itplus.store.maintenance.verify import backup_verify

DISTRIBUTION = "itplus"
MAX_ROUNDS = 5  # download rounds per target before giving up on a missing requirement


class KitError(Exception):
    """A kit cannot be built or checked (Spanish message; nothing usable was left)."""


@dataclass(frozen=True)
class Target:
    """A system the kit installs on: pip's platform tags and the environment markers."""

    key: str
    name: str
    platforms: tuple[str, ...]
    markers: dict[str, str]


WINDOWS_TARGET = Target(
    "windows",
    "Windows",
    ("win_amd64",),
    {
        "sys_platform": "win32",
        "platform_system": "Windows",
        "os_name": "nt",
        "platform_machine": "AMD64",
    },
)
LINUX_TARGET = Target(
    "linux",
    "Linux",
    # glibc 2.28 or newer (Debian 10, Ubuntu 18.10, RHEL 8 and later)
    (
        *(f"manylinux_2_{minor}_x86_64" for minor in range(28, 4, -1)),
        "manylinux2014_x86_64",
        "manylinux2010_x86_64",
        "manylinux1_x86_64",
    ),
    {
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_machine": "x86_64",
    },
)
TARGETS = (WINDOWS_TARGET, LINUX_TARGET)


@dataclass
class KitResult:
    out: Path
    files: list[str] = field(default_factory=list)  # relative paths, as in the manifest
    backup: Path | None = None
    size: int = 0


# --- wheels -------------------------------------------------------------------------


def _version_tuple(version: str) -> tuple[int, int]:
    major, minor = version.split(".")[:2]
    return int(major), int(minor)


def supported_tags(target: Target, python_version: str) -> set[Tag]:
    version = _version_tuple(python_version)
    abi = f"cp{version[0]}{version[1]}"
    platforms = list(target.platforms)
    tags = set(cpython_tags(version, abis=[abi, "abi3", "none"], platforms=platforms))
    tags |= set(compatible_tags(version, abi, platforms))
    return tags


def _environment(target: Target, python_version: str) -> dict[str, str]:
    env = dict(default_environment())
    env.update(target.markers)
    env.update(
        python_version=python_version,
        python_full_version=f"{python_version}.0",
        implementation_name="cpython",
        platform_python_implementation="CPython",
        implementation_version=f"{python_version}.0",
    )
    return env


@dataclass(frozen=True)
class _Wheel:
    path: Path
    name: str
    version: Version
    tags: frozenset[Tag]


def _wheels(folder: Path) -> dict[str, list[_Wheel]]:
    found: dict[str, list[_Wheel]] = {}
    for path in sorted(folder.glob("*.whl")):
        try:
            name, version, _build, tags = parse_wheel_filename(path.name)
        except ValueError:
            continue
        found.setdefault(canonicalize_name(name), []).append(_Wheel(path, name, version, tags))
    return found


def _requires(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(zf.read(name).decode("utf-8"))
    return metadata.get_all("Requires-Dist") or []


def missing_requirements(
    folder: Path, target: Target, python_version: str, *, root: str = DISTRIBUTION
) -> list[str]:
    """The requirements (``name[extras]specifier``) of ``root`` and of everything it
    needs, with ``target``'s markers, that no wheel of ``folder`` satisfies there."""
    tags = supported_tags(target, python_version)
    env = _environment(target, python_version)
    wheels = _wheels(folder)
    missing: list[str] = []
    seen: set[tuple[str, frozenset[str], str]] = set()
    queue = [Requirement(root)]
    while queue:
        req = queue.pop(0)
        key = (canonicalize_name(req.name), frozenset(req.extras), str(req.specifier))
        if key in seen:
            continue
        seen.add(key)
        fits = [
            w
            for w in wheels.get(key[0], [])
            if w.tags & tags and req.specifier.contains(w.version, prereleases=True)
        ]
        if not fits:
            extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
            missing.append(f"{req.name}{extras}{req.specifier}")
            continue
        best = max(fits, key=lambda w: w.version)
        for line in _requires(best.path):
            try:
                dep = Requirement(line)
            except InvalidRequirement:
                continue
            if dep.marker is None or any(
                dep.marker.evaluate({**env, "extra": extra}) for extra in ("", *req.extras)
            ):
                queue.append(dep)
    return missing


def _pip(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
    )


def _download_args(target: Target, python_version: str) -> list[str]:
    version = _version_tuple(python_version)
    args = ["download", "--only-binary=:all:", "--implementation", "cp"]
    args += ["--python-version", python_version]
    for abi in (f"cp{version[0]}{version[1]}", "abi3", "none"):
        args += ["--abi", abi]
    for platform in target.platforms:
        args += ["--platform", platform]
    return args


def _download(
    requirements: list[str],
    *,
    dest: Path,
    target: Target,
    python_version: str,
    cache: Path | None,
) -> None:
    """Put wheels for ``requirements`` (and what they need) in ``dest``: from ``cache``
    when it has them all (no network), else downloaded (into ``cache`` first, if given)."""
    base = _download_args(target, python_version)
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        offline = [*base, "--no-index", "--find-links", str(cache), "--find-links", str(dest)]
        if _pip([*offline, "-d", str(dest), *requirements]).returncode == 0:
            return
        fetched = _pip([*base, "--find-links", str(dest), "-d", str(cache), *requirements])
        done = fetched.returncode == 0 and (
            _pip([*offline, "-d", str(dest), *requirements]).returncode == 0
        )
    else:
        fetched = _pip([*base, "--find-links", str(dest), "-d", str(dest), *requirements])
        done = fetched.returncode == 0
    if not done:
        detail = (fetched.stderr or fetched.stdout).strip().splitlines()[-3:]
        raise KitError(
            _(
                "No se pudieron descargar los paquetes para %(system)s (Python %(version)s): "
                "%(detail)s. Revise la conexión a internet (PyPI) y vuelva a intentarlo."
            )
            % {"system": target.name, "version": python_version, "detail": " ".join(detail)}
        )


def wheels_for(
    packages: Path, *, target: Target, python_version: str, cache: Path | None = None
) -> None:
    """Complete ``packages`` for one target until ``missing_requirements`` is empty."""
    for _round in range(MAX_ROUNDS):
        missing = missing_requirements(packages, target, python_version)
        if not missing:
            return
        _download(missing, dest=packages, target=target, python_version=python_version, cache=cache)
    missing = missing_requirements(packages, target, python_version)
    if missing:
        raise KitError(
            _("Faltan paquetes para %(system)s (Python %(version)s): %(missing)s.")
            % {"system": target.name, "version": python_version, "missing": ", ".join(missing)}
        )


def source_tree() -> Path | None:
    """The source folder itplus runs from (a checkout or an editable install), if any."""
    root = Path(itplus.__file__).resolve().parents[2]
    pyproject = root / "pyproject.toml"
    if pyproject.is_file() and f'name = "{DISTRIBUTION}"' in pyproject.read_text("utf-8"):
        return root
    return None


def itplus_wheel(dest: Path) -> Path:
    """The wheel of the running itplus: built from its source tree (``pip wheel
    --no-deps``) or, for an installed distribution, packed again from its files."""
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob(f"{DISTRIBUTION}-*.whl"):
        old.unlink()
    root = source_tree()
    if root is not None:
        with tempfile.TemporaryDirectory(prefix="itplus-kit-build-") as build:
            wheel = [sys.executable, "-m", "pip", "--disable-pip-version-check", "wheel"]
            wheel += ["--no-deps", "-w", build, str(root)]
            # the build tools of this environment first (no network), else pip's own
            done = subprocess.run([*wheel, "--no-build-isolation"], capture_output=True, text=True)
            if done.returncode:
                done = subprocess.run(wheel, capture_output=True, text=True)
            built = sorted(Path(build).glob(f"{DISTRIBUTION}-*.whl"))
            if done.returncode or not built:
                raise KitError(
                    _("No se pudo armar el paquete de itplus desde %(root)s: %(detail)s")
                    % {"root": root, "detail": (done.stderr or done.stdout).strip()[-400:]}
                )
            return Path(shutil.copy2(built[0], dest / built[0].name))
    return _repack_installed(dest)


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


def _repack_installed(dest: Path) -> Path:
    """A wheel holding the installed distribution's own files (not the scripts pip wrote
    outside site-packages, not bytecode): the same package, installable again."""
    dist = importlib.metadata.distribution(DISTRIBUTION)
    site = Path(dist.locate_file("")).resolve()
    version = dist.version
    info = f"{DISTRIBUTION}-{version}.dist-info"
    path = dest / f"{DISTRIBUTION}-{version}-py3-none-any.whl"
    rows = []
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for entry in dist.files or []:
            source = Path(dist.locate_file(entry)).resolve()
            try:
                relative = source.relative_to(site).as_posix()
            except ValueError:
                continue  # a console script pip wrote into bin/ (written again on install)
            if "__pycache__" in relative or not source.is_file():
                continue
            top = relative.split("/", 1)[0]
            if top.endswith(".dist-info"):
                name = relative.rsplit("/", 1)[-1]
                if name in ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json"):
                    continue
                relative = f"{info}/{name}"
            data = source.read_bytes()
            zf.writestr(relative, data)
            rows.append((relative, _record_hash(data), str(len(data))))
        wheel_meta = (
            "Wheel-Version: 1.0\nGenerator: itplus-kit\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        if not any(r[0] == f"{info}/WHEEL" for r in rows):
            zf.writestr(f"{info}/WHEEL", wheel_meta)
            rows.append((f"{info}/WHEEL", _record_hash(wheel_meta.encode()), str(len(wheel_meta))))
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerows([*rows, (f"{info}/RECORD", "", "")])
        zf.writestr(f"{info}/RECORD", out.getvalue())
    return path


# --- the newest good backup ---------------------------------------------------------


@dataclass
class GoodBackup:
    path: Path
    sha256: str
    encrypted: bool
    created_at: str


def newest_good_backup(
    *, folder: Path | None = None, passphrase: str | None = None, key: bytes | None = None
) -> GoodBackup:
    """The newest backup of ``folder`` that passes a full verification now (the cached
    status is not enough: the file may have changed since)."""
    key = key or keys.load_backup_key(Path(settings.ITPLUS_HOME))
    reasons = []
    for info in backup_list(folder=folder):
        if info.is_good is False:
            reasons.append(f"{info.name}: {info.reason}")
            continue
        result = backup_verify(path=info.path, passphrase=passphrase, key=key)
        if result.ok:
            created = timezone.localtime(info.created_at) if info.created_at else None
            return GoodBackup(
                path=info.path,
                sha256=result.file_sha256,
                encrypted=info.encrypted,
                created_at=created.strftime("%Y-%m-%d %H:%M") if created else "",
            )
        reasons.append(f"{info.name}: {result.reason}")
    raise KitError(
        _(
            "No hay un respaldo verificado como bueno en %(folder)s%(why)s. Cree uno con "
            "«itplus backup create --verify» y vuelva a armar el kit; no se escribió nada."
        )
        % {
            "folder": folder or settings.BACKUPS_DIR,
            "why": (" (" + "; ".join(reasons[:3]) + ")") if reasons else "",
        }
    )


# --- scripts, guide, manifest -------------------------------------------------------


def _kit_platform(p: Platform, root: str) -> Platform:
    return replace(p, usb=root)


def windows_script(*, backup: str = "", encrypted: bool = False) -> str:
    """``instalador\\instalar.cmd``: the guide's commands, the kit's folder found from
    the script's own place (any drive letter)."""
    p = _kit_platform(WINDOWS, '"%KIT%"')
    catalog = CommandCatalog()
    make_venv, pip_install = install_commands(p)
    lines = [
        "@echo off",
        "chcp 65001 >nul",
        "rem " + _("itplus: instalación sin internet desde el pendrive (itplus kit build)."),
        "setlocal",
        'set "KIT=%~dp0.."',
        f"echo {_('Creando la carpeta del programa %(folder)s…') % {'folder': p.program}}",
        f"{make_venv} || goto :error",
        f"{pip_install} || goto :error",
        f"{p.set_home} >nul || goto :error",
        f"set ITPLUS_HOME={p.home}",
    ]
    if backup and encrypted:
        lines += [
            f"echo {_('Escriba la frase de paso en la primera línea, guarde y cierre el editor.')}",
            f"{p.editor.split(' ', 1)[0]} {p.secret}",
            f"{reinstall_line(p, catalog, backup=backup, key=None, passphrase_file=p.secret)}"
            " || goto :error",
        ]
    elif backup:
        lines += [
            'if "%CLAVE%"=="" set /p CLAVE=' + _("Clave de respaldo de la hoja de recuperación: "),
            f"{reinstall_line(p, catalog, backup=backup, key='%CLAVE%')} || goto :error",
        ]
    else:
        lines += [f"{catalog.line(p.itplus, 'migrate')} || goto :error"]
    lines += [
        f"echo {_('Listo: itplus quedó instalado.')}",
        "pause",
        "exit /b 0",
        ":error",
        f"echo {_('La instalación no terminó bien: lea el mensaje anterior.')}",
        "pause",
        "exit /b 1",
    ]
    return "\r\n".join(lines) + "\r\n"


def linux_script(*, backup: str = "", encrypted: bool = False) -> str:
    """``instalador/instalar.sh``: the guide's commands for Linux."""
    p = _kit_platform(LINUX, '"$KIT"')
    catalog = CommandCatalog()
    make_venv, pip_install = install_commands(p)
    lines = [
        "#!/bin/sh",
        "# " + _("itplus: instalación sin internet desde el pendrive (itplus kit build)."),
        "set -e",
        'KIT="$(cd "$(dirname "$0")/.." && pwd)"',
        make_venv,
        pip_install,
        p.set_home,
    ]
    if backup and encrypted:
        lines += [
            f"[ -s {p.secret} ] || {p.editor}",
            reinstall_line(p, catalog, backup=backup, key=None, passphrase_file=p.secret),
        ]
    elif backup:
        prompt = _("Clave de respaldo de la hoja de recuperación: ")
        lines += [
            f"if [ -z \"${{CLAVE:-}}\" ]; then printf '%s' '{prompt}'; read -r CLAVE; fi",
            reinstall_line(p, catalog, backup=backup, key='"$CLAVE"'),
        ]
    else:
        lines.append(catalog.line(p.itplus, "migrate"))
    lines.append(f"echo '{_('Listo: itplus quedó instalado.')}'")
    return "\n".join(lines) + "\n"


def key_note(*, backup: GoodBackup, key_id: str) -> str:
    how = (
        _(
            "Este respaldo está cifrado: la reinstalación pide la frase de paso de la hoja "
            "de recuperación (se escribe en %(secret)s); la clave viaja dentro del respaldo, "
            "protegida por la frase."
        )
        % {"secret": f"{WINDOWS.secret} / {LINUX.secret}"}
        if backup.encrypted
        else _(
            "Este respaldo no está cifrado: la reinstalación pide la clave de respaldo de la "
            "hoja de recuperación (64 letras y números, «itplus backup key --show» en el "
            "servidor). Con ella se comprueba que el respaldo es de esta tienda y no fue "
            "alterado; por eso la clave no viaja en el pendrive."
        )
    )
    return (
        "\n".join(
            [
                _("Respaldo: %(file)s (del %(when)s)")
                % {"file": backup.path.name, "when": backup.created_at or "?"},
                f"SHA-256: {backup.sha256}",
                _("Huella de la clave de respaldo: %(kid)s") % {"kid": key_id},
                "",
                how,
                "",
                _("Windows: %(cmd)s") % {"cmd": f"{WINDOWS.run_script}"},
                _("Linux: %(cmd)s") % {"cmd": f"{LINUX.run_script}"},
                _("O a mano (cambie %(key)s por la clave):") % {"key": KEY_PLACEHOLDER},
                "  "
                + reinstall_line(
                    WINDOWS,
                    CommandCatalog(),
                    backup=backup.path.name,
                    key=None if backup.encrypted else KEY_PLACEHOLDER,
                    passphrase_file=WINDOWS.secret if backup.encrypted else None,
                ),
            ]
        )
        + "\n"
    )


def file_sha256(path: Path) -> str:
    return archive.file_sha256(path)


def _manifest_lines(out: Path) -> list[tuple[str, str]]:
    return [
        (file_sha256(path), path.relative_to(out).as_posix())
        for path in sorted(out.rglob("*"))
        if path.is_file() and path.name != MANIFEST
    ]


def _write_manifest(out: Path) -> list[str]:
    rows = _manifest_lines(out)
    text = "".join(f"{digest}  {name}\n" for digest, name in rows)
    (out / MANIFEST).write_text(text, encoding="utf-8", newline="\n")
    return [name for _digest, name in rows]


def kit_verify(out: Path) -> list[str]:
    """The problems of a kit (Spanish; empty when every file of the manifest is there
    with its SHA-256, nothing else is, and every target has all its wheels)."""
    out = Path(out)
    manifest = out / MANIFEST
    if not manifest.is_file():
        return [
            _("No hay %(file)s en %(out)s: no es un kit de itplus.")
            % {"file": MANIFEST, "out": out}
        ]
    listed: dict[str, str] = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        digest, _sep, name = line.partition("  ")
        if name:
            listed[name] = digest
    present = {name: digest for digest, name in _manifest_lines(out)}
    problems = []
    for name, digest in listed.items():
        if name not in present:
            problems.append(_("Falta %(file)s.") % {"file": name})
        elif present[name] != digest:
            problems.append(_("%(file)s está dañado (su SHA-256 no coincide).") % {"file": name})
    for name in sorted(set(present) - set(listed)):
        problems.append(_("%(file)s no es parte del kit.") % {"file": name})
    packages = out / PACKAGES_FOLDER
    for target in TARGETS:
        for version in PYTHON_VERSIONS:
            missing = missing_requirements(packages, target, version)
            if missing:
                problems.append(
                    _("Faltan paquetes para %(system)s (Python %(version)s): %(missing)s.")
                    % {"system": target.name, "version": version, "missing": ", ".join(missing)}
                )
    return problems


# --- the kit ------------------------------------------------------------------------


def kit_build(
    *,
    out: Path,
    with_backup: bool = False,
    folder: Path | None = None,
    passphrase: str | None = None,
    key: bytes | None = None,
    cache: Path | None = None,
    python_installer: Path | None = None,
) -> KitResult:
    """Write the kit into ``out`` (new or empty). Refuses (``KitError``, nothing
    written) when ``out`` has files, or ``with_backup`` finds no backup that verifies."""
    out = Path(out).resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise KitError(
            _(
                "La carpeta %(out)s no está vacía: indique una carpeta nueva o vacía; no se escribió nada."
            )
            % {"out": out}
        )
    if python_installer is not None and not Path(python_installer).is_file():
        raise KitError(
            _("No existe el instalador de Python %(file)s; no se escribió nada.")
            % {"file": python_installer}
        )
    good = (
        newest_good_backup(folder=folder, passphrase=passphrase, key=key) if with_backup else None
    )
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    try:
        return _write_kit(out, good=good, cache=cache, python_installer=python_installer)
    except BaseException:
        if created:
            shutil.rmtree(out, ignore_errors=True)
        else:
            for child in out.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise


def _write_kit(
    out: Path, *, good: GoodBackup | None, cache: Path | None, python_installer: Path | None
) -> KitResult:
    result = KitResult(out=out)
    packages = out / PACKAGES_FOLDER
    installer = out / INSTALLER_FOLDER
    installer.mkdir()
    wheel = itplus_wheel(packages)
    for target in TARGETS:
        for version in PYTHON_VERSIONS:
            wheels_for(packages, target=target, python_version=version, cache=cache)
    backup_name = ""
    key_id = ""
    home = Path(settings.ITPLUS_HOME)
    if good is not None:
        (out / BACKUPS_FOLDER).mkdir()
        copy = Path(shutil.copy2(good.path, out / BACKUPS_FOLDER / good.path.name))
        if file_sha256(copy) != good.sha256:
            raise KitError(
                _("La copia del respaldo en el kit no es igual al original (¿disco dañado?).")
            )
        backup_name = copy.name
        stored_key = keys.load_backup_key(home)
        key_id = keys.key_id(stored_key) if stored_key else ""
        (out / BACKUPS_FOLDER / KEY_NOTE).write_text(
            key_note(backup=good, key_id=key_id), encoding="utf-8"
        )
        result.backup = copy
    if python_installer is not None:
        shutil.copy2(python_installer, installer / Path(python_installer).name)
    encrypted = bool(good and good.encrypted)
    (installer / WINDOWS_SCRIPT).write_bytes(
        windows_script(backup=backup_name, encrypted=encrypted).encode("utf-8")
    )
    script = installer / LINUX_SCRIPT
    script.write_text(linux_script(backup=backup_name, encrypted=encrypted), encoding="utf-8")
    script.chmod(0o755)
    store = get_config().store
    facts = KitFacts(
        store_name=store.name,
        store_rut=store.rut,
        backup=backup_name,
        backup_created=good.created_at if good else "",
        encrypted=encrypted,
        key_id=key_id,
        python_installer=Path(python_installer).name if python_installer else "",
    )
    guide = build_guide(kit=facts)
    (installer / GUIDE_TEXT).write_text(render_text(guide), encoding="utf-8")
    (installer / GUIDE_HTML).write_text(render_html(guide), encoding="utf-8")
    (out / "kit.json").write_text(
        json.dumps(
            {
                "itplus": wheel.name,
                "built_at": timezone.now().isoformat(),
                "store": {"name": store.name, "rut": store.rut},
                "backup": backup_name,
                "python_versions": list(PYTHON_VERSIONS),
                "python": python_versions_text(),
                "targets": [t.key for t in TARGETS],
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    result.files = _write_manifest(out)
    result.size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return result
