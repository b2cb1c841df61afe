"""backup create / list / prune, and the content digest."""

import json

import pytest
from django.core import serializers
from django.core.management import call_command
from django.db import connection, connections, transaction

from itplus.store.maintenance import archive, dbcopy, digest, keys
from itplus.store.maintenance.backup import BackupError, backup_create
from itplus.store.maintenance.backup_folder import backup_list
from itplus.store.maintenance.verify import backup_verify
from itplus.store.sales.models import Sale, SaleLine
from itplus.store.sales.selectors import series_chain_heads as chain_heads
from tests.store.maintenance.support import build_store, clear_home, flip, home, read_members

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def clean_home(transactional_db, scratch_aliases):
    clear_home()
    yield
    clear_home()


def test_create_writes_one_complete_archive_with_a_signed_manifest(tmp_path):
    store = build_store()

    result = backup_create(to=tmp_path)

    assert [p.name for p in tmp_path.iterdir()] == [result.path.name]
    assert result.path.name.startswith("itplus-almacen-la-prueba-")
    assert result.path.suffix == archive.SUFFIX
    header, members = read_members(result.path)
    names = [n for n, _ in members]
    assert names[-1] == "manifest.json"
    assert set(names[:-1]) == {
        f"db/itplus.{'sqlite3' if connection.vendor == 'sqlite' else 'pgdump'}",
        "config/itplus.toml",
        "reports/2026/ventas-noviembre.csv",
        "media/productos/leche.png",
    }
    document = json.loads(dict(members)["manifest.json"])
    manifest = document["manifest"]
    assert keys.manifest_mac_ok(manifest, document["hmac"], keys.load_backup_key(home()))
    assert manifest["header_sha256"] == archive.read_header_file(result.path).digest.hex()
    assert manifest["archive_id"] == header["archive_id"]
    assert manifest["install_id"] == keys.install_id(home())
    assert manifest["database"]["engine"] == connection.vendor
    assert manifest["role"] == "server"
    assert manifest["migrations"] == dbcopy.applied_migrations(using="default")
    assert "0001_initial" in manifest["migrations"]["sales"]
    assert manifest["tables"]["sales_sale"]["rows"] == len(store["sales"]) == Sale.objects.count()
    assert manifest["tables"]["sales_saleline"]["rows"] == SaleLine.objects.count()
    assert "django_session" not in manifest["tables"]
    assert manifest["chain_heads"] == chain_heads() and manifest["chain_heads"]["b1"]["number"] > 0
    assert manifest["content_digest"] == digest.content_digest()[0]
    assert manifest["encrypted"] is False
    assert "keys/backup.key" not in names  # a plain archive never carries the key
    assert not list(home().glob(".itplus-respaldo-*"))  # staging cleaned


def test_encrypted_backup_carries_the_key_inside_and_verifies(tmp_path):
    build_store(sales=2)

    result = backup_create(to=tmp_path, passphrase="frase de paso larga")

    assert result.encrypted
    _header, members = read_members(result.path, passphrase="frase de paso larga")
    assert dict(members)["keys/backup.key"] == keys.load_backup_key(home()).hex().encode()
    assert backup_verify(path=result.path, passphrase="frase de paso larga").ok


def test_empty_passphrase_is_refused(tmp_path):
    with pytest.raises(BackupError, match="vacía"):
        backup_create(to=tmp_path, passphrase="")
    assert list(tmp_path.iterdir()) == []


def test_backup_is_consistent_while_another_connection_sells(tmp_path):
    """The copy is one snapshot: the manifest describes exactly the archived database."""
    store = build_store(sales=3)
    result = backup_create(to=tmp_path)
    # a sale made after the backup is not in it, and the backup still verifies
    from tests.factories import make_sale

    make_sale(terminal=store["terminal"], cashier=store["cashier"], products=store["products"])
    check = backup_verify(path=result.path)
    assert check.ok, check.problems
    assert check.tables["sales_sale"].rows == len(store["sales"])


def test_list_shows_newest_first_with_cached_status_and_ignores_tmp(tmp_path):
    build_store(sales=1)
    first = backup_create(to=tmp_path).path
    second = backup_create(to=tmp_path, passphrase="clave-larga-1").path
    (tmp_path / "itplus-x-20260101-000000.itpbak.tmp").write_bytes(b"half")

    before = backup_list(folder=tmp_path)
    assert [i.path for i in before] == [second, first]
    assert [i.status for i in before] == ["unknown", "unknown"]
    assert [i.encrypted for i in before] == [True, False]

    backup_verify(path=first)
    flip(second, -5)
    backup_verify(path=second, passphrase="clave-larga-1")
    after = {i.path: i for i in backup_list(folder=tmp_path)}
    assert after[first].status == "ok"
    assert after[second].status == "bad" and "bloque" in after[second].reason


def test_cli_create_list_and_key_sheet(tmp_path, capsys):
    build_store(sales=1)

    call_command("backup", "create", "--to", str(tmp_path), "--verify")
    call_command("backup", "list", "--folder", str(tmp_path))
    call_command("backup", "key", "--show")

    out = capsys.readouterr().out
    assert "Respaldo creado:" in out and "BUENO" in out
    assert "HOJA DE RECUPERACIÓN" in out
    assert keys.key_id(keys.load_backup_key(home())) in out
    lines = keys.format_key(keys.load_backup_key(home()))
    assert all(line in out for line in lines)
    assert keys.parse_key(" ".join(lines)) == keys.load_backup_key(home())


# --- digest --------------------------------------------------------------------------


def test_digest_changes_with_any_stored_value_and_names_the_table():
    build_store(sales=2)
    before = digest.table_digests()
    Sale.objects.filter(pk=Sale.objects.order_by("pk").first().pk).update(ticket_discount_clp=1)
    after = digest.table_digests()
    changed = [t for t in before if before[t] != after[t]]
    assert changed == ["sales_sale"]
    assert digest.combine(before) != digest.combine(after)


def test_digest_is_the_same_on_a_copy_made_by_the_other_engine_path(tmp_path):
    """The same rows loaded into a fresh SQLite database give the same digest — on the
    PostgreSQL pass of the suite this is PostgreSQL → SQLite, i.e. cross-engine."""
    build_store(sales=3)
    source = digest.table_digests()
    # The "python" serializer keeps microseconds (JSON fixtures round them to ms).
    rows = serializers.serialize(
        "python", [obj for model in _models() for obj in model._default_manager.order_by("pk")]
    )
    with dbcopy.temporary_alias(name=tmp_path / "copy.sqlite3", engine="sqlite") as alias:
        call_command("migrate", database=alias, verbosity=0, interactive=False)
        call_command(
            "flush", database=alias, verbosity=0, interactive=False, inhibit_post_migrate=True
        )
        with transaction.atomic(using=alias), connections[alias].constraint_checks_disabled():
            for obj in serializers.deserialize("python", rows):
                obj.save(using=alias)
        copy = digest.table_digests(using=alias)
        connections[alias].close()
    assert copy == source
    assert digest.combine(copy) == digest.combine(source)


def _models():
    from django.apps import apps

    return [
        m
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy and m._meta.db_table != "django_session"
    ]
