"""Fault injection (as restic and borg test themselves): every fault is detected with a
clear message and never restored silently."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from itplus.store.maintenance import digest, keys
from itplus.store.maintenance.backup import BackupError, backup_create
from itplus.store.maintenance.backup_folder import backup_list
from itplus.store.maintenance.restore import RestoreRefused, backup_restore
from itplus.store.maintenance.retention import backup_prune
from itplus.store.maintenance.verify import backup_verify, backup_verify_all
from itplus.store.sales.models import Sale
from tests.store.maintenance.support import (
    ROOT,
    build_store,
    clear_home,
    flip,
    home,
    itplus_env,
    manifest_of,
    raw_delete,
    read_members,
    repack,
    replace_member,
    resign,
    tamper_database,
)

pytestmark = pytest.mark.django_db(transaction=True)
PASS = "frase de paso de prueba"


@pytest.fixture(autouse=True)
def clean_home(transactional_db, scratch_aliases):
    clear_home()
    yield
    clear_home()


@pytest.fixture
def store():
    return build_store()


@pytest.fixture
def plain(store, tmp_path):
    return backup_create(to=tmp_path / "bk").path


def db_member() -> str:
    return "db/itplus.sqlite3" if connection.vendor == "sqlite" else "db/itplus.pgdump"


def assert_refused_and_untouched(path: Path, **kwargs) -> RestoreRefused:
    """The restore refuses before touching anything: same data, no safety backup."""
    before = digest.content_digest()[0]
    with pytest.raises(RestoreRefused) as refused:
        backup_restore(path=path, **kwargs)
    assert digest.content_digest()[0] == before
    assert not list((home() / "backups").glob("*antes-de-restaurar*"))
    return refused.value


# --- bytes of the archive ------------------------------------------------------------


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain", "encrypted"])
def test_one_flipped_byte_at_several_offsets(store, tmp_path, encrypted):
    original = backup_create(to=tmp_path / "bk", passphrase=PASS if encrypted else None).path
    size = original.stat().st_size
    offsets = {"header": 15, "first record": 200, "middle": size // 2, "end": size - 1}
    for where, offset in offsets.items():
        damaged = tmp_path / f"{where.replace(' ', '-')}.itpbak"
        damaged.write_bytes(original.read_bytes())
        flip(damaged, offset)

        result = backup_verify(path=damaged, passphrase=PASS if encrypted else None)

        assert result.status == "bad", where
        assert "dañad" in result.reason or "alterado" in result.reason, (where, result.reason)
    assert_refused_and_untouched(tmp_path / "middle.itpbak", passphrase=PASS if encrypted else None)
    assert backup_verify(path=original, passphrase=PASS if encrypted else None).ok


@pytest.mark.parametrize("keep", [0.5, 0.999, 40])
def test_truncated_archive(plain, keep):
    data = plain.read_bytes()
    plain.write_bytes(data[: int(len(data) * keep)] if keep < 1 else data[:keep])

    result = backup_verify(path=plain)

    assert result.status == "bad"
    assert "truncado" in result.reason or "dañad" in result.reason
    assert_refused_and_untouched(plain)


def test_wrong_passphrase_is_exit_2_and_restore_refuses(store, tmp_path):
    path = backup_create(to=tmp_path, passphrase=PASS).path
    (tmp_path / "frase.txt").write_text("otra frase\n")

    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "itplus.store.cli",
            "backup",
            "verify",
            str(path),
            "--passphrase-file",
            str(tmp_path / "frase.txt"),
        ],
        env=itplus_env(),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )

    assert run.returncode == 2, run.stderr
    assert "La frase de paso no es la de este respaldo" in run.stdout
    refused = assert_refused_and_untouched(path, passphrase="otra frase")
    assert refused.credential


# --- members and manifest ------------------------------------------------------------


def test_stored_value_changed_inside_the_database(plain, tmp_path):
    """A sale total changed in the database file: SQLite's integrity_check says ok; the
    file hash, the table digest and the audit (naming the document) catch it."""
    sale = Sale.objects.filter(series__code="b1").order_by("number")[1]
    sql = [
        f"UPDATE sales_sale SET total_clp = total_clp + 1000, net_clp = net_clp + 1000 "
        f"WHERE id = {sale.pk}"
    ]
    tampered = repack(
        plain, tmp_path / "t.itpbak", lambda m: tamper_database(m, db_member(), sql, tmp_path)
    )

    _fields, members = read_members(tampered)
    grew = (
        len(dict(members)[db_member()])
        > manifest_of(members)["manifest"]["files"][db_member()]["size"]
    )

    result = backup_verify(path=tampered)

    assert result.status == "bad"
    text = "\n".join(result.problems)
    if grew:  # a new pg_dump of the changed database may be a few bytes longer
        assert f"El archivo {db_member()} ocupa" in result.reason  # not extracted at all
    else:
        assert f"El archivo {db_member()} está dañado o fue alterado" in text
        assert "El contenido de la tabla sales_sale no es el del manifiesto" in text
        assert f"N° {sale.number}" in text and "Auditoría" in text
    assert_refused_and_untouched(tampered)


def test_missing_member(plain, tmp_path):
    without = repack(
        plain,
        tmp_path / "m.itpbak",
        lambda m: [(n, d) for n, d in m if not n.startswith("reports/")],
    )

    result = backup_verify(path=without)

    assert result.status == "bad"
    assert "Falta el archivo reports/2026/ventas-noviembre.csv en el respaldo." in result.problems
    assert_refused_and_untouched(without)


def test_missing_manifest(plain, tmp_path):
    without = repack(plain, tmp_path / "m.itpbak", lambda m: m[:-1])
    result = backup_verify(path=without)
    assert result.status == "bad" and "Falta el manifiesto" in result.reason


def test_extra_member_and_path_traversal_are_refused(plain, tmp_path):
    evil = repack(
        plain,
        tmp_path / "e.itpbak",
        lambda m: [("media/../../evil.txt", b"x"), ("media/extra.txt", b"y"), *m],
    )

    result = backup_verify(path=evil)

    assert result.status == "bad"
    assert any("no permitido" in p and "evil" in p for p in result.problems)
    assert "El archivo media/extra.txt no figura en el manifiesto: respaldo alterado." in (
        result.problems
    )
    assert not (tmp_path / "evil.txt").exists()


def test_manifest_edited(plain, tmp_path):
    def edit(members):
        document = manifest_of(members)
        document["manifest"]["tables"]["sales_sale"]["rows"] += 1
        return replace_member(members, "manifest.json", json.dumps(document).encode())

    result = backup_verify(path=repack(plain, tmp_path / "e.itpbak", edit))

    assert result.status == "bad"
    assert "firma del manifiesto no coincide" in result.reason


def test_valid_manifest_swapped_in_from_another_backup(plain, tmp_path):
    from tests.factories import make_sale

    store_sale = Sale.objects.first()
    make_sale(
        terminal=store_sale.terminal,
        cashier=store_sale.cashier,
        products=[store_sale.lines.first().product],
    )
    other = backup_create(to=tmp_path / "other").path
    _fields, other_members = read_members(other)

    swapped = repack(
        plain,
        tmp_path / "s.itpbak",
        lambda m: replace_member(m, "manifest.json", dict(other_members)["manifest.json"]),
    )
    result = backup_verify(path=swapped)

    assert result.status == "bad"
    assert result.key_source == "instalación"  # the signature itself is valid…
    assert "El manifiesto pertenece a otro respaldo" in result.reason  # …but not for this file
    assert len(result.problems) == 1  # refused there, before a member was extracted


def test_manifest_signed_with_another_stores_key(plain, tmp_path):
    other_key = os.urandom(32)
    forged = repack(
        plain,
        tmp_path / "f.itpbak",
        lambda m: replace_member(
            m,
            "manifest.json",
            resign(
                manifest_of(m), lambda x: x.update(key_id=keys.key_id(other_key)), key=other_key
            ),
        ),
    )
    result = backup_verify(path=forged)
    assert result.status == "bad"
    assert "otra tienda" in result.reason and keys.key_id(other_key) in result.reason


# --- tampering on the store's PC: a signed, self-consistent backup of a bad database ---


def test_sale_total_edited_in_the_live_database_is_named_by_the_audit(store, tmp_path):
    sale = Sale.objects.filter(series__code="b1").order_by("number")[2]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE sales_sale SET total_clp = total_clp - 500, net_clp = net_clp - 500 "
            "WHERE id = %s",
            [sale.pk],
        )
    path = backup_create(to=tmp_path).path

    result = backup_verify(path=path)

    assert result.status == "bad"
    assert any(
        p.startswith("Auditoría") and f"b1 N° {sale.number}" in p and "modificado" in p
        for p in result.problems
    ), result.problems


def test_document_deleted_from_the_middle_of_a_series(store, tmp_path):
    sale = Sale.objects.filter(series__code="b1").order_by("number")[1]
    raw_delete(Sale, [sale.pk])
    path = backup_create(to=tmp_path).path

    result = backup_verify(path=path)

    assert result.status == "bad"
    assert any("faltan documentos" in p and f"N° {sale.number}" in p for p in result.problems), (
        result.problems
    )


# --- while writing -------------------------------------------------------------------


def test_backup_killed_mid_write_leaves_no_good_looking_file(store, tmp_path):
    (home() / "media" / "video.bin").write_bytes(os.urandom(96 * 1024 * 1024))
    folder = tmp_path / "bk"
    folder.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "itplus.store.cli", "backup", "create", "--to", str(folder)],
        env=itplus_env(),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not list(folder.glob("*.tmp")):
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline
        time.sleep(0.005)
    process.kill() if os.name == "nt" else os.kill(process.pid, signal.SIGKILL)
    process.wait()

    assert not list(folder.glob("*.itpbak"))
    assert backup_list(folder=folder) == []
    assert backup_verify_all(folder=folder).newest_good is None
    later = timezone.now() + timedelta(hours=1)
    pruned = backup_prune(folder=folder, keep_daily=7, keep_weekly=4, keep_monthly=12, now=later)
    assert [p.suffix for p in pruned.tmp_removed] == [".tmp"]
    assert list(folder.iterdir()) == []


@pytest.fixture
def small_disk(tmp_path):
    mountpoint = tmp_path / "usb"
    mountpoint.mkdir()
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mountpoint)],
            capture_output=True,
        ).returncode
        == 0
        if sys.platform.startswith("linux")
        else False
    )
    yield mountpoint if mounted else None
    if mounted:
        subprocess.run(["umount", str(mountpoint)], check=True)


def test_disk_full_while_writing(store, small_disk, tmp_path):
    (home() / "media" / "foto.bin").write_bytes(os.urandom(1024 * 1024))
    if small_disk is not None:
        with pytest.raises(BackupError, match="No hay espacio suficiente"):
            backup_create(to=small_disk)
        assert list(small_disk.iterdir()) == []
        return
    # No tmpfs here: a file-size limit on a child process gives the same error (EFBIG).
    folder = tmp_path / "bk"
    limit = (
        "import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({900 * 1024}, {900 * 1024})); "
        "from itplus.store.cli import main; sys.argv = ['itplus', 'backup', 'create', "
        f"'--to', {str(folder)!r}]; main()"
    )
    run = subprocess.run(
        [sys.executable, "-c", limit], env=itplus_env(), capture_output=True, text=True, cwd=ROOT
    )
    assert run.returncode != 0
    assert "No hay espacio suficiente" in run.stderr
    assert list(folder.iterdir()) == []


def test_scratch_names_are_random_and_dropped(plain):
    result = backup_verify(path=plain)
    assert result.ok
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_database WHERE datname LIKE 'itplus\\_verify\\_%'"
            )
            assert cursor.fetchone()[0] == 0
