"""The store's install id and backup key, and the signature of backup manifests.

Trust model (why these choices):

- Each install has a random 32-byte **backup key** in ``ITPLUS_HOME/backup.key``, made on
  first use and printed once on the **hoja de recuperación** (``itplus backup key
  --show``) that the owner keeps on paper. Every manifest carries
  HMAC-SHA256(key, manifest); the manifest binds the archive's header digest, its id,
  every member's SHA-256 and the install id. So a manifest edited by hand, or swapped in
  from another backup or from another store's archive, does not verify.
- Verification takes the key from, in order: ``--key`` (the recovery sheet),
  ``ITPLUS_HOME/backup.key``, or — for **encrypted** archives only — the copy of the key
  stored inside the archive. Inside an encrypted archive that copy is as trustworthy as the
  passphrase (AES-GCM authenticates it). A plain archive never carries the key (anyone
  could re-sign it), so reinstalling a plain archive on a wiped machine needs ``--key``.
- The key protects backups kept away from the PC (USB stick, cloud, the help desk). A
  virus running on the store's PC can read the key as it can read the database; that is
  why the recovery sheet lives on paper and why verification also re-checks the document
  hash chain, which the key does not replace.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import uuid
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from itplus.core.integrity import canonical_json
from itplus.store.config import StoreIdentity

KEY_FILENAME = "backup.key"
INSTALL_ID_FILENAME = "install.id"
_MAC_DOMAIN = b"itplus-backup-manifest-v1\n"


class InvalidBackupKey(ValueError):
    """A key typed from the recovery sheet cannot be read."""


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def install_id(home: Path, *, create: bool = True) -> str | None:
    """The install's UUID (``ITPLUS_HOME/install.id``), made on first use if ``create``."""
    path = home / INSTALL_ID_FILENAME
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    if not create:
        return None
    value = str(uuid.uuid4())
    _write_private(path, value + "\n")
    return value


def set_install_id(home: Path, value: str) -> None:
    _write_private(home / INSTALL_ID_FILENAME, str(uuid.UUID(value)) + "\n")


def load_backup_key(home: Path) -> bytes | None:
    path = home / KEY_FILENAME
    if not path.exists():
        return None
    return parse_key(path.read_text(encoding="ascii"))


def store_backup_key(home: Path, key: bytes) -> None:
    _write_private(home / KEY_FILENAME, key.hex() + "\n")


def ensure_backup_key(home: Path) -> bytes:
    """The store's backup key, created (32 random bytes) on first use."""
    if (key := load_backup_key(home)) is not None:
        return key
    key = secrets.token_bytes(32)
    store_backup_key(home, key)
    return key


def key_id(key: bytes) -> str:
    """A short fingerprint that names a key without revealing it (shown on the sheet)."""
    digest = hashlib.sha256(b"itplus-backup-key-id\n" + key).hexdigest()[:12]
    return f"{digest[:4]}-{digest[4:8]}-{digest[8:]}"


def parse_key(text: str) -> bytes:
    """A key as typed from the recovery sheet: 64 hex digits, spaces and dashes ignored."""
    cleaned = re.sub(r"[\s\-:]", "", text).lower()
    if not re.fullmatch(r"[0-9a-f]{64}", cleaned):
        raise InvalidBackupKey(
            _("La clave de respaldo debe tener 64 caracteres hexadecimales (0-9, a-f).")
        )
    return bytes.fromhex(cleaned)


def format_key(key: bytes) -> list[str]:
    """The key in 4 lines of 4 groups of 4 hex digits, easy to read over the phone."""
    text = key.hex()
    groups = [text[i : i + 4] for i in range(0, len(text), 4)]
    return [" ".join(groups[i : i + 4]) for i in range(0, len(groups), 4)]


def recovery_sheet(*, home: Path, store: StoreIdentity) -> str:
    """The printable recovery sheet (Spanish)."""
    key = ensure_backup_key(home)
    lines = [
        _("HOJA DE RECUPERACIÓN — itplus"),
        "",
        _("Tienda: %(name)s (RUT %(rut)s)") % {"name": store.name, "rut": store.rut},
        _("Instalación: %(id)s") % {"id": install_id(home)},
        "",
        _("Clave de respaldo:"),
        *[f"   {n}.  {line}" for n, line in enumerate(format_key(key), 1)],
        "",
        _("Huella de la clave: %(kid)s") % {"kid": key_id(key)},
        "",
        _("Para reinstalar en un equipo nuevo o formateado:"),
        "   itplus reinstall --from ARCHIVO.itpbak --key " + '"' + " ".join(format_key(key)) + '"',
        "",
        _(
            "Guarde esta hoja en papel, fuera del computador. Con ella se comprueba que un "
            "respaldo es de esta tienda y no fue alterado."
        ),
    ]
    return "\n".join(lines) + "\n"


def manifest_mac(manifest: dict[str, Any], key: bytes) -> str:
    return hmac.new(key, _MAC_DOMAIN + canonical_json(manifest), hashlib.sha256).hexdigest()


def sign_manifest(manifest: dict[str, Any], key: bytes, *, embed_key: bool = False) -> bytes:
    """The bytes of the manifest document: the manifest and its HMAC. ``embed_key`` (an
    encrypted archive's manifest section only: AES-GCM covers it) adds the key itself, so
    the manifest can be authenticated on a wiped machine before anything is extracted."""
    document: dict[str, Any] = {"manifest": manifest, "hmac": manifest_mac(manifest, key)}
    if embed_key:
        document["key"] = key.hex()
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def manifest_mac_ok(manifest: dict[str, Any], mac: str, key: bytes) -> bool:
    return hmac.compare_digest(manifest_mac(manifest, key), str(mac))
