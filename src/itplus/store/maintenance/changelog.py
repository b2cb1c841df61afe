"""Database triggers that log which blocks of rows changed, for incremental digests.

Every digested table with an integer primary key gets an AFTER UPDATE and an AFTER DELETE
trigger writing ``(table, key // BLOCK_KEYS)`` into ``maintenance_contentchange``, in the
same transaction as the change — so a change made with an SQL console is logged too.
Ordinary inserts are not logged: a new key lands in the table's last blocks, which every
backup recomputes, and an insert anywhere else changes the table's row count, which the
backup checks (``digest.py``). SQLite also logs an insert below the table's highest key:
``INSERT OR REPLACE`` deletes the old row without firing DELETE triggers, so the count
alone would not show it. PostgreSQL uses statement-level triggers with a transition table
(one INSERT per UPDATE statement, however many rows it touched).

The triggers are (re)created by ``ensure_change_triggers`` before each backup: a table that
had none (new, or rebuilt by a SQLite migration, which drops triggers) has its cached
digests dropped, so it is digested in full once. Trigger names carry ``VERSION``; triggers
of another version are dropped.
"""

from __future__ import annotations

import hashlib

from django.db import connections, models, transaction

from itplus.store.maintenance.models import DigestBlock, DigestCache, DigestTable

VERSION = 1
PREFIX = f"itplus_chg{VERSION}_"
LOG_TABLE = "maintenance_contentchange"
# Keys per block: a block is the rows with primary key in [b × BLOCK_KEYS, (b+1) × BLOCK_KEYS).
BLOCK_KEYS = 4096
WHOLE_TABLE = -1  # logged when the key cannot be read: the whole table is recomputed
PG_FUNCTION = f"{PREFIX}log"


def _sqlite_name(table: str, event: str) -> str:
    name = f"{PREFIX}{event}_{table}"
    if len(name) > 120:
        name = f"{PREFIX}{event}_{hashlib.sha256(table.encode()).hexdigest()[:16]}"
    return name


SQLITE_EVENTS = ("u", "d", "i")
PG_EVENTS = ("u", "d")


def _sqlite_trigger(table: str, pk: str, event: str) -> str:
    literal = table.replace("'", "''")
    # Keys are not negative in a Django table; a negative one makes the backup read the
    # whole table (digest.py), so truncating division here is harmless.
    if event == "i":
        return (
            f'CREATE TRIGGER "{_sqlite_name(table, event)}" AFTER INSERT ON "{table}" '
            f'FOR EACH ROW WHEN NEW."{pk}" < (SELECT max("{pk}") FROM "{table}") '
            f"BEGIN INSERT INTO {LOG_TABLE} (table_name, block) "
            f"VALUES ('{literal}', NEW.\"{pk}\" / {BLOCK_KEYS}); END"
        )
    verb = {"u": "UPDATE", "d": "DELETE"}[event]
    return (
        f'CREATE TRIGGER "{_sqlite_name(table, event)}" AFTER {verb} ON "{table}" FOR EACH ROW '
        f"BEGIN INSERT INTO {LOG_TABLE} (table_name, block) "
        f"VALUES ('{literal}', coalesce(OLD.\"{pk}\" / {BLOCK_KEYS}, {WHOLE_TABLE})); END"
    )


PG_FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO {LOG_TABLE} (table_name, block)
    SELECT DISTINCT TG_TABLE_NAME,
           coalesce((to_jsonb(o) ->> TG_ARGV[0])::bigint / {BLOCK_KEYS}, {WHOLE_TABLE})
    FROM itplus_old o;
    RETURN NULL;
END $$
"""


def _pg_trigger(table: str, pk: str, event: str) -> str:
    verb = {"u": "UPDATE", "d": "DELETE"}[event]
    literal = pk.replace("'", "''")
    return (
        f'CREATE TRIGGER {PREFIX}{event} AFTER {verb} ON "{table}" '
        f"REFERENCING OLD TABLE AS itplus_old FOR EACH STATEMENT "
        f"EXECUTE FUNCTION {PG_FUNCTION}('{literal}')"
    )


def _existing(using: str) -> set[tuple[str, str]]:
    """(table, event) pairs that have a trigger of this version; drops other versions'."""
    connection = connections[using]
    found: set[tuple[str, str]] = set()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name, tbl_name FROM sqlite_master "
                "WHERE type = 'trigger' AND name LIKE 'itplus\\_chg%' ESCAPE '\\'"
            )
            for name, table in cursor.fetchall():
                event = name[len(PREFIX)] if name.startswith(PREFIX) else ""
                if event in SQLITE_EVENTS and name == _sqlite_name(table, event):
                    found.add((table, event))
                else:
                    cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        else:
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND t.tgname LIKE 'itplus\\_chg%' "
                "AND pg_table_is_visible(c.oid)"
            )
            for table, name in cursor.fetchall():
                event = name[len(PREFIX) :] if name.startswith(PREFIX) else ""
                if event in PG_EVENTS:
                    found.add((table, event))
                else:
                    cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
    return found


def ensure_change_triggers(tables: dict[str, models.Field], *, using: str) -> set[str]:
    """Give every table in ``tables`` (table → its integer primary key field) its change
    triggers; returns the tables that had none (their cached digests must not be trusted).
    """
    connection = connections[using]
    events = SQLITE_EVENTS if connection.vendor == "sqlite" else PG_EVENTS
    with transaction.atomic(using=using):
        existing = _existing(using)
        missing = {t for t in tables if not {(t, e) for e in events} <= existing}
        if not missing:
            return set()
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(PG_FUNCTION_SQL)
            for table in sorted(missing):
                pk = tables[table].column
                for event in events:
                    if (table, event) in existing:
                        continue
                    if connection.vendor == "sqlite":
                        cursor.execute(_sqlite_trigger(table, pk, event))
                    else:
                        cursor.execute(_pg_trigger(table, pk, event))
        DigestBlock.objects.using(using).filter(table_name__in=missing).delete()
        DigestTable.objects.using(using).filter(table_name__in=missing).delete()
        # A backup already running read these tables before their triggers existed: its
        # digests must not be cached (save_cache checks the generation).
        state, _created = DigestCache.objects.using(using).get_or_create(pk=1)
        DigestCache.objects.using(using).filter(pk=1).update(generation=state.generation + 1)
    return missing


def drop_change_triggers(*, using: str) -> None:
    """Remove every change trigger (before the log table itself goes away)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master "
                "WHERE type = 'trigger' AND name LIKE 'itplus\\_chg%' ESCAPE '\\'"
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        else:
            cursor.execute(
                "SELECT c.relname, t.tgname FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal AND t.tgname LIKE 'itplus\\_chg%' "
                "AND pg_table_is_visible(c.oid)"
            )
            for table, name in cursor.fetchall():
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
            cursor.execute(f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()")
