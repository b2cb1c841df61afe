"""The ``.itpbak`` container: a checksummed (optionally encrypted) stream of a zstd tar,
and a manifest section that the header locates, so the manifest is read and
authenticated before a single member is extracted.

Layout (all integers big-endian)::

    magic           8 bytes   b"ITPBAK\\r\\n"  (\\r\\n catches text-mode copies, as in PNG)
    header length   4 bytes
    header          JSON, UTF-8 (format, archive id, created-at, store, app version,
                    compression, chunk size, encryption parameters; never secrets)
    header SHA-256  32 bytes  over magic + length + header (catches a damaged header)
    locator         24 bytes  manifest section offset (8), its length (8), and the first
                    8 bytes of SHA-256(domain ‖ header digest ‖ offset ‖ length)
    body records…   each: 4-byte length L (top bit set = final record) + L bytes
    manifest records… the same framing, to the end of the file

The body records carry a zstd-compressed tar stream (PAX) cut in 1 MiB pieces; the
manifest records carry the signed manifest document (``keys.sign_manifest``), not
compressed:

- plain:     piece + SHA-256(header digest ‖ counter ‖ flags ‖ piece)
- encrypted: AES-256-GCM(piece), nonce = 7-byte random prefix ‖ 4-byte counter ‖ flags,
             associated data = header digest; key = Argon2id(passphrase, salt).

``flags`` is 1 for a section's final record, plus 2 in the manifest section: a record
cannot move between the body and the manifest (nor can a nonce repeat). Binding the
counter and the final flag into every record means a reordered, dropped, duplicated or
truncated record is detected, and the header digest keeps records of another archive
out. Each section has exactly one final record; the body ends exactly where the locator
says the manifest starts, and the manifest ends at the end of the file.

The locator is the only part written after the rest (the writer patches it before the
fsync): the header digest, bound into every record, cannot cover it. It needs no more
than its short checksum against accidental damage: the manifest it points to is
authenticated by its own records and by the store key's HMAC, so a forged locator finds
nothing that authenticates.

Format 1 (itplus before the manifest section) has no locator; its manifest is the tar's
last member. It stays readable: ``ArchiveReader.manifest`` is None and the reader of the
backup (``verify.py``) reads the stream twice, the first time only for the manifest.

Writers write ``<name>.tmp`` in the destination folder, fsync it, rename it and fsync the
folder: an interrupted backup never has the final name.
"""

from __future__ import annotations

import errno
import hashlib
import hmac
import io
import json
import os
import secrets
import struct
import tarfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import zstandard
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from django.utils.translation import gettext as _

MAGIC = b"ITPBAK\r\n"
FORMAT_VERSION = 2
# The first format whose header locates a manifest section (format 1: last tar member).
LOCATED_MANIFEST = 2
SUFFIX = ".itpbak"
TMP_SUFFIX = ".tmp"
CHUNK_SIZE = 1 << 20
MAX_HEADER = 64 * 1024
FINAL_FLAG = 0x8000_0000
DEFAULT_LEVEL = 3
# Argon2id: 64 MiB, 3 passes (RFC 9106's second recommended option); ~0.2 s here.
KDF_DEFAULTS = {"memory_kib": 64 * 1024, "iterations": 3, "lanes": 4}
# A crafted header must not make us allocate gigabytes before anything is checked.
KDF_MAX_MEMORY_KIB = 1024 * 1024
_SHA = 32
_TAG = 16
LOCATOR_SIZE = 24
_LOCATOR_DOMAIN = b"itplus-manifest-locator\n"
_SECTION = 2  # flags bit of the manifest section's records
# The signed manifest document (every member's hash, every table's digest): a year of a
# busy store is ~100 KiB; past this it is not ours.
MAX_MANIFEST = 16 * 1024 * 1024


class ArchiveError(Exception):
    """The archive cannot be read as a good backup; ``str(exc)`` is a Spanish reason."""


class PassphraseError(ArchiveError):
    """Missing or wrong passphrase (the file itself may be fine)."""


class UnsupportedArchive(ArchiveError):
    """Made by a newer itplus (format we do not know): refused before touching anything."""


class OversizedArchive(ArchiveError):
    """The stream holds more than the manifest declares: reading stopped there."""


@dataclass(frozen=True)
class Header:
    fields: dict[str, Any]
    raw: bytes  # magic + length + JSON, exactly as stored
    digest: bytes  # SHA-256 of ``raw``; bound into every record and the manifest
    # (offset, length) of the manifest section; None in format 1
    locator: tuple[int, int] | None = None

    @property
    def encrypted(self) -> bool:
        return bool(self.fields.get("encryption"))

    @property
    def located(self) -> bool:
        """The manifest is a section the header locates (format 2 on)."""
        return int(self.fields.get("format", 0)) >= LOCATED_MANIFEST

    @property
    def size(self) -> int:
        """Where the body records start."""
        return len(self.raw) + _SHA + (LOCATOR_SIZE if self.located else 0)


@dataclass(frozen=True)
class MemberDigest:
    sha256: str
    size: int


# --- key derivation --------------------------------------------------------------------


def _derive_key(passphrase: str, params: dict[str, Any]) -> bytes:
    return Argon2id(
        salt=bytes.fromhex(params["salt"]),
        length=32,
        iterations=int(params["iterations"]),
        lanes=int(params["lanes"]),
        memory_cost=int(params["memory_kib"]),
    ).derive(passphrase.encode("utf-8"))


def _key_check(key: bytes) -> str:
    # Lets us tell "wrong passphrase" (exit 2) from "damaged record" (exit 1).
    return hmac.new(key, b"itplus-passphrase-check", hashlib.sha256).hexdigest()[:32]


def new_header_fields(
    *, archive_id: str, created_at: str, store: str, app_version: str, passphrase: str | None
) -> tuple[dict[str, Any], bytes | None]:
    """Header fields for a new archive and, if encrypted, the derived AEAD key."""
    fields: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "archive_id": archive_id,
        "created_at": created_at,
        "store": store,
        "app_version": app_version,
        "compression": "zstd",
        "chunk_size": CHUNK_SIZE,
        "encryption": None,
    }
    if passphrase is None:
        return fields, None
    params: dict[str, Any] = {
        "cipher": "AES-256-GCM",
        "kdf": "argon2id",
        "salt": secrets.token_hex(16),
        **KDF_DEFAULTS,
        "nonce_prefix": secrets.token_hex(7),
    }
    key = _derive_key(passphrase, params)
    params["check"] = _key_check(key)
    fields["encryption"] = params
    return fields, key


# --- header ----------------------------------------------------------------------------


def _encode_header(fields: dict[str, Any]) -> bytes:
    body = json.dumps(fields, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return MAGIC + struct.pack(">I", len(body)) + body


def _read_exact(fh: IO[bytes], n: int) -> bytes:
    data = fh.read(n)
    if len(data) != n:
        raise ArchiveError(_("El archivo está truncado (termina antes de lo esperado)."))
    return data


def read_header(fh: IO[bytes]) -> Header:
    """Read and check the clear header (does not need the passphrase)."""
    magic = fh.read(len(MAGIC))
    if magic != MAGIC:
        raise ArchiveError(_("No es un respaldo de itplus (firma inicial desconocida o dañada)."))
    length_bytes = _read_exact(fh, 4)
    (length,) = struct.unpack(">I", length_bytes)
    if length > MAX_HEADER:
        raise ArchiveError(_("El encabezado del respaldo está dañado (largo imposible)."))
    body = _read_exact(fh, length)
    stored = _read_exact(fh, _SHA)
    raw = magic + length_bytes + body
    digest = hashlib.sha256(raw).digest()
    if not hmac.compare_digest(digest, stored):
        raise ArchiveError(_("El encabezado del respaldo está dañado (suma de verificación)."))
    try:
        fields = json.loads(body)
    except ValueError:
        raise ArchiveError(_("El encabezado del respaldo está dañado (no es JSON)."))
    if not isinstance(fields, dict) or not isinstance(fields.get("format"), int):
        raise ArchiveError(_("El encabezado del respaldo está dañado (sin versión de formato)."))
    if fields["format"] > FORMAT_VERSION:
        raise UnsupportedArchive(
            _(
                "El respaldo usa el formato %(found)s, más nuevo que el que conoce esta versión "
                "de itplus (%(known)s). Actualice itplus antes de usarlo."
            )
            % {"found": fields["format"], "known": FORMAT_VERSION}
        )
    header = Header(fields=fields, raw=raw, digest=digest)
    if not header.located:
        return header
    offset, length, check = struct.unpack(">QQ8s", _read_exact(fh, LOCATOR_SIZE))
    if not hmac.compare_digest(check, _locator_check(digest, offset, length)):
        raise ArchiveError(
            _("El encabezado del respaldo está dañado (la ubicación del manifiesto no cuadra).")
        )
    if offset < header.size or not 0 < length <= _section_max():
        raise ArchiveError(_("El encabezado del respaldo está dañado (manifiesto imposible)."))
    return Header(fields=fields, raw=raw, digest=digest, locator=(offset, length))


def _locator_check(header_digest: bytes, offset: int, length: int) -> bytes:
    return hashlib.sha256(
        _LOCATOR_DOMAIN + header_digest + struct.pack(">QQ", offset, length)
    ).digest()[:8]


def _locator(header_digest: bytes, offset: int, length: int) -> bytes:
    return struct.pack(">QQ", offset, length) + _locator_check(header_digest, offset, length)


def _section_max() -> int:
    """Largest manifest section on disk: the document plus one frame per record."""
    return MAX_MANIFEST + (MAX_MANIFEST // CHUNK_SIZE + 2) * (4 + _SHA)


def read_header_file(path: Path) -> Header:
    with path.open("rb") as fh:
        return read_header(fh)


# --- records ---------------------------------------------------------------------------


def _plain_tag(header_digest: bytes, counter: int, flags: int, piece: bytes) -> bytes:
    h = hashlib.sha256(header_digest)
    h.update(struct.pack(">QB", counter, flags))
    h.update(piece)
    return h.digest()


def _nonce(prefix: bytes, counter: int, flags: int) -> bytes:
    if counter >= 1 << 32:
        raise ArchiveError(_("El respaldo es demasiado grande para un solo archivo."))
    return prefix + struct.pack(">IB", counter, flags)


class _RecordSink(io.RawIOBase):
    """Write side: buffers bytes and emits checksummed or encrypted records."""

    def __init__(self, fh: IO[bytes], header: Header, key: bytes | None, *, section: int = 0):
        self._fh = fh
        self._digest = header.digest
        self._aead = AESGCM(key) if key else None
        enc = header.fields.get("encryption") or {}
        self._prefix = bytes.fromhex(enc["nonce_prefix"]) if key else b""
        self._section = section
        self._buf = bytearray()
        self._counter = 0
        self._finished = False

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        self._buf += data
        # Keep at least one byte buffered: only finish() knows which record is final.
        while len(self._buf) > CHUNK_SIZE:
            self._emit(bytes(self._buf[:CHUNK_SIZE]), final=False)
            del self._buf[:CHUNK_SIZE]
        return len(data)

    def _emit(self, piece: bytes, *, final: bool) -> None:
        flags = self._section | final
        if self._aead is not None:
            body = self._aead.encrypt(
                _nonce(self._prefix, self._counter, flags), piece, self._digest
            )
        else:
            body = piece + _plain_tag(self._digest, self._counter, flags, piece)
        self._fh.write(struct.pack(">I", len(body) | (FINAL_FLAG if final else 0)))
        self._fh.write(body)
        self._counter += 1

    def finish(self) -> None:
        if not self._finished:
            self._emit(bytes(self._buf), final=True)
            self._buf.clear()
            self._finished = True


class _RecordSource(io.RawIOBase):
    """Read side: checks every record (or decrypts it) before handing out its bytes."""

    def __init__(
        self,
        fh: IO[bytes],
        header: Header,
        key: bytes | None,
        *,
        section: int = 0,
        end: int | None = None,
    ):
        self._fh = fh
        self._digest = header.digest
        self._aead = AESGCM(key) if key else None
        enc = header.fields.get("encryption") or {}
        self._prefix = bytes.fromhex(enc["nonce_prefix"]) if key else b""
        self._max_body = CHUNK_SIZE + (_TAG if key else _SHA)
        self._section = section
        self._end = end  # offset where the records must stop (None: the end of the file)
        self._start = header.size if not section else 0
        self._piece = memoryview(b"")
        self._counter = 0
        self._seen_final = False
        self.bytes_read = 0

    def _what(self) -> str:
        return _("del manifiesto") if self._section else _("del respaldo")

    def readable(self) -> bool:
        return True

    def _next_record(self) -> bool:
        if self._seen_final:
            return False
        head = self._fh.read(4)
        if len(head) != 4 and self._section:  # the section's length is the locator's
            raise ArchiveError(
                _("El manifiesto del respaldo está dañado (termina antes de su bloque final).")
            )
        if len(head) != 4:
            raise ArchiveError(
                _(
                    "El archivo está truncado: termina en el bloque %(n)s %(what)s, antes del "
                    "bloque final."
                )
                % {"n": self._counter + 1, "what": self._what()}
            )
        (word,) = struct.unpack(">I", head)
        final = bool(word & FINAL_FLAG)
        length = word & ~FINAL_FLAG
        names = {"n": self._counter + 1, "what": self._what()}
        if length > self._max_body or length < (_TAG if self._aead else _SHA):
            raise ArchiveError(_("El bloque %(n)s %(what)s está dañado (largo imposible).") % names)
        body = self._fh.read(length)
        if len(body) != length and self._section:
            raise ArchiveError(_("El bloque %(n)s %(what)s está dañado (largo imposible).") % names)
        if len(body) != length:
            raise ArchiveError(
                _("El archivo está truncado: el bloque %(n)s %(what)s está incompleto.") % names
            )
        flags = self._section | final
        if self._aead is not None:
            try:
                piece = self._aead.decrypt(
                    _nonce(self._prefix, self._counter, flags), body, self._digest
                )
            except InvalidTag:
                raise ArchiveError(
                    _(
                        "El bloque %(n)s %(what)s está dañado o fue alterado "
                        "(falla la autenticación del cifrado)."
                    )
                    % names
                )
        else:
            piece, tag = body[:-_SHA], body[-_SHA:]
            if not hmac.compare_digest(tag, _plain_tag(self._digest, self._counter, flags, piece)):
                raise ArchiveError(
                    _("El bloque %(n)s %(what)s está dañado (suma de verificación).") % names
                )
        self.bytes_read += 4 + length
        self._counter += 1
        self._seen_final = final
        self._piece = memoryview(piece)
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        while not self._piece:
            if not self._next_record():
                return 0
        n = min(len(buffer), len(self._piece))
        buffer[:n] = self._piece[:n]
        self._piece = self._piece[n:]
        return n

    def finish(self) -> None:
        """After the payload: the final record was seen and nothing follows it."""
        while self._next_record() or self._piece:
            self._piece = memoryview(b"")
        if self._end is not None:
            if self._start + self.bytes_read != self._end:
                raise ArchiveError(
                    _("Hay datos extra entre el contenido y el manifiesto del respaldo (alterado).")
                )
        elif self._fh.read(1):
            raise ArchiveError(_("Hay datos extra después del final del respaldo (alterado)."))


# --- writer ----------------------------------------------------------------------------


def compressor(level: int = DEFAULT_LEVEL) -> zstandard.ZstdCompressor:
    """The archive's zstd settings (the benchmark's baseline compresses with these too)."""
    threads = min(4, os.cpu_count() or 1)
    return zstandard.ZstdCompressor(
        level=level, write_checksum=True, threads=threads if threads > 1 else 0
    )


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # Windows cannot open a directory; NTFS renames are journaled
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def tmp_path_for(final: Path) -> Path:
    return final.with_name(final.name + TMP_SUFFIX)


class ArchiveWriter:
    """Streams members into ``<final>.tmp``; ``commit()`` makes it appear as ``final``.

    Use as a context manager: leaving the block without ``commit()`` (an exception) deletes
    the temporary file.
    """

    def __init__(
        self,
        final: Path,
        *,
        header_fields: dict[str, Any],
        key: bytes | None = None,
        level: int = DEFAULT_LEVEL,
    ):
        if bool(header_fields.get("encryption")) != (key is not None):
            raise ValueError("an encrypted header needs its key, a plain one none")
        if int(header_fields.get("format", 0)) < LOCATED_MANIFEST:
            raise ValueError("this writer writes archives with a located manifest only")
        self.final = final
        self.tmp = tmp_path_for(final)
        self.header = Header(
            fields=header_fields,
            raw=(raw := _encode_header(header_fields)),
            digest=hashlib.sha256(raw).digest(),
        )
        self._key = key
        self._fh = self.tmp.open("xb")
        try:
            # The locator is patched by commit(), once the manifest's place is known.
            self._fh.write(self.header.raw + self.header.digest + bytes(LOCATOR_SIZE))
            self._sink = _RecordSink(self._fh, self.header, key)
            self._zw = compressor(level).stream_writer(self._sink, closefd=False)
            self._offset = 0  # bytes of tar written
        except BaseException:
            self.abort()
            raise
        self._committed = False

    def __enter__(self) -> ArchiveWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if not self._committed:
            self.abort()

    def _info(self, name: str, size: int, mtime: float) -> tarfile.TarInfo:
        info = tarfile.TarInfo(name)
        info.size = size
        info.mtime = int(mtime)
        info.mode = 0o644
        return info

    # The tar stream is written here rather than by ``tarfile``: its stream mode hands the
    # compressor 10 KiB at a time, which cost a quarter of a backup's time. Same bytes out
    # (PAX headers from TarInfo, 512-byte blocks, two zero blocks and record padding at
    # the end), read back with ``tarfile``.

    def _write(self, data) -> None:
        self._zw.write(data)
        self._offset += len(data)

    def _pad(self) -> None:
        if rest := self._offset % tarfile.BLOCKSIZE:
            self._write(bytes(tarfile.BLOCKSIZE - rest))

    def add_file(
        self, name: str, path: Path, *, head: Callable[[memoryview], None] | None = None
    ) -> MemberDigest:
        """Add the file; ``head`` may rewrite its first bytes in the archived copy (the
        digest is of what is archived)."""
        with path.open("rb", buffering=0) as src:
            stat = os.fstat(src.fileno())
            size = stat.st_size
            self._write(self._info(name, size, stat.st_mtime).tobuf(tarfile.PAX_FORMAT))
            sha = hashlib.sha256()
            buffer = bytearray(CHUNK_SIZE)
            view = memoryview(buffer)
            left = size
            while left:
                n = src.readinto(view[: min(left, CHUNK_SIZE)])
                if not n:  # the file shrank while we read it
                    raise OSError(
                        errno.EIO,
                        _("El archivo %(n)s cambió mientras se respaldaba.") % {"n": name},
                    )
                if head is not None and left == size:
                    head(view[:n])
                sha.update(view[:n])
                self._write(view[:n])
                left -= n
            self._pad()
        return MemberDigest(sha256=sha.hexdigest(), size=size)

    def add_bytes(self, name: str, data: bytes, *, mtime: float | None = None) -> MemberDigest:
        self._write(self._info(name, len(data), mtime or time.time()).tobuf(tarfile.PAX_FORMAT))
        self._write(data)
        self._pad()
        return MemberDigest(sha256=hashlib.sha256(data).hexdigest(), size=len(data))

    def commit(self, *, manifest: bytes) -> Path:
        """Finish the stream, write the manifest section and its locator, fsync, rename to
        the final name, fsync the folder."""
        if len(manifest) > MAX_MANIFEST:
            raise ValueError("manifest too large")
        try:
            self._write(bytes(2 * tarfile.BLOCKSIZE))  # end of archive
            if rest := self._offset % tarfile.RECORDSIZE:
                self._write(bytes(tarfile.RECORDSIZE - rest))
            self._zw.flush(zstandard.FLUSH_FRAME)
            self._zw.close()
            self._sink.finish()
            self._fh.flush()
            start = self._fh.tell()
            section = _RecordSink(self._fh, self.header, self._key, section=_SECTION)
            section.write(manifest)
            section.finish()
            self._fh.flush()
            length = self._fh.tell() - start
            self._fh.seek(len(self.header.raw) + _SHA)
            self._fh.write(_locator(self.header.digest, start, length))
            self._fh.seek(0, os.SEEK_END)
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            if self.final.exists():
                raise FileExistsError(self.final)
            os.replace(self.tmp, self.final)
            _fsync_dir(self.final.parent)
        except BaseException:
            self.abort()
            raise
        self._committed = True
        return self.final

    def abort(self) -> None:
        try:
            self._fh.close()
        except OSError:
            pass
        self.tmp.unlink(missing_ok=True)


# --- reader ----------------------------------------------------------------------------


class _HashingReader(io.RawIOBase):
    """Reads ``fh`` from where it is, hashing every byte handed out (the whole file's
    SHA-256 is then of exactly the bytes that were checked)."""

    def __init__(self, fh: IO[bytes]):
        self._fh = fh
        self.sha = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = self._fh.readinto(buffer)
        if n:
            self.sha.update(memoryview(buffer)[:n])
        return n or 0


class _Limited(io.RawIOBase):
    """The decompressed tar stream, stopped past ``limit`` bytes (a bomb stops here,
    whatever the tar headers say)."""

    def __init__(self, raw: IO[bytes], limit: int | None):
        self._raw = raw
        self._limit = limit
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = self._raw.readinto(buffer)
        self.count += n or 0
        if self._limit is not None and self.count > self._limit:
            raise OversizedArchive(
                _(
                    "El contenido del respaldo es más grande que lo que declara su manifiesto "
                    "(más de %(limit)s): respaldo alterado; se detuvo la lectura sin extraer "
                    "el resto."
                )
                % {"limit": human_size(self._limit)}
            )
        return n or 0


def human_size(n: int) -> str:
    """A size as a Spanish reader writes it: 1,5 MiB."""
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            break
        value /= 1024
    text = f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
    return text.replace(".", ",")


class ArchiveReader:
    """Reads an archive: its manifest section first (``manifest``), then member by member,
    checking every record on the way.

    ``manifest`` is the manifest section's bytes (format 2 on; None for format 1, whose
    manifest is the tar's last member), read and checked when the reader opens — before
    any member. ``members()`` yields (TarInfo, stream) in archive order; the stream must
    be consumed before asking for the next member; with ``limit``, more than that many
    bytes of tar stream stop the reading (``OversizedArchive``). At the end it checks the
    records' end (one final record, nothing after it but the manifest section) and sets
    ``file_sha256``, the SHA-256 of the whole file as read.
    """

    def __init__(self, path: Path, *, passphrase: str | None = None):
        self.path = path
        self.file_sha256 = ""
        self._fh = path.open("rb")
        try:
            self._hashing = _HashingReader(self._fh)
            self.header = read_header(self._hashing)
            key = self._key(passphrase)
            self.manifest: bytes | None = None
            self._section_raw = b""
            end = None
            if self.header.locator is not None:
                self.manifest = self._read_manifest_section(key)
                end = self.header.locator[0]
                self._fh.seek(self.header.size)
            self._source = _RecordSource(self._hashing, self.header, key, end=end)
        except BaseException:
            self._fh.close()
            raise

    def _read_manifest_section(self, key: bytes | None) -> bytes:
        offset, length = self.header.locator or (0, 0)
        size = os.fstat(self._fh.fileno()).st_size
        if offset + length > size:
            raise ArchiveError(
                _("El archivo está truncado: termina antes del final del manifiesto.")
            )
        if offset + length < size:
            raise ArchiveError(_("Hay datos extra después del final del respaldo (alterado)."))
        self._fh.seek(offset)
        raw = _read_exact(self._fh, length)
        source = _RecordSource(io.BytesIO(raw), self.header, key, section=_SECTION)
        data = io.BufferedReader(source, CHUNK_SIZE).read(MAX_MANIFEST + 1)
        if len(data) > MAX_MANIFEST:
            raise ArchiveError(_("El manifiesto del respaldo es demasiado grande (alterado)."))
        source.finish()
        self._section_raw = raw
        return data

    def _key(self, passphrase: str | None) -> bytes | None:
        enc = self.header.fields.get("encryption")
        if not enc:
            return None
        if enc.get("cipher") != "AES-256-GCM" or enc.get("kdf") != "argon2id":
            raise UnsupportedArchive(_("El respaldo usa un cifrado desconocido."))
        if passphrase is None:
            raise PassphraseError(_("El respaldo está cifrado: indique la frase de paso."))
        if not 8 <= int(enc["memory_kib"]) <= KDF_MAX_MEMORY_KIB:
            raise ArchiveError(_("El encabezado del respaldo tiene parámetros imposibles."))
        key = _derive_key(passphrase, enc)
        if not hmac.compare_digest(_key_check(key), str(enc.get("check", ""))):
            raise PassphraseError(_("La frase de paso no es la de este respaldo."))
        return key

    def __enter__(self) -> ArchiveReader:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close()

    def close(self) -> None:
        self._fh.close()

    def members(
        self, *, limit: int | None = None
    ) -> Iterator[tuple[tarfile.TarInfo, IO[bytes] | None]]:
        zr = zstandard.ZstdDecompressor().stream_reader(
            io.BufferedReader(self._source, CHUNK_SIZE), read_size=CHUNK_SIZE, closefd=False
        )
        stream = io.BufferedReader(_Limited(zr, limit), CHUNK_SIZE)
        try:
            with tarfile.open(fileobj=stream, mode="r|", copybufsize=CHUNK_SIZE) as tar:
                for info in tar:
                    yield info, tar.extractfile(info) if info.isfile() else None
                # Drain the tar's padding and the zstd frame end, then the records' end.
                while stream.read(CHUNK_SIZE):
                    pass
            self._source.finish()
        except zstandard.ZstdError as exc:
            raise ArchiveError(
                _("Los datos comprimidos del respaldo están dañados (%(detail)s).")
                % {"detail": exc}
            )
        except tarfile.TarError as exc:
            raise ArchiveError(
                _("El contenido del respaldo está dañado (%(detail)s).") % {"detail": exc}
            )
        self._hashing.sha.update(self._section_raw)
        self.file_sha256 = self._hashing.sha.hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a whole file, read in 1 MiB pieces."""
    sha = hashlib.sha256()
    with path.open("rb", buffering=0) as fh:
        buffer = bytearray(CHUNK_SIZE)
        view = memoryview(buffer)
        while n := fh.readinto(buffer):
            sha.update(view[:n])
    return sha.hexdigest()
