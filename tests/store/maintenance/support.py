"""Helpers for the backup tests: a store with data, a clean ITPLUS_HOME, archive surgery.

The archive surgery helpers play the attacker (or the virus, or the bad USB stick): they
read an archive with the real reader and write a new one with the real writer, changing
one thing, so each test shows that exactly that change is detected.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections

from itplus.store.config import config_section_set
from itplus.store.maintenance import archive, dbcopy, keys
from itplus.store.maintenance.backup import MANIFEST
from tests.factories import make_product, make_sale, make_series, make_terminal, make_user

ROOT = Path(__file__).resolve().parents[3]
HOME_ENTRIES = ("itplus.toml", "reports", "media", "backups", "backup.key", "install.id")


def home() -> Path:
    return Path(settings.ITPLUS_HOME)


def clear_home() -> None:
    """Remove what the backup tests put in the shared test ITPLUS_HOME."""
    for name in HOME_ENTRIES:
        path = home() / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    for leftover in home().glob(".itplus-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def build_store(*, sales: int = 6, back_office: bool = True) -> dict[str, Any]:
    """A small store: staff, two terminals, products, sales on two series, a config file,
    a report and a media file; with ``back_office``, also what the back office writes —
    a customer on store credit with a payment, a purchase order partly received, a posted
    count, an adjustment, a return (credit note) and a closed cash session with its Z."""
    cashier = make_user(role="cajero")
    make_user(role="supervisor", pin="4321")
    make_user(role="administrador")
    boletas = make_series(code="b1")
    terminal = make_terminal(code="caja-1", boleta_series=boletas)
    other = make_terminal(code="caja-2")
    products = [
        make_product(name="Leche Entera 1 L", price_clp=1190),
        make_product(name="Pan Amasado", price_clp=2490),
        make_product(name="Bebida 3 L", price_clp=2990),
    ]
    made = []
    for i in range(sales):
        till = terminal if i % 3 else other
        made.append(make_sale(terminal=till, cashier=cashier, products=products[: i % 3 + 1]))
    if back_office:
        made += _back_office(terminal=terminal, other=other, cashier=cashier, products=products)
    config_section_set(home(), "store", {"name": "Almacén La Prueba"})
    config_section_set(home(), "printer", {"kind": "network", "host": "192.168.1.77"})
    (home() / "reports" / "2026").mkdir(parents=True, exist_ok=True)
    (home() / "reports" / "2026" / "ventas-noviembre.csv").write_text(
        "fecha;total\n2026-11-01;123456\n", encoding="utf-8"
    )
    (home() / "media" / "productos").mkdir(parents=True, exist_ok=True)
    (home() / "media" / "productos" / "leche.png").write_bytes(bytes(range(256)) * 40)
    return {"terminal": terminal, "cashier": cashier, "products": products, "sales": made}


def _back_office(*, terminal, other, cashier, products) -> list:
    """Every kind of back-office document, made through the real services. Returns the
    sales it made (one on store credit, one partly returned)."""
    from itplus.store.cash.reports import cash_report_compute
    from itplus.store.cash.selectors import cash_session_current
    from itplus.store.cash.services import cash_session_close
    from itplus.store.customers.services import customer_payment_record
    from itplus.store.inventory.services import (
        count_sheet_open,
        count_sheet_post,
        count_sheet_scan,
        default_warehouse,
        stock_adjust,
    )
    from tests.store.customers.factories import new_customer, sell_on_credit
    from tests.store.purchases.factories import make_order, make_supplier, receive
    from tests.store.sales.factories import make_credit_note_series, make_return

    admin = make_user(role="administrador")
    milk, bread, soda = products
    # purchases: an order of 24 + 12, half the milk received so far
    order = make_order(
        supplier=make_supplier(), user=admin, lines=[(milk, "24", 800), (bread, "12", 1500)]
    )
    receive(user=admin, order=order, lines=[(milk, "12", None)])
    # customers: a sale on store credit, then a payment in cash at the till
    customer = new_customer(credit_limit_clp=50_000)
    on_credit = sell_on_credit(terminal=terminal, cashier=cashier, product=soda, customer=customer)
    customer_payment_record(
        customer=customer, amount_clp=1000, method="efectivo", user=cashier, terminal=terminal
    )
    # inventory: a posted count of the bread and a write-off of spoiled milk
    sheet = count_sheet_open(warehouse=default_warehouse(), user=admin)
    count_sheet_scan(sheet=sheet, code=bread.sku, quantity="7", user=admin)
    count_sheet_post(sheet=sheet, user=admin)
    stock_adjust(product=milk, quantity="-1", reason="Merma: vencida", user=admin)
    # returns: a sale at the main till, then a credit note for part of it
    make_credit_note_series()
    returned = make_sale(terminal=terminal, cashier=cashier, products=[milk, bread])
    make_return(terminal=terminal, user=cashier, sale=returned, lines={1: "1"})
    # cash: the second till closes its session with a Z report
    session = cash_session_current(terminal=other)
    expected = cash_report_compute(session=session).expected_cash_clp
    cash_session_close(session=session, user=admin, counts={"10": expected // 10}, run_hooks=False)
    return [on_credit, returned]


def home_snapshot() -> dict[str, bytes]:
    """Every file the backup carries from ITPLUS_HOME, by relative path."""
    files = {}
    for name in ("itplus.toml", "reports", "media"):
        root = home() / name
        if root.is_file():
            files[name] = root.read_bytes()
        elif root.is_dir():
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    files[path.relative_to(home()).as_posix()] = path.read_bytes()
    return files


def wipe_database() -> None:
    """Leave the test database empty (SQLite: no file; PostgreSQL: an empty database)."""
    connections.close_all()
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
    else:
        dbcopy.pg_drop_database(connection.settings_dict, name)
        dbcopy.pg_create_database(connection.settings_dict, name)


def wipe_home() -> None:
    """A formatted disk: nothing of the store left in ITPLUS_HOME (the session key, which
    Django re-creates on start, and the test database file aside)."""
    keep = {"secret.key", Path(connection.settings_dict["NAME"]).name}
    for path in home().iterdir():
        if path.name in keep or path.name.startswith(Path(connection.settings_dict["NAME"]).name):
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()


def raw_delete(model, pks: list) -> None:
    """Delete rows with plain SQL, first every row that references them (whatever later
    features add: stock movements…), as a program editing the database would."""
    if not pks:
        return
    for rel in model._meta.get_fields(include_hidden=True):  # related_name="+" included
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        child = rel.related_model
        raw_delete(
            child,
            list(
                child._base_manager.filter(**{f"{rel.field.name}__in": pks}).values_list(
                    "pk", flat=True
                )
            ),
        )
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} IN "
            f"({', '.join(['%s'] * len(pks))})",
            pks,
        )


def flip(path: Path, offset: int) -> None:
    """XOR one byte with 0xFF (a negative offset counts from the end)."""
    data = bytearray(path.read_bytes())
    data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def read_members(path: Path, passphrase: str | None = None) -> tuple[dict, list[tuple[str, bytes]]]:
    """(header fields, [(name, bytes)…]) of an archive, with the real reader; the manifest
    comes last as ``manifest.json``, whether it is the manifest section (format 2) or the
    tar's last member (format 1)."""
    members = []
    with archive.ArchiveReader(path, passphrase=passphrase) as reader:
        fields = dict(reader.header.fields)
        for info, stream in reader.members():
            if stream is not None:
                members.append((info.name, stream.read()))
        if reader.manifest is not None:
            members.append((MANIFEST, reader.manifest))
    return fields, members


def write_archive(
    path: Path,
    fields: dict,
    members: list[tuple[str, bytes | Path]],
    passphrase: str | None = None,
) -> Path:
    """A new archive with these exact header fields (plain) and members, in this order; a
    member named ``manifest.json`` is the manifest section (none: an empty one). A member
    given as a Path is streamed from that file (a sparse file makes a big member cheap)."""
    key = None
    if passphrase is not None:
        fields, key = archive.new_header_fields(
            archive_id=fields["archive_id"],
            created_at=fields["created_at"],
            store=fields["store"],
            app_version=fields["app_version"],
            passphrase=passphrase,
        )
    if fields.get("format") == 1:
        return write_format_1(path, fields, members)
    manifest = b""
    with archive.ArchiveWriter(path, header_fields=fields, key=key) as writer:
        for name, data in members:
            if name == MANIFEST:
                manifest = data
            elif isinstance(data, Path):
                writer.add_file(name, data)
            else:
                writer.add_bytes(name, data)
        writer.commit(manifest=manifest)
    return path


def write_format_1(path: Path, fields: dict, members: list[tuple[str, bytes | Path]]) -> Path:
    """A plain archive in format 1, as itplus wrote them before the manifest section: the
    same header and records but no locator, and the manifest as the tar's last member
    (the writer of that version, reduced to what a test needs: the record layer is the
    same in both formats)."""
    import io
    import tarfile

    header = archive.Header(
        fields=fields,
        raw=(raw := archive._encode_header(fields)),
        digest=__import__("hashlib").sha256(raw).digest(),
    )
    with path.open("xb") as fh:
        fh.write(header.raw + header.digest)
        sink = archive._RecordSink(fh, header, None)
        zw = archive.compressor().stream_writer(sink, closefd=False)
        with tarfile.open(fileobj=zw, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for name, data in members:
                info = tarfile.TarInfo(name)
                info.mtime, info.mode = 1_764_064_800, 0o644
                if isinstance(data, Path):
                    info.size = data.stat().st_size
                    with data.open("rb") as src:
                        tar.addfile(info, src)
                else:
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))
        zw.flush(__import__("zstandard").FLUSH_FRAME)
        zw.close()
        sink.finish()
    return path


def repack(
    source: Path,
    dest: Path,
    change: Callable[[list[tuple[str, bytes]]], list[tuple[str, bytes]]],
    *,
    header: Callable[[dict], dict] = lambda f: f,
) -> Path:
    """Rewrite a plain archive with ``change`` applied to its members (same header)."""
    fields, members = read_members(source)
    return write_archive(dest, header(fields), change(members))


def as_format_1(source: Path, dest: Path) -> Path:
    """The same backup as the previous version of itplus wrote it: format 1 header, the
    manifest (format 1, bound to the new header, signed with this store's key) last in the
    tar. Plain archives."""
    fields, members = read_members(source)
    fields = {**fields, "format": 1}
    raw = archive._encode_header(fields)
    digest = __import__("hashlib").sha256(raw).digest()
    document = manifest_of(members)

    def old(manifest: dict) -> None:
        manifest["format"] = 1
        manifest["header_sha256"] = digest.hex()

    members = replace_member(members, MANIFEST, resign(document, old))
    return write_format_1(dest, fields, members)


def manifest_of(members: list[tuple[str, bytes]]) -> dict:
    return json.loads(dict(members)[MANIFEST])


def replace_member(members, name: str, data: bytes):
    return [(n, data if n == name else d) for n, d in members]


def resign(document: dict, mutate: Callable[[dict], None], key: bytes | None = None) -> bytes:
    """The manifest changed by ``mutate`` and signed again (by default with this store's
    key: the attacker who has the PC)."""
    manifest = json.loads(json.dumps(document["manifest"]))
    mutate(manifest)
    return keys.sign_manifest(manifest, key or keys.load_backup_key(home()))


def tamper_database(members, db_member: str, sql: list[str], workdir: Path):
    """The members with the database changed by ``sql`` (same manifest): a stored value
    changed inside the database, after decompression."""
    data = dict(members)[db_member]
    dump = workdir / Path(db_member).name
    dump.write_bytes(data)
    if db_member.endswith(".sqlite3"):
        con = sqlite3.connect(dump)
        con.execute("PRAGMA ignore_check_constraints=ON")
        for statement in sql:
            con.execute(statement)
        con.commit()
        con.close()
        assert dbcopy.sqlite_check(dump) == []  # SQLite itself sees nothing wrong
    else:
        with dbcopy.scratch_database(engine="postgresql", dump=dump) as alias:
            with connections[alias].cursor() as cursor:
                for statement in sql:
                    cursor.execute(statement)
            (workdir / "re").mkdir(exist_ok=True)
            with dbcopy.database_snapshot(using=alias, dest_dir=workdir / "re") as snap:
                pass
            data_path = snap.path
        dump = data_path
    return replace_member(members, db_member, dump.read_bytes())


def itplus_env(**extra: str) -> dict[str, str]:
    """Environment for an ``itplus`` subprocess on this test's home and database."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "itplus.store.settings"
    env["ITPLUS_HOME"] = str(home())
    sd = connection.settings_dict
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = f"sqlite:///{Path(sd['NAME']).as_posix()}"
    else:
        env["DATABASE_URL"] = (
            f"postgres://{sd['USER']}:{sd.get('PASSWORD') or ''}@{sd['HOST'] or '127.0.0.1'}:"
            f"{sd['PORT'] or 5432}/{sd['NAME']}"
        )
    env.update(extra)
    return env


def itplus(*args: str, env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "itplus.store.cli", *args],
        env=env or itplus_env(),
        capture_output=True,
        text=True,
        cwd=ROOT,
        **kwargs,
    )
