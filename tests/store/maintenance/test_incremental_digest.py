"""Incremental content digest: block digests cached by a backup, a trigger-written change
log, the row-count check; and the format-1 digests of older backups."""

import pytest
from django.db import connection

from itplus.store.catalog.models import Category, Product
from itplus.store.maintenance import changelog, digest
from itplus.store.maintenance.backup import backup_create
from itplus.store.maintenance.models import ContentChange, DigestBlock, DigestCache, DigestTable
from itplus.store.maintenance.verify import backup_verify
from tests.store.maintenance.support import (
    build_store,
    clear_home,
    manifest_of,
    repack,
    replace_member,
    resign,
)

pytestmark = pytest.mark.django_db(transaction=True)

TABLE = "catalog_category"
BLOCK = changelog.BLOCK_KEYS
OLD = 100  # block 0: far below the table's tail, so the first backup caches it
NEW = 12 * BLOCK + 100  # block 12: the tail (the last TAIL_BLOCKS blocks below max_id)


@pytest.fixture(autouse=True)
def clean_home(transactional_db, scratch_aliases):
    clear_home()
    yield
    clear_home()


@pytest.fixture
def cached(tmp_path):
    """A store whose first backup filled the digest cache; its categories sit in an old
    block (0) and in the tail block (12)."""
    assert OLD // BLOCK < NEW // BLOCK - digest.TAIL_BLOCKS + 1  # block 0 is not in the tail
    store = build_store(sales=2, back_office=False)
    Category.objects.create(pk=OLD, name="Lácteos")
    Category.objects.create(pk=OLD + 1, name="Panadería")
    Category.objects.create(pk=NEW, name="Bebidas")
    first = backup_create(to=tmp_path)
    assert set(cached_blocks(TABLE)) == {0, 12}
    assert not ContentChange.objects.exists()
    return {**store, "first": first}


def cached_blocks(table: str) -> dict[int, tuple[int, str]]:
    return {b.block: (b.rows, b.sha256) for b in DigestBlock.objects.filter(table_name=table)}


def full_blocks(table: str) -> dict[int, tuple[int, str]]:
    """Every block of ``table`` digested from its rows (what the cache should hold)."""
    model = digest._model_tables("default")[table]
    return digest._all_blocks(digest._plan("default", table, model), "default")


def incremental() -> digest.CacheUpdate:
    """The incremental digest of the live database, checked against a full read."""
    digests, update = digest.incremental_table_digests(using="default")
    assert digests == digest.table_digests()
    return update


def cache_state() -> tuple:
    return (
        DigestCache.objects.get(pk=1).generation,
        sorted(DigestTable.objects.values_list("table_name", "signature", "max_id")),
        sorted(DigestBlock.objects.values_list("table_name", "block", "rows", "sha256")),
        sorted(ContentChange.objects.values_list("id", "table_name", "block")),
    )


def logged_blocks(table: str) -> set[int]:
    return set(ContentChange.objects.filter(table_name=table).values_list("block", flat=True))


def drop_trigger(table: str, event: str = "u") -> None:
    """What a SQLite migration rebuilding the table (or a careless admin) does."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f'DROP TRIGGER "{changelog.PREFIX}{event}_{table}"')
        else:
            cursor.execute(f'DROP TRIGGER {changelog.PREFIX}{event} ON "{table}"')


# --- the incremental digest equals the full one -----------------------------------------


def test_nothing_changed_only_the_tail_blocks_are_read(cached):
    update = incremental()

    category = update.tables[TABLE]
    assert not category.replace_all
    assert set(category.blocks) == {12}


def test_orm_update_of_an_old_row_is_logged_and_only_its_block_is_read_again(cached):
    Category.objects.filter(pk=OLD).update(name="Lácteos y huevos")

    assert logged_blocks(TABLE) == {0}
    update = incremental()
    assert not update.tables[TABLE].replace_all
    assert set(update.tables[TABLE].blocks) == {0, 12}


def test_orm_save_of_a_product_price_is_logged_and_digested(cached):
    product = cached["products"][0]
    product.price_clp = 1290
    product.save()

    assert logged_blocks(Product._meta.db_table) == {product.pk // BLOCK}
    incremental()


def test_raw_sql_update_is_logged_by_the_trigger(cached):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET name = %s WHERE id = %s", ["Lácteos (SQL)", OLD])

    assert logged_blocks(TABLE) == {0}
    update = incremental()
    assert set(update.tables[TABLE].blocks) == {0, 12}


def test_delete_emptying_an_old_block_drops_it_from_the_cache(cached):
    Category.objects.filter(pk__in=[OLD, OLD + 1]).delete()

    assert logged_blocks(TABLE) == {0}
    update = incremental()
    assert update.tables[TABLE].dropped == {0}
    assert digest.save_cache(update)
    assert cached_blocks(TABLE) == full_blocks(TABLE)
    assert set(cached_blocks(TABLE)) == {12}


def test_rows_appended_past_the_highest_key_are_read_with_the_tail(cached):
    Category.objects.create(pk=NEW + 1, name="Bebidas sin azúcar")
    Category.objects.create(pk=NEW + 5 * BLOCK, name="Congelados")  # block 17

    assert not ContentChange.objects.exists()  # inserts are not logged
    update = incremental()
    assert not update.tables[TABLE].replace_all
    assert set(update.tables[TABLE].blocks) == {12, 17}


def test_insert_with_a_small_key_into_an_old_block_is_caught(cached):
    """SQLite logs an insert below the highest key (INSERT OR REPLACE needs it);
    PostgreSQL does not, and the row count check sends the table to a full read."""
    Category.objects.create(pk=OLD + 2, name="Aseo")

    update = incremental()
    if connection.vendor == "sqlite":
        assert logged_blocks(TABLE) == {0}
        assert not update.tables[TABLE].replace_all
    else:
        assert not ContentChange.objects.exists()
        assert update.tables[TABLE].replace_all  # the whole table was read again


def test_second_backup_manifest_matches_a_full_read_and_verifies(cached, tmp_path):
    Category.objects.filter(pk=OLD).update(name="Lácteos y huevos")
    Category.objects.filter(pk=OLD + 1).delete()
    Category.objects.create(pk=NEW + 1, name="Congelados")
    product = cached["products"][1]
    product.price_clp = 2590
    product.save()

    second = backup_create(to=tmp_path)

    tables = digest.table_digests()
    assert second.manifest["tables"] == {t: d.as_dict() for t, d in tables.items()}
    assert second.manifest["content_digest"] == digest.combine(tables)
    assert second.manifest["content_digest"] != cached["first"].manifest["content_digest"]
    assert backup_verify(path=second.path, record=False).ok
    # the cache it left is what a full read gives, and the log it used is gone
    assert not ContentChange.objects.exists()
    for table in (TABLE, Product._meta.db_table):
        assert cached_blocks(table) == full_blocks(table)


# --- triggers -----------------------------------------------------------------------------


def test_missing_trigger_is_recreated_and_its_table_cache_dropped(cached):
    drop_trigger(TABLE)
    generation = DigestCache.objects.get(pk=1).generation

    missing = changelog.ensure_change_triggers(digest.keyed_tables(), using="default")

    assert missing == {TABLE}
    assert not DigestBlock.objects.filter(table_name=TABLE).exists()
    assert not DigestTable.objects.filter(table_name=TABLE).exists()
    assert DigestBlock.objects.exclude(table_name=TABLE).exists()  # other tables keep theirs
    assert DigestCache.objects.get(pk=1).generation == generation + 1
    assert changelog.ensure_change_triggers(digest.keyed_tables(), using="default") == set()
    Category.objects.filter(pk=OLD).update(name="Lácteos y huevos")
    assert logged_blocks(TABLE) == {0}  # the trigger is back


def test_change_made_while_the_trigger_was_missing_is_in_the_next_backup(cached, tmp_path):
    drop_trigger(TABLE, "u")
    drop_trigger(TABLE, "d")
    Category.objects.filter(pk=OLD).update(name="Lácteos y huevos")
    assert not ContentChange.objects.exists()  # nobody logged it

    second = backup_create(to=tmp_path)

    tables = digest.table_digests()
    assert second.manifest["tables"][TABLE] == tables[TABLE].as_dict()
    assert second.manifest["content_digest"] == digest.combine(tables)
    assert cached_blocks(TABLE) == full_blocks(TABLE)


# --- save_cache and the generation --------------------------------------------------------


def test_save_cache_refuses_an_update_older_than_the_last_save(cached):
    Category.objects.filter(pk=OLD).update(name="Lácteos y huevos")
    _digests, older = digest.incremental_table_digests(using="default")
    _digests, newer = digest.incremental_table_digests(using="default")
    assert digest.save_cache(newer) is True
    before = cache_state()

    assert digest.save_cache(older) is False

    assert cache_state() == before


def test_save_cache_refuses_an_update_read_before_triggers_were_recreated(cached):
    Category.objects.filter(pk=OLD).update(name="Lácteos y huevos")
    _digests, update = digest.incremental_table_digests(using="default")
    drop_trigger(Product._meta.db_table)
    assert changelog.ensure_change_triggers(digest.keyed_tables(), using="default") == {
        Product._meta.db_table
    }
    before = cache_state()

    assert digest.save_cache(update) is False

    assert cache_state() == before
    assert logged_blocks(TABLE) == {0}  # the change log was not consumed


# --- a wrong cache: trusted by create, caught by verify -----------------------------------


def test_wrong_cached_block_is_trusted_by_create_but_verify_names_the_table(cached, tmp_path):
    DigestBlock.objects.filter(table_name=TABLE, block=0).update(sha256="0" * 64)

    second = backup_create(to=tmp_path)

    assert second.manifest["tables"][TABLE] != digest.table_digests()[TABLE].as_dict()
    result = backup_verify(path=second.path, record=False)
    assert not result.ok
    assert any(TABLE in problem for problem in result.problems)


# --- format 1 (backups made before blocks) ------------------------------------------------


def test_manifest_without_digest_format_is_format_1():
    assert digest.manifest_format({}) == 1
    assert digest.manifest_format({"digest_format": 2}) == 2


def test_format_1_and_format_2_differ_for_every_non_empty_table_and_are_stable():
    build_store(sales=2, back_office=False)

    one, two = digest.table_digests(format=1), digest.table_digests(format=2)

    assert one == digest.table_digests(format=1)
    assert two == digest.table_digests()
    assert {t: d.rows for t, d in one.items()} == {t: d.rows for t, d in two.items()}
    assert one["sales_sale"].rows > 0
    for table in one:  # an empty table hashes its header alone in both formats
        assert (one[table].sha256 == two[table].sha256) == (one[table].rows == 0), table


def as_format_1(members):
    """The archive's manifest rewritten as a format-1 backup made of the same data."""
    tables = digest.table_digests(format=1)

    def mutate(manifest):
        del manifest["digest_format"]
        manifest["tables"] = {t: d.as_dict() for t, d in tables.items()}
        manifest["content_digest"] = digest.combine(tables)

    return replace_member(members, "manifest.json", resign(manifest_of(members), mutate))


def test_format_1_backup_is_verified_with_format_1_digests(tmp_path):
    build_store(sales=2, back_office=False)
    made = backup_create(to=tmp_path)

    old = repack(made.path, tmp_path / "formato-1.itpbak", as_format_1)

    result = backup_verify(path=old, record=False)
    assert result.ok, result.problems
    assert result.tables == digest.table_digests(format=1)


def test_format_1_digests_under_a_format_2_label_do_not_verify(tmp_path):
    build_store(sales=2, back_office=False)
    made = backup_create(to=tmp_path)

    def mislabelled(members):
        members = as_format_1(members)
        return replace_member(
            members,
            "manifest.json",
            resign(manifest_of(members), lambda m: m.update(digest_format=2)),
        )

    result = backup_verify(
        path=repack(made.path, tmp_path / "mal.itpbak", mislabelled), record=False
    )
    assert not result.ok
    assert any("sales_sale" in problem for problem in result.problems)


# --- SQL an editor may run: upserts, REPLACE, negative keys -------------------------------


def test_upsert_updating_an_old_row_is_logged(cached):
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (id, name, parent_id) VALUES (%s, %s, NULL) "
            "ON CONFLICT (id) DO UPDATE SET name = excluded.name",
            [OLD, "Lácteos (upsert)"],
        )

    assert logged_blocks(TABLE) == {0}
    incremental()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="INSERT OR REPLACE is SQLite's")
def test_insert_or_replace_of_an_old_row_is_digested(cached):
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT OR REPLACE INTO {TABLE} (id, name, parent_id) VALUES (%s, %s, NULL)",
            [OLD, "Lácteos (replace)"],
        )

    incremental()


@pytest.mark.parametrize("key", [-5, -3 * BLOCK])
def test_update_of_a_row_with_a_negative_key_is_digested(tmp_path, key):
    Category.objects.create(pk=key, name="Clave negativa")
    Category.objects.create(pk=NEW, name="Bebidas")
    backup_create(to=tmp_path)

    Category.objects.filter(pk=key).update(name="Clave negativa, cambiada")

    incremental()
