"""SQLite snapshots: the live file pinned by a read transaction begun after a complete
checkpoint (archived as it is), the backup-API copy when that cannot be arranged, and the
archived file standing alone."""

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from django.db import connection, connections

from itplus.store.catalog.models import Category
from itplus.store.maintenance import dbcopy
from itplus.store.maintenance.backup import backup_create
from tests.store.maintenance.support import build_store, clear_home, read_members

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "sqlite",
        reason="SQLite files (PostgreSQL snapshots are pg_dump under an exported snapshot)",
    ),
]

ROWS = 1500  # of about 4 KiB each: past the WAL auto-checkpoint of 1000 pages
BATCH = 150


@pytest.fixture(autouse=True)
def clean_home(transactional_db, scratch_aliases):
    clear_home()
    yield
    clear_home()


def live() -> Path:
    return dbcopy.sqlite_path("default")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def other_connection() -> sqlite3.Connection:
    """A second program on the same database (a till), outside Django."""
    return sqlite3.connect(live(), timeout=30, isolation_level=None)


def categories(alias: str) -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_category")
        return cursor.fetchone()[0]


def write_many(con: sqlite3.Connection) -> None:
    """Commit ROWS big rows in several transactions (each commit may auto-checkpoint)."""
    filler = "x" * 4000
    for start in range(0, ROWS, BATCH):
        con.execute("BEGIN")
        con.executemany(
            "INSERT INTO catalog_category (name, parent_id) VALUES (?, NULL)",
            [(f"{i:05d} {filler}",) for i in range(start, start + BATCH)],
        )
        con.execute("COMMIT")


def test_live_file_is_pinned_and_unchanged_while_others_commit(tmp_path):
    Category.objects.create(name="Antes del respaldo")

    with dbcopy.database_snapshot(using="default", dest_dir=tmp_path) as snap:
        assert not snap.owned and snap.ready
        assert snap.path == live()
        assert snap.head is dbcopy.sqlite_archive_head
        pinned = sha256(live())
        with closing(other_connection()) as till:
            page_size = till.execute("PRAGMA page_size").fetchone()[0]
            write_many(till)
            assert Path(f"{live()}-wal").stat().st_size > 1000 * page_size
            _busy, frames, copied = till.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
            assert copied < frames  # the pin holds every new frame back
        assert sha256(live()) == pinned
        assert categories(snap.alias) == 1

    assert not list(tmp_path.iterdir())  # no copy was made
    assert Category.objects.count() == 1 + ROWS


def test_an_older_reader_holding_wal_frames_makes_it_copy(tmp_path):
    Category.objects.create(name="Antes del lector")
    with closing(other_connection()) as reader:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM catalog_category").fetchone() == (1,)
        Category.objects.create(name="Después del lector")  # WAL frames past its snapshot

        with dbcopy.database_snapshot(using="default", dest_dir=tmp_path) as snap:
            assert snap.owned and snap.head is None
            assert snap.path.parent == tmp_path and snap.path.is_file()
            assert categories(snap.alias) == 2  # the copy is current, not the reader's view

        reader.execute("ROLLBACK")


def test_archived_database_stands_alone_in_rollback_journal_mode(tmp_path):
    build_store(sales=2, back_office=False)
    assert live().read_bytes()[18:20] == b"\x02\x02"  # the live file is in WAL mode

    result = backup_create(to=tmp_path)

    _fields, members = read_members(result.path)
    extracted = tmp_path / "itplus.sqlite3"
    extracted.write_bytes(dict(members)[dbcopy.SQLITE_MEMBER])
    assert extracted.read_bytes()[18:20] == b"\x01\x01"
    with closing(sqlite3.connect(f"{extracted.as_uri()}?mode=ro", uri=True)) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert con.execute("SELECT count(*) FROM sales_sale").fetchone() == (2,)
    assert not Path(f"{extracted}-wal").exists()


def test_sqlite_archive_head_only_rewrites_a_wal_header():
    wal = bytearray(100)
    wal[18:20] = b"\x02\x02"
    dbcopy.sqlite_archive_head(memoryview(wal))
    assert wal[18:20] == b"\x01\x01"

    journal = bytearray(100)
    journal[18:20] = b"\x01\x01"
    dbcopy.sqlite_archive_head(memoryview(journal))
    assert journal[18:20] == b"\x01\x01"
