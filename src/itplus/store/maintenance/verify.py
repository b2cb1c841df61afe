"""Verify a backup by reading all of it: a table of contents is not a check.

A backup is untrusted input (it may come from a USB stick, a cloud folder or an
attacker), so nothing is written before the manifest is authenticated, and nothing more
than the manifest declares is ever written. In order:

1. The clear header, then the manifest: the manifest section the header locates (read
   and checked record by record), or for a format-1 archive a first pass over the whole
   stream that writes nothing and keeps only ``manifest.json`` (and the key member of an
   encrypted archive).
2. The manifest's HMAC with the store's key and its binding to this archive (header
   digest, archive id), its format and the declared members: safe names, sizes that add
   up to no more than ``MAX_CONTENT_BYTES`` and that fit in the scratch folder's free
   space. Any failure here stops before a byte is extracted.
3. The members, streamed into a scratch folder: a member the manifest does not list is
   not written, one larger than its declared size stops the reading, and the tar stream
   itself is stopped past the declared sizes plus its headers (a decompression bomb).
   Then every member's SHA-256 against the manifest.
4. The database restored into a scratch location — SQLite's ``integrity_check`` and
   ``foreign_key_check``, or ``pg_restore --exit-on-error`` into a scratch PostgreSQL
   database — its content digest and row counts table by table against the manifest, the
   chain heads, and finally the audit (hash chains and business invariants) on that
   scratch copy.

Problems are collected rather than stopping at the first, so the report says everything
that is wrong (a changed sale total shows as a file hash mismatch, a digest mismatch on
``sales_sale`` *and* the audit naming the document). An unreadable stream, a manifest
that does not authenticate and a member over its declared size stop early. The scratch
folder is removed on every way out (errors and Ctrl+C included); one left by a killed
process is removed by the next backup or check.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tarfile
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError
from django.utils.translation import gettext as _

from itplus.core.audit import run_audit
from itplus.store.maintenance import archive, dbcopy, digest, keys
from itplus.store.maintenance.backup import KEY_MEMBER, MANIFEST
from itplus.store.maintenance.backup_folder import (
    VERIFY_FOLDER_PREFIX,
    backup_list,
    clean_stale_work_folders,
)
from itplus.store.maintenance.backup_status import (
    STATUS_BAD,
    STATUS_OK,
    STATUS_PASSPHRASE,
    record_status,
)
from itplus.store.sales.selectors import series_chain_heads

CONTENT_DIR = "contenido"
MEMBER_ROOTS = frozenset({"db", "config", "reports", "media", "keys"})
# Whatever a manifest declares, a check never extracts more than this (a year of a busy
# store is ~350 MB of database); and never more than the scratch disk can hold with
# FREE_SPACE_RESERVE to spare.
MAX_CONTENT_BYTES = 64 * 1024**3
FREE_SPACE_RESERVE = 256 * 1024**2
# What the tar stream may hold besides the declared bytes: a member's headers (PAX
# included) and padding; members the manifest does not list are read, not written, up to
# UNLISTED_BYTES in all.
MEMBER_OVERHEAD = 8 * tarfile.BLOCKSIZE
UNLISTED_BYTES = 1024 * 1024
MAX_KEY_MEMBER = 1024


@dataclass
class VerifyResult:
    path: Path
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    credential_missing: str = ""  # passphrase/key missing or wrong: exit code 2
    header: dict[str, Any] | None = None
    manifest: dict[str, Any] | None = None
    key_source: str = ""
    tables: dict[str, digest.TableDigest] | None = None
    audit: dict[str, Any] | None = None
    newer_version: bool = False
    seconds: float = 0.0
    staged: Path | None = None  # the extracted folder, when the caller asked to keep it
    file_sha256: str = ""  # of the whole file, as read by the check (when read to the end)
    # More than the manifest declares: the reading stopped, nothing of it may be restored
    # (not even with --force).
    oversized: bool = False

    @property
    def status(self) -> str:
        if self.problems:
            return STATUS_BAD
        if self.credential_missing:
            return STATUS_PASSPHRASE
        return STATUS_OK

    @property
    def ok(self) -> bool:
        return self.status == STATUS_OK

    @property
    def reason(self) -> str:
        if self.problems:
            return self.problems[0]
        return self.credential_missing

    @property
    def content_dir(self) -> Path | None:
        return self.staged / CONTENT_DIR if self.staged else None

    def as_dict(self) -> dict[str, Any]:
        manifest = self.manifest or {}
        return {
            "file": str(self.path),
            "status": self.status,
            "ok": self.ok,
            "reason": self.reason,
            "problems": self.problems,
            "warnings": self.warnings,
            "encrypted": bool((self.header or {}).get("encryption")),
            "created_at": manifest.get("created_at") or (self.header or {}).get("created_at"),
            "app_version": manifest.get("app_version"),
            "engine": manifest.get("database", {}).get("engine"),
            "content_digest": manifest.get("content_digest"),
            "key_source": self.key_source,
            "audit": self.audit,
            "seconds": round(self.seconds, 3),
        }


def _safe_member(name: str) -> bool:
    path = PurePosixPath(name)
    return (
        not path.is_absolute()
        and len(path.parts) >= 2
        and path.parts[0] in MEMBER_ROOTS
        and ".." not in path.parts
        and "\\" not in name
        and ":" not in name
    )


@dataclass
class _Front:
    """What is read before anything is extracted."""

    raw: bytes  # the manifest document's bytes
    document: dict[str, Any] | None  # None: missing or unreadable
    embedded_key: bytes | None  # the key an encrypted archive carries (authenticated by it)


@dataclass
class _Plan:
    """What the authenticated manifest allows to be written."""

    files: dict[str, archive.MemberDigest]
    stream_limit: int


def _parse_front(raw: bytes | None, embedded: bytes | None = None) -> _Front:
    try:
        document = json.loads(raw) if raw else None
    except ValueError:
        document = None
    if not isinstance(document, dict) or not isinstance(document.get("manifest"), dict):
        document = {} if raw else None
    if embedded is None and document and isinstance(document.get("key"), str):
        embedded = document["key"].encode("ascii", "replace")
    return _Front(raw=raw or b"", document=document, embedded_key=embedded)


def _front_of_old_layout(reader: archive.ArchiveReader) -> _Front:
    """Format 1: the manifest is the tar's last member. One pass over the stream that
    writes nothing (members are decompressed and dropped) and keeps the manifest and the
    key member; a second pass extracts once the manifest is authenticated."""
    raw = embedded = None
    for info, stream in reader.members(limit=MAX_CONTENT_BYTES):
        if stream is None:
            continue
        if info.name == MANIFEST:
            raw = stream.read(archive.MAX_MANIFEST + 1)
            if len(raw) > archive.MAX_MANIFEST:
                raise archive.ArchiveError(
                    _("El manifiesto del respaldo es demasiado grande (alterado).")
                )
        elif info.name == KEY_MEMBER and info.size <= MAX_KEY_MEMBER:
            embedded = stream.read(MAX_KEY_MEMBER)
    return _parse_front(raw, embedded)


def _plan(result: VerifyResult, manifest: dict[str, Any], workdir: Path) -> _Plan | None:
    """The declared members, if they may be extracted here (else problems, None)."""
    listed = manifest.get("files")
    if not isinstance(listed, dict):
        result.problems.append(_("El manifiesto no lista los archivos del respaldo."))
        return None
    files: dict[str, archive.MemberDigest] = {}
    for name, entry in sorted(listed.items()):
        size = entry.get("size") if isinstance(entry, dict) else None
        sha = entry.get("sha256") if isinstance(entry, dict) else None
        if not _safe_member(name):
            result.problems.append(
                _("Nombre de archivo no permitido en el manifiesto: %(name)s") % {"name": name}
            )
        elif type(size) is not int or size < 0 or not isinstance(sha, str):
            result.problems.append(
                _("El manifiesto declara un tamaño imposible para %(name)s.") % {"name": name}
            )
        else:
            files[name] = archive.MemberDigest(sha256=sha, size=size)
    if len(files) != len(listed):
        return None
    total = sum(d.size for d in files.values())
    if total > MAX_CONTENT_BYTES:
        result.problems.append(
            _(
                "El manifiesto declara %(size)s de contenido, más que el máximo que itplus "
                "acepta revisar (%(max)s): respaldo alterado; no se extrajo nada."
            )
            % {"size": archive.human_size(total), "max": archive.human_size(MAX_CONTENT_BYTES)}
        )
        return None
    free = shutil.disk_usage(workdir).free
    if total + FREE_SPACE_RESERVE > free:
        result.problems.append(
            _(
                "No hay espacio para revisar el respaldo en %(folder)s: su contenido ocupa "
                "%(size)s y quedan %(free)s libres. Libere espacio; no se extrajo nada."
            )
            % {
                "folder": workdir.parent,
                "size": archive.human_size(total),
                "free": archive.human_size(free),
            }
        )
        return None
    limit = (
        sum(-(-d.size // tarfile.BLOCKSIZE) * tarfile.BLOCKSIZE for d in files.values())
        + (len(files) + 2) * MEMBER_OVERHEAD
        + archive.MAX_MANIFEST  # format 1: the manifest is in the stream too
        + UNLISTED_BYTES
        + tarfile.RECORDSIZE
    )
    return _Plan(files=files, stream_limit=limit)


def _sizes(name: str, size: int, declared: int) -> dict[str, str]:
    """The two sizes for a message, in bytes when the short forms would read the same."""
    found, wanted = archive.human_size(size), archive.human_size(declared)
    if found == wanted:
        found, wanted = (f"{n:,} bytes".replace(",", ".") for n in (size, declared))
    return {"name": name, "size": found, "declared": wanted}


def _copy(stream: IO[bytes], dest: Path, size: int) -> archive.MemberDigest:
    """Write at most ``size`` bytes of ``stream`` to ``dest``."""
    sha = hashlib.sha256()
    written = 0
    with dest.open("wb") as out:
        while written < size and (block := stream.read(min(archive.CHUNK_SIZE, size - written))):
            sha.update(block)
            written += len(block)
            out.write(block)
    return archive.MemberDigest(sha256=sha.hexdigest(), size=written)


def _extract(
    result: VerifyResult,
    reader: archive.ArchiveReader,
    content: Path,
    plan: _Plan,
    front: _Front,
) -> dict[str, archive.MemberDigest]:
    """Stream the declared members into ``content``: never a member the manifest does not
    list, never more bytes than it declares."""
    seen: dict[str, archive.MemberDigest] = {}
    old_layout = reader.manifest is None
    manifest_seen = False
    unlisted = 0
    for info, stream in reader.members(limit=plan.stream_limit):
        name = info.name
        if manifest_seen:
            result.problems.append(
                _("Hay contenido después del manifiesto (%(name)s): respaldo alterado.")
                % {"name": name}
            )
        if stream is None:
            if not info.isdir():
                result.problems.append(
                    _("Elemento no permitido en el respaldo: %(name)s") % {"name": name}
                )
            continue
        if old_layout and name == MANIFEST and not manifest_seen:
            manifest_seen = True
            if stream.read(archive.MAX_MANIFEST + 1) != front.raw:
                raise archive.ArchiveError(
                    _("El respaldo cambió mientras se revisaba (el manifiesto no es el mismo).")
                )
            continue
        declared = plan.files.get(name)
        if name in seen or name == MANIFEST:
            result.problems.append(_("El archivo %(name)s aparece dos veces.") % {"name": name})
        elif not _safe_member(name):
            result.problems.append(
                _("Nombre de archivo no permitido en el respaldo: %(name)s") % {"name": name}
            )
        elif declared is None:
            result.problems.append(
                _("El archivo %(name)s no figura en el manifiesto: respaldo alterado.")
                % {"name": name}
            )
        elif info.size > declared.size:
            raise archive.OversizedArchive(
                _(
                    "El archivo %(name)s ocupa %(size)s en el respaldo, pero el manifiesto "
                    "declara %(declared)s: respaldo alterado (posible bomba de "
                    "descompresión); se detuvo la lectura sin extraerlo."
                )
                % _sizes(name, info.size, declared.size)
            )
        else:
            dest = content / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            seen[name] = _copy(stream, dest, declared.size)
            continue
        # Not written: read past it, within a small allowance.
        unlisted += info.size
        if unlisted > UNLISTED_BYTES:
            raise archive.OversizedArchive(
                _(
                    "El respaldo contiene más de %(max)s en archivos que su manifiesto no "
                    "declara: respaldo alterado; se detuvo la lectura."
                )
                % {"max": archive.human_size(UNLISTED_BYTES)}
            )
    if old_layout and not manifest_seen:
        raise archive.ArchiveError(
            _("El respaldo cambió mientras se revisaba (falta el manifiesto).")
        )
    result.file_sha256 = reader.file_sha256
    return seen


def _resolve_key(
    result: VerifyResult,
    manifest: dict[str, Any],
    mac: str,
    key: bytes | None,
    embedded: bytes | None,
) -> None:
    """Check the manifest's HMAC with the right key (see ``keys.py`` for the order)."""
    signed_by = str(manifest.get("key_id", "?"))
    if key is not None:
        result.key_source = "indicada"
        if not keys.manifest_mac_ok(manifest, mac, key):
            result.problems.append(
                _(
                    "La firma del manifiesto no coincide con la clave indicada (huella "
                    "%(given)s; el respaldo dice %(signed)s): manifiesto alterado o clave de "
                    "otra tienda."
                )
                % {"given": keys.key_id(key), "signed": signed_by}
            )
        return
    home_key = keys.load_backup_key(Path(settings.ITPLUS_HOME))
    if home_key is not None and keys.manifest_mac_ok(manifest, mac, home_key):
        result.key_source = "instalación"
        return
    if result.header and result.header.get("encryption") and embedded is not None:
        try:
            archive_key = keys.parse_key(embedded.decode("ascii"))
        except (ValueError, UnicodeDecodeError):
            archive_key = None
        if archive_key is not None and keys.manifest_mac_ok(manifest, mac, archive_key):
            result.key_source = "respaldo"
            if home_key is not None:
                result.warnings.append(
                    _(
                        "Firmado con la clave guardada en el respaldo cifrado (huella %(kid)s), "
                        "distinta de la de esta instalación."
                    )
                    % {"kid": keys.key_id(archive_key)}
                )
            return
        result.problems.append(
            _("La firma del manifiesto no es válida: el manifiesto fue alterado.")
        )
        return
    if home_key is None:
        result.credential_missing = _(
            "No se puede comprobar la firma del manifiesto: falta la clave de respaldo de la "
            "tienda. Indíquela con --key (hoja de recuperación)."
        )
        return
    result.problems.append(
        _(
            "La firma del manifiesto no coincide con la clave de esta tienda (huella %(ours)s; "
            "el respaldo dice %(signed)s): manifiesto alterado, copiado de otro respaldo o de "
            "otra tienda. Si el respaldo es de otra tienda, use --key con su hoja de "
            "recuperación."
        )
        % {"ours": keys.key_id(home_key), "signed": signed_by}
    )


def _check_files(
    result: VerifyResult, manifest: dict[str, Any], seen: dict[str, archive.MemberDigest]
) -> None:
    listed = manifest.get("files")
    if not isinstance(listed, dict):
        result.problems.append(_("El manifiesto no lista los archivos del respaldo."))
        return
    for name, entry in sorted(listed.items()):
        got = seen.get(name)
        if got is None:
            result.problems.append(_("Falta el archivo %(name)s en el respaldo.") % {"name": name})
        elif (got.sha256, got.size) != (entry.get("sha256"), entry.get("size")):
            result.problems.append(
                _(
                    "El archivo %(name)s está dañado o fue alterado (su SHA-256 no es el del "
                    "manifiesto)."
                )
                % {"name": name}
            )
    for name in sorted(set(seen) - set(listed)):
        result.problems.append(
            _("El archivo %(name)s no figura en el manifiesto: respaldo alterado.") % {"name": name}
        )


def compare_tables(expected: dict[str, Any], actual: dict[str, digest.TableDigest]) -> list[str]:
    """Spanish differences between a manifest's tables and recomputed table digests."""
    problems = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        if want is None:
            problems.append(_("La tabla %(t)s no figura en el manifiesto.") % {"t": table})
        elif got is None:
            problems.append(_("Falta la tabla %(t)s.") % {"t": table})
        elif want.get("rows") != got.rows:
            problems.append(
                _("La tabla %(t)s tiene %(got)s filas; el manifiesto dice %(want)s.")
                % {"t": table, "got": got.rows, "want": want.get("rows")}
            )
        elif want.get("sha256") != got.sha256:
            problems.append(
                _("El contenido de la tabla %(t)s no es el del manifiesto (datos alterados).")
                % {"t": table}
            )
    return problems


def _check_database(
    result: VerifyResult, manifest: dict[str, Any], content: Path, workdir: Path, using: str
) -> None:
    database = manifest.get("database") or {}
    engine = database.get("engine")
    member = database.get("member")
    dump = content / str(member)
    if engine not in ("sqlite", "postgresql") or member != dbcopy.member_for(engine):
        result.problems.append(_("El manifiesto no indica una base de datos válida."))
        return
    if not dump.is_file():
        return  # already reported as a missing file
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="integrity") as pool:
        # SQLite's integrity_check (C, GIL released) runs beside the digest and the audit;
        # its findings keep their place at the head of the database problems.
        at = len(result.problems)
        integrity = pool.submit(dbcopy.sqlite_check, dump) if engine == "sqlite" else None
        _check_contents(result, manifest, dump, workdir, using)
        if integrity is not None:
            result.problems[at:at] = integrity.result()


def _check_contents(
    result: VerifyResult, manifest: dict[str, Any], dump: Path, workdir: Path, using: str
) -> None:
    database = manifest["database"]
    engine = database["engine"]
    missing, _unknown = dbcopy.migration_gap(manifest.get("migrations") or {})
    try:
        with dbcopy.scratch_database(
            engine=engine, dump=dump, tool_version=str(database.get("tool", "")), based_on=using
        ) as alias:
            digest_format = digest.manifest_format(manifest)
            if digest_format not in digest.KNOWN_FORMATS:
                result.problems.append(
                    _(
                        "El resumen del contenido usa el formato %(f)s, que esta versión de "
                        "itplus no conoce. Actualice itplus para revisar este respaldo."
                    )
                    % {"f": digest_format}
                )
                return
            result.tables = digest.table_digests(using=alias, format=digest_format)
            table_problems = compare_tables(manifest.get("tables") or {}, result.tables)
            result.problems.extend(table_problems)
            if not table_problems and digest.combine(result.tables) != manifest.get(
                "content_digest"
            ):
                result.problems.append(
                    _("El resumen del contenido no coincide con el del manifiesto.")
                )
            if result.newer_version:
                return
            heads = series_chain_heads(using=alias)
            if heads != manifest.get("chain_heads"):
                result.problems.append(
                    _(
                        "Los últimos documentos de las series no son los del manifiesto "
                        "(documentos agregados, borrados o alterados)."
                    )
                )
            if missing and engine == "postgresql":
                call_command("migrate", database=alias, interactive=False, verbosity=0)
            if not missing:
                report = run_audit(using=alias)
            else:
                report = None
        if missing and engine == "sqlite":
            # An older backup: bring a copy of it to this version's schema for the audit.
            upgraded = workdir / "auditoria.sqlite3"
            shutil.copyfile(dump, upgraded)
            with dbcopy.temporary_alias(
                name=upgraded, based_on=using, prefix="verify", engine="sqlite"
            ) as alias:
                call_command("migrate", database=alias, interactive=False, verbosity=0)
                report = run_audit(using=alias)
        if report is not None:
            result.audit = report.as_dict() if hasattr(report, "as_dict") else {"ok": report.ok}
            result.problems.extend(
                _("Auditoría: %(m)s") % {"m": problem.message} for problem in report.problems
            )
    except dbcopy.DatabaseCopyError as exc:
        result.problems.append(
            _("La base de datos del respaldo no se pudo restaurar para revisarla: %(e)s")
            % {"e": exc}
        )
    except DatabaseError as exc:
        result.problems.append(
            _("La base de datos del respaldo no se puede leer: %(e)s") % {"e": exc}
        )


def _authenticated(
    result: VerifyResult, front: _Front, key: bytes | None, header_digest: str
) -> dict[str, Any] | None:
    """The manifest, if it authenticates and belongs to this archive (else problems or a
    missing credential, and None: nothing may be extracted)."""
    if not front.document:
        if front.document is None:
            result.problems.append(
                _("Falta el manifiesto: el respaldo está incompleto o fue alterado.")
            )
        else:
            result.problems.append(_("El manifiesto está dañado (no se puede leer)."))
        return None
    manifest = front.document["manifest"]
    result.manifest = manifest
    _resolve_key(result, manifest, str(front.document.get("hmac", "")), key, front.embedded_key)
    if result.problems or result.credential_missing:
        return None
    if manifest.get("header_sha256") != header_digest or manifest.get("archive_id") != (
        result.header or {}
    ).get("archive_id"):
        result.problems.append(
            _(
                "El manifiesto pertenece a otro respaldo (no corresponde al encabezado de "
                "este archivo)."
            )
        )
        return None
    if not isinstance(manifest.get("format"), int) or manifest["format"] > archive.FORMAT_VERSION:
        result.newer_version = True
        result.problems.append(_("El manifiesto es de un formato más nuevo que esta versión."))
        return None
    return manifest


def _verify_into(
    result: VerifyResult,
    workdir: Path,
    *,
    passphrase: str | None,
    key: bytes | None,
    using: str,
) -> None:
    content = workdir / CONTENT_DIR
    content.mkdir()
    try:
        with archive.ArchiveReader(result.path, passphrase=passphrase) as reader:
            result.header = reader.header.fields
            header_digest = reader.header.digest.hex()
            if reader.manifest is not None:
                front = _parse_front(reader.manifest)
            else:
                front = _front_of_old_layout(reader)
            manifest = _authenticated(result, front, key, header_digest)
            plan = _plan(result, manifest, workdir) if manifest is not None else None
            if plan is None:
                return
            if reader.manifest is not None:
                seen = _extract(result, reader, content, plan, front)
        if reader.manifest is None:  # format 1: the second pass, now authenticated
            with archive.ArchiveReader(result.path, passphrase=passphrase) as again:
                if again.header.digest.hex() != header_digest:
                    raise archive.ArchiveError(
                        _("El respaldo cambió mientras se revisaba (otro encabezado).")
                    )
                seen = _extract(result, again, content, plan, front)
    except archive.PassphraseError as exc:
        result.credential_missing = str(exc)
        return
    except archive.UnsupportedArchive as exc:
        result.newer_version = True
        result.problems.append(str(exc))
        return
    except archive.OversizedArchive as exc:
        result.oversized = True
        result.problems.insert(0, str(exc))
        return
    except archive.ArchiveError as exc:
        result.problems.insert(0, str(exc))
        return
    except OSError as exc:
        result.problems.insert(0, _("No se puede leer el archivo: %(e)s") % {"e": exc})
        return
    _check_files(result, manifest, seen)
    _missing, unknown = dbcopy.migration_gap(manifest.get("migrations") or {})
    if unknown:
        result.newer_version = True
        result.problems.append(
            _(
                "El respaldo es de una versión más nueva de itplus (%(version)s): tiene "
                "cambios de la base de datos que esta versión no conoce (%(first)s…). "
                "Actualice itplus."
            )
            % {"version": manifest.get("app_version", "?"), "first": unknown[0]}
        )
    _check_database(result, manifest, content, workdir, using)


def backup_verify(
    *,
    path: Path,
    passphrase: str | None = None,
    key: bytes | None = None,
    using: str = "default",
    keep_in: Path | None = None,
    record: bool = True,
) -> VerifyResult:
    """Read and check everything in one backup; never touches the live data.

    ``result.ok`` only if every check passed. ``status`` is ``ok``, ``bad`` (reasons in
    ``problems``, Spanish, most important first) or ``passphrase`` (a missing or wrong
    passphrase or key: the file may be fine). Nothing is extracted before the manifest is
    authenticated, nor beyond its declared sizes. The scratch folder is removed on every
    way out, unless ``keep_in`` asks to keep the extracted members in a folder created
    inside it (``result.staged``) for a restore: the caller removes it then.
    """
    started = time.monotonic()
    path = Path(path)
    result = VerifyResult(path=path)
    scratch_root = Path(keep_in) if keep_in else Path(tempfile.gettempdir())
    clean_stale_work_folders(scratch_root)
    workdir = Path(tempfile.mkdtemp(prefix=VERIFY_FOLDER_PREFIX, dir=scratch_root))
    try:
        _verify_into(result, workdir, passphrase=passphrase, key=key, using=using)
    except BaseException:  # an error or Ctrl+C: nothing extracted stays behind
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    if keep_in is not None:
        result.staged = workdir
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    result.seconds = time.monotonic() - started
    if record and path.exists():
        record_status(path, status=result.status, reason=result.reason, sha256=result.file_sha256)
    return result


@dataclass
class FolderVerifyResult:
    results: list[VerifyResult]
    newest_good: Path | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "results": [r.as_dict() for r in self.results],
            "newest_good": str(self.newest_good) if self.newest_good else None,
        }


def backup_verify_all(
    *,
    folder: Path | None = None,
    passphrase: str | None = None,
    key: bytes | None = None,
    using: str = "default",
) -> FolderVerifyResult:
    """Verify every backup of a folder (newest first) and name the newest good one.
    Leftover ``.tmp`` files of interrupted backups are not backups and are skipped."""
    results = [
        backup_verify(path=info.path, passphrase=passphrase, key=key, using=using)
        for info in backup_list(folder=folder)
    ]
    newest = next((r.path for r in results if r.ok), None)
    return FolderVerifyResult(results=results, newest_good=newest)
