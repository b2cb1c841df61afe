"""itplus reinstall: a whole store from one file on a wiped machine, identical."""

import shutil
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from itplus.store.config import config_read, load_config
from itplus.store.maintenance import dbcopy, digest, keys
from itplus.store.maintenance.backup import backup_create
from itplus.store.maintenance.reinstall import store_reinstall
from itplus.store.maintenance.restore import RestoreRefused
from itplus.store.sales.models import DocumentSeries, Sale
from itplus.store.terminals.models import Terminal
from tests.store.maintenance.support import (
    build_store,
    clear_home,
    home,
    home_snapshot,
    itplus,
    itplus_env,
    wipe_database,
    wipe_home,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def clean_home(transactional_db, scratch_aliases):
    clear_home()
    yield
    clear_home()
    if dbcopy.database_is_empty():  # a test wiped the database and did not reinstall
        call_command("migrate", verbosity=0, interactive=False)


def usb_copy(path: Path, tmp_path: Path) -> Path:
    """The backup on a USB stick: outside the machine that is wiped."""
    (tmp_path / "usb").mkdir(exist_ok=True)
    return Path(shutil.copy2(path, tmp_path / "usb" / path.name))


def _back_office_models() -> list:
    from itplus.store.cash.models import ZReport
    from itplus.store.customers.models import AccountEntry
    from itplus.store.inventory.models import CountSheet, StockMovement
    from itplus.store.purchases.models import GoodsReceipt
    from itplus.store.sales.models import CreditNote

    return [CreditNote, ZReport, GoodsReceipt, CountSheet, AccountEntry, StockMovement]


BACK_OFFICE_MODELS = _back_office_models()


@pytest.mark.parametrize("encrypted", [False, True], ids=["plain+recovery-sheet", "encrypted"])
def test_round_trip_wipe_and_reinstall_gives_an_identical_store(tmp_path, encrypted):
    # given a store with sales, returns, purchases, counts, store credit, a closed cash
    # session, staff, terminals, products, config, a report and a media file
    store = build_store(sales=9)
    made = {model: model.objects.count() for model in BACK_OFFICE_MODELS}
    assert all(made.values()), made
    tables = digest.table_digests()
    content = digest.combine(tables)
    files = home_snapshot()
    install, key = keys.install_id(home()), keys.ensure_backup_key(home())
    config = load_config(home())
    archive = usb_copy(
        backup_create(passphrase="frase de la tienda" if encrypted else None).path, tmp_path
    )
    # when the machine is wiped and the store reinstalled from the file alone
    wipe_home()
    wipe_database()
    assert dbcopy.database_is_empty() and not (home() / "itplus.toml").exists()
    result = store_reinstall(
        archive=archive,
        passphrase="frase de la tienda" if encrypted else None,
        key=None if encrypted else bytes.fromhex(key.hex()),  # typed from the recovery sheet
    )
    # then every table, the config and the files are identical
    restored = result.restore
    assert restored.identical
    assert restored.digest_expected == restored.digest_actual == content
    after = digest.table_digests()
    assert [t for t in tables if tables[t] != after.get(t)] == []
    assert set(after) == set(tables)
    assert [(row.table, row.rows_expected) for row in restored.comparison] == [
        (t, d.rows) for t, d in sorted(tables.items())
    ]
    assert home_snapshot() == files
    assert load_config(home()) == config
    assert keys.install_id(home(), create=False) == install
    assert keys.load_backup_key(home()) == key
    assert Sale.objects.count() == len(store["sales"]) and Terminal.objects.count() == 2
    assert {model: model.objects.count() for model in BACK_OFFICE_MODELS} == made
    assert DocumentSeries.objects.get(code="b1").last_hash == (
        Sale.objects.filter(series__code="b1").order_by("-number").first().chain_hash
    )
    # and the reinstalled store takes new backups that verify
    from itplus.store.maintenance.verify import backup_verify

    assert backup_verify(path=backup_create(to=tmp_path / "new").path).ok


def test_a_plain_backup_on_a_wiped_machine_needs_the_key(tmp_path):
    build_store(sales=1)
    archive = usb_copy(backup_create().path, tmp_path)
    wipe_home()
    wipe_database()

    with pytest.raises(RestoreRefused) as refused:
        store_reinstall(archive=archive)
    assert refused.value.credential and "--key" in str(refused.value)
    with pytest.raises(RestoreRefused, match="clave indicada"):
        store_reinstall(archive=archive, key=bytes(32))
    assert dbcopy.database_is_empty()


def test_reinstall_refuses_an_existing_store(tmp_path):
    build_store(sales=1)
    archive = usb_copy(backup_create().path, tmp_path)
    before = digest.content_digest()[0]

    with pytest.raises(RestoreRefused, match="itplus restore"):
        store_reinstall(archive=archive, key=keys.load_backup_key(home()))
    (home() / "itplus.toml").unlink()
    shutil.rmtree(home() / "reports")
    shutil.rmtree(home() / "media")
    for name in ("backup.key", "install.id"):
        (home() / name).unlink()
    with pytest.raises(RestoreRefused, match="ya tiene tablas"):
        store_reinstall(archive=archive, key=bytes(32))
    assert digest.content_digest()[0] == before


def test_terminal_reinstall_only_records_the_server(tmp_path):
    wipe_home()

    result = store_reinstall(role="terminal", server_url="http://192.168.1.10:8000/")

    assert result.role == "terminal"
    assert config_read(home())["install"] == {
        "role": "terminal",
        "server_url": "http://192.168.1.10:8000",
    }
    with pytest.raises(RestoreRefused, match="dirección del servidor"):
        store_reinstall(role="terminal", server_url="192.168.1.10")


def test_cli_reinstall_into_a_new_home_in_one_command(tmp_path):
    """`itplus reinstall --from F --home DIR --key K` on a machine with nothing: the
    command re-runs itself with ITPLUS_HOME=DIR and prints IDÉNTICO."""
    build_store(sales=4)
    archive = usb_copy(backup_create().path, tmp_path)
    key = " ".join(keys.format_key(keys.load_backup_key(home())))
    new_home = tmp_path / "nueva"
    env = itplus_env()
    scratch = None
    if connection.vendor == "sqlite":
        env.pop("DATABASE_URL")  # the new install's own SQLite file in its home
    else:
        scratch = f"itplus_bk_cli_{uuid.uuid4().hex[:8]}"
        env["DATABASE_URL"] = env["DATABASE_URL"].rsplit("/", 1)[0] + "/" + scratch
    try:
        run = itplus(
            "reinstall",
            "--from",
            str(archive),
            "--home",
            str(new_home),
            "--key",
            key,
            env=env,
            timeout=300,
        )
        assert run.returncode == 0, run.stderr
        assert "IDÉNTICO" in run.stdout
        assert "Almacén La Prueba" in run.stdout
        assert (new_home / "itplus.toml").is_file() and (new_home / "backup.key").is_file()
        if connection.vendor == "sqlite":
            assert (new_home / "itplus.sqlite3").is_file()
        again = itplus(
            "reinstall",
            "--from",
            str(archive),
            "--home",
            str(new_home),
            "--key",
            key,
            env=env,
            timeout=300,
        )
        assert again.returncode == 1 and "itplus restore" in again.stderr
    finally:
        if scratch:
            dbcopy.pg_drop_database(connection.settings_dict, scratch)
