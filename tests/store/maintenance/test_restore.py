"""itplus restore: verify first, safety backup, same content back, refusals touch nothing."""

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections

from itplus.store.maintenance import dbcopy, digest, keys
from itplus.store.maintenance.backup import backup_create
from itplus.store.maintenance.restore import RestoreError, RestoreRefused, backup_restore
from itplus.store.maintenance.verify import backup_verify
from itplus.store.sales.models import Sale
from tests.factories import make_sale
from tests.store.maintenance.support import (
    build_store,
    clear_home,
    flip,
    home,
    home_snapshot,
    manifest_of,
    repack,
    replace_member,
    resign,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def clean_home(transactional_db, scratch_aliases):
    clear_home()
    yield
    clear_home()


def change_everything(store) -> None:
    make_sale(terminal=store["terminal"], cashier=store["cashier"], products=store["products"])
    (home() / "itplus.toml").write_text('[store]\nname = "Otro nombre"\n', encoding="utf-8")
    (home() / "reports" / "2026" / "ventas-noviembre.csv").unlink()
    (home() / "media" / "nuevo.png").write_bytes(b"new")


def test_restore_brings_back_the_same_data_and_files_after_a_safety_backup(tmp_path):
    store = build_store()
    tables, files = digest.table_digests(), home_snapshot()
    path = backup_create(to=tmp_path).path
    change_everything(store)
    changed = digest.content_digest()[0]

    result = backup_restore(path=path)

    assert result.identical
    assert digest.table_digests() == tables
    assert home_snapshot() == files
    assert result.comparison and all(row.equal for row in result.comparison)
    assert result.safety_backup.parent == home() / "backups"
    assert "-antes-de-restaurar" in result.safety_backup.name
    safety = backup_verify(path=result.safety_backup)
    assert safety.ok and safety.manifest["content_digest"] == changed


def test_sqlite_restore_removes_stale_wal_and_shm(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite files")
    build_store(sales=2)
    tables = digest.table_digests()
    path = backup_create(to=tmp_path).path
    connections.close_all()
    live = dbcopy.sqlite_path("default")
    Path(f"{live}-wal").write_bytes(b"stale wal from a crashed program" * 100)
    Path(f"{live}-shm").write_bytes(b"\0" * 32768)

    result = backup_restore(path=path)

    assert result.identical and digest.table_digests() == tables
    assert dbcopy.sqlite_check(live) == []


def test_cli_prints_the_comparison(tmp_path, capsys):
    build_store(sales=2)
    path = backup_create(to=tmp_path).path

    call_command("restore", str(path))

    out = capsys.readouterr().out
    assert "sales_sale" in out and "igual" in out
    assert out.strip().splitlines()[-2] == "IDÉNTICO"


def test_a_damaged_backup_is_refused_before_touching_anything(tmp_path):
    store = build_store(sales=2)
    path = backup_create(to=tmp_path).path
    change_everything(store)
    before, files = digest.content_digest()[0], home_snapshot()
    flip(path, path.stat().st_size // 2)

    with pytest.raises(RestoreRefused, match="no pasó la verificación"):
        backup_restore(path=path)
    with pytest.raises(RestoreRefused, match="no se puede forzar"):
        backup_restore(path=path, force=True)  # unreadable: even --force cannot

    assert digest.content_digest()[0] == before and home_snapshot() == files
    assert not (home() / "backups").exists()


def test_force_restores_a_readable_backup_that_failed_verification_loudly(tmp_path):
    build_store(sales=2)
    path = backup_create(to=tmp_path).path
    without_report = repack(
        path, tmp_path / "r.itpbak", lambda m: [(n, d) for n, d in m if "reports/" not in n]
    )

    with pytest.raises(RestoreRefused):
        backup_restore(path=without_report)
    result = backup_restore(path=without_report, force=True)

    assert any("NO pasó la verificación" in w for w in result.warnings)
    assert result.identical  # the database itself was fine
    assert not (home() / "reports" / "2026").exists()


def test_a_backup_from_a_newer_itplus_is_refused_before_anything(tmp_path):
    build_store(sales=1)
    path = backup_create(to=tmp_path).path
    newer_app = repack(
        path, tmp_path / "n.itpbak", lambda m: m, header=lambda f: {**f, "app_version": "99.0"}
    )

    def newer_schema(members):
        def add_migration(manifest):
            manifest["migrations"]["sales"].append("0099_future")

        return replace_member(members, "manifest.json", resign(manifest_of(members), add_migration))

    # the newer itplus signed it with this store's key, and bound it to this file's header
    newer_db = repack(path, tmp_path / "m.itpbak", newer_schema)
    before = digest.content_digest()[0]

    with pytest.raises(RestoreRefused, match="más nuevo"):
        backup_restore(path=newer_app, force=True)
    with pytest.raises(RestoreRefused, match="versión más nueva"):
        backup_restore(path=newer_db, force=True)
    assert digest.content_digest()[0] == before
    assert not (home() / "backups").exists()


def test_a_backup_of_another_install_needs_force(tmp_path):
    build_store(sales=1)
    path = backup_create(to=tmp_path).path
    keys.set_install_id(home(), "11111111-2222-3333-4444-555555555555")

    with pytest.raises(RestoreRefused, match="otra instalación"):
        backup_restore(path=path)
    result = backup_restore(path=path, force=True)
    assert result.identical


def test_wrong_passphrase_is_a_credential_refusal(tmp_path):
    build_store(sales=1)
    path = backup_create(to=tmp_path, passphrase="la buena frase").path
    with pytest.raises(RestoreRefused) as refused:
        backup_restore(path=path, passphrase="la mala frase")
    assert refused.value.credential


def test_restore_from_an_older_migration_state_migrates_forward(tmp_path):
    """A backup whose manifest (and database) lack a migration this version has is
    restored, compared, then migrated forward."""
    build_store(sales=1)
    path = backup_create(to=tmp_path).path
    # Simulate "older": drop the newest admin migration from the backup's database.
    recorder_row = ("admin", "0003_logentry_add_action_flag_choices")

    def older(members):
        from tests.store.maintenance.support import tamper_database

        workdir = tmp_path / "w"
        workdir.mkdir(exist_ok=True)
        member = next(n for n, _ in members if n.startswith("db/"))
        members = tamper_database(
            members,
            member,
            [
                f"DELETE FROM django_migrations WHERE app = '{recorder_row[0]}' "
                f"AND name = '{recorder_row[1]}'"
            ],
            workdir,
        )
        data = dict(members)[member]

        def fix(manifest):
            manifest["migrations"]["admin"].remove(recorder_row[1])
            import hashlib

            manifest["files"][member] = {
                "sha256": hashlib.sha256(data).hexdigest(),
                "size": len(data),
            }

        return replace_member(members, "manifest.json", resign(manifest_of(members), fix))

    old = repack(path, tmp_path / "old.itpbak", older)

    result = backup_restore(path=old)

    assert result.identical
    assert result.migrated == [".".join(recorder_row)]
    assert dbcopy.migration_gap(dbcopy.applied_migrations(using="default"))[0] == []


@pytest.mark.postgres_only
def test_postgres_truncated_dump_never_succeeds_with_empty_tables(tmp_path):
    store = build_store(sales=3)
    path = backup_create(to=tmp_path).path
    before = digest.table_digests()

    def truncate(members):
        member = "db/itplus.pgdump"
        data = dict(members)[member]
        return replace_member(members, member, data[: len(data) // 2])

    cut = repack(path, tmp_path / "cut.itpbak", truncate)
    assert "pg_restore" in " ".join(backup_verify(path=cut).problems)
    with pytest.raises(RestoreError, match="pg_restore"):
        backup_restore(path=cut, force=True)  # --force passes verify, pg_restore still stops
    assert digest.table_digests() == before  # the live database was never replaced
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'itplus\\_bk\\_%'")
        assert cursor.fetchone()[0] == 0
    assert Sale.objects.count() == len(store["sales"])
