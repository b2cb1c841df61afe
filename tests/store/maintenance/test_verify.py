"""backup verify: reads everything, authenticates the manifest, audits a scratch copy."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from itplus.store.maintenance import keys
from itplus.store.maintenance.backup import backup_create
from itplus.store.maintenance.verify import backup_verify, backup_verify_all
from itplus.store.sales.models import Sale
from tests.store.maintenance.support import build_store, clear_home, flip, home

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def clean_home(transactional_db, scratch_aliases):
    clear_home()
    yield
    clear_home()


def scratch_databases() -> list[str]:
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'itplus\\_verify\\_%' "
            "OR datname LIKE 'itplus\\_bk\\_restore\\_%'"
        )
        return [r[0] for r in cursor.fetchall()]


def test_a_good_backup_passes_every_check(tmp_path):
    build_store()
    path = backup_create(to=tmp_path).path

    result = backup_verify(path=path)

    assert result.ok, result.problems
    assert result.status == "ok" and result.problems == []
    assert result.key_source == "instalación"
    assert result.audit["ok"] is True
    assert result.audit["checked"]["documentos"] == Sale.objects.count()
    assert result.tables["sales_sale"].rows == Sale.objects.count()
    assert scratch_databases() == []
    assert not list(tmp_path.glob("itplus-verificacion-*"))


def test_verify_never_touches_the_live_database(tmp_path):
    build_store(sales=2)
    path = backup_create(to=tmp_path).path
    Sale.objects.update(issued_at=Sale.objects.first().issued_at)  # the live DB moves on

    assert backup_verify(path=path).ok  # the scratch copy is what is checked


def test_a_plain_backup_without_the_store_key_needs_the_recovery_sheet(tmp_path):
    build_store(sales=1)
    path = backup_create(to=tmp_path).path
    key = keys.load_backup_key(home())
    (home() / "backup.key").unlink()  # a wiped machine

    without = backup_verify(path=path)
    with_sheet = backup_verify(path=path, key=key)
    wrong = backup_verify(path=path, key=bytes(32))

    assert without.status == "passphrase" and "--key" in without.reason
    assert with_sheet.ok and with_sheet.key_source == "indicada"
    assert wrong.status == "bad" and "clave indicada" in wrong.reason


def test_an_encrypted_backup_brings_its_own_key(tmp_path):
    build_store(sales=1)
    path = backup_create(to=tmp_path, passphrase="una frase larga").path
    (home() / "backup.key").unlink()

    result = backup_verify(path=path, passphrase="una frase larga")

    assert result.ok, result.problems
    assert result.key_source == "respaldo"


def test_a_backup_of_another_store_is_named_as_such(tmp_path):
    build_store(sales=1)
    path = backup_create(to=tmp_path).path
    keys.store_backup_key(home(), bytes(range(32)))  # this PC belongs to another store

    result = backup_verify(path=path)

    assert result.status == "bad"
    assert "otra tienda" in result.reason and "--key" in result.reason


def test_cli_exit_codes_and_json(tmp_path, capsys):
    build_store(sales=1)
    good = backup_create(to=tmp_path).path
    secret = backup_create(to=tmp_path, passphrase="frase correcta").path
    (tmp_path / "frase.txt").write_text("frase incorrecta\n")

    call_command("backup", "verify", str(good), "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["results"][0]["status"] == "ok" and data["newest_good"] == str(good)

    with pytest.raises(CommandError) as wrong:
        call_command(
            "backup", "verify", str(secret), "--passphrase-file", str(tmp_path / "frase.txt")
        )
    assert wrong.value.returncode == 2
    assert "frase de paso no es" in capsys.readouterr().out

    flip(good, -10)
    with pytest.raises(CommandError) as bad:
        call_command("backup", "verify", str(good))
    assert bad.value.returncode == 1
    assert "MALO" in capsys.readouterr().out


def test_verify_all_names_the_newest_good_backup(tmp_path, capsys):
    build_store(sales=2)
    oldest = backup_create(to=tmp_path).path
    middle = backup_create(to=tmp_path).path
    newest = backup_create(to=tmp_path).path
    flip(newest, newest.stat().st_size // 2)
    (tmp_path / "itplus-almacen-la-prueba-29990101-000000.itpbak.tmp").write_bytes(b"x")

    folder = backup_verify_all(folder=tmp_path)
    assert [r.path for r in folder.results] == [newest, middle, oldest]
    assert [r.status for r in folder.results] == ["bad", "ok", "ok"]
    assert folder.newest_good == middle

    with pytest.raises(CommandError):
        call_command("backup", "verify", "--all", "--folder", str(tmp_path))
    out = capsys.readouterr().out
    assert f"Respaldo bueno más reciente: {middle.name}" in out
    assert ".tmp" not in out


def test_scratch_alias_is_gone_after_verify(tmp_path):
    build_store(sales=1)
    path = backup_create(to=tmp_path).path
    before = set(connections.databases)
    backup_verify(path=path)
    assert set(connections.databases) == before
