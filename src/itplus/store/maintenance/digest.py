"""Content digest of the business data: the same bytes on SQLite and on PostgreSQL.

Every model table is read through a raw cursor in primary-key order, each value turned
into a canonical form that does not depend on the engine (SQLite hands back text for
dates and 0/1 for booleans, PostgreSQL hands back datetime and bool objects):

- booleans → true/false; integers as they are; decimals → fixed-point text at the field's
  decimal places; datetimes → UTC ``YYYY-MM-DDTHH:MM:SS.ffffffZ``; dates and times → ISO;
  UUIDs → 32 hex digits; JSON → sorted-key compact JSON; bytes → hex; durations →
  microseconds.

Each row is encoded as compact JSON (``[1,"texto",null,true,"1.000"]``). Rows are grouped
in blocks by primary key (``changelog.BLOCK_KEYS`` keys per block); a block hashes its rows,
each followed by a comma, in key order; a table hashes its name, its (sorted) column names
and the list of its non-empty blocks (number, rows, hash); the content digest is the
SHA-256 of the sorted table list with their row counts and hashes. Tables without an
integer key are one block, sorted by their canonical key. Volatile tables (sessions) and
the digest's own bookkeeping are left out. Cursors stream rows: memory stays flat.

Format 1 (backups made before blocks existed) hashed a table's rows directly, with no
blocks; ``table_digests(format=1)`` still computes it, to check those backups.

Incremental digests (``incremental_table_digests``, what ``backup create`` uses): the
block digests of the last backup are kept in the database (``models.py``) with a log of
the blocks touched by an UPDATE or DELETE since (``changelog.py``). A backup recomputes
only the logged blocks and the last two blocks of each table (where new keys land), and
checks each table's row count against the sum of its blocks — an insert below the last
blocks changes it — falling back to the whole table. A year of a busy shop then digests in
a fraction of a second instead of seconds; ``backup verify`` always recomputes everything,
so a cache that went wrong (a database file edited byte by byte, bypassing the triggers)
shows up there as a table that does not match its manifest.

Speed: for the common column types the database itself builds each row's JSON text
(``json_array`` on SQLite, ``to_json`` on PostgreSQL, which escape strings exactly like
Python's ``json.dumps(ensure_ascii=False)``), so Python only hashes one string per row; a
year of a busy shop (800,000 sale lines) hashes in about a second. Tables with a column
the SQL cannot canonicalise (JSON, binary, floats…) are encoded row by row in Python, to
the same text.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import DatabaseError, connections, models, transaction

from itplus.core.integrity import canonical_json
from itplus.store.maintenance.changelog import BLOCK_KEYS, LOG_TABLE, WHOLE_TABLE
from itplus.store.maintenance.models import ContentChange, DigestBlock, DigestCache, DigestTable

DIGEST_FORMAT = 2
KNOWN_FORMATS = (1, 2)
# Rows a user would never want back from a backup, and that change while we read.
VOLATILE_TABLES = frozenset({"django_session"})
# The incremental digest's own state (not business data; see models.py).
BOOKKEEPING_TABLES = frozenset(
    {
        LOG_TABLE,
        "maintenance_digestblock",
        "maintenance_digesttable",
        "maintenance_digestcache",
    }
)
# The last blocks of a table, where new keys land (two: ids of transactions still open
# at the snapshot may commit later just below the highest key seen).
TAIL_BLOCKS = 2
BATCH = 2000
INTEGER_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
    }
)


@dataclass(frozen=True)
class TableDigest:
    rows: int
    sha256: str

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "sha256": self.sha256}


def _target(field: models.Field) -> models.Field:
    while field.is_relation and field.target_field is not field:
        field = field.target_field
    return field


def _datetime(value: Any) -> str:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:  # SQLite stores UTC without an offset
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _decimal(places: int | None) -> Callable[[Any], str]:
    quantum = Decimal(1).scaleb(-places) if places is not None else None

    def convert(value: Any) -> str:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if quantum is not None:
            number = number.quantize(quantum)
        return format(number, "f")

    return convert


def _json(value: Any) -> str:
    if isinstance(value, str):
        value = json.loads(value)
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _duration(value: Any) -> int:
    if isinstance(value, timedelta):
        return (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    return int(value)


def _converter(field: models.Field) -> Callable[[Any], Any] | None:
    kind = _target(field).get_internal_type()
    if kind == "BooleanField":
        return bool
    if kind == "DecimalField":
        return _decimal(_target(field).decimal_places)
    if kind == "DateTimeField":
        return _datetime
    if kind == "DateField":
        return lambda v: v if isinstance(v, str) else v.isoformat()
    if kind == "TimeField":
        return lambda v: (time.fromisoformat(v) if isinstance(v, str) else v).isoformat(
            timespec="microseconds"
        )
    if kind == "UUIDField":
        return lambda v: (v if isinstance(v, uuid.UUID) else uuid.UUID(str(v))).hex
    if kind == "JSONField":
        return _json
    if kind == "BinaryField":
        return lambda v: bytes(v).hex()
    if kind == "DurationField":
        return _duration
    if kind == "FloatField":
        return float
    if kind in ("GenericIPAddressField", "IPAddressField"):
        return str
    return None


def _sql_value(vendor: str, field: models.Field, column: str) -> str | None:
    """SQL for one column of the row's JSON, or None if Python must encode it.

    SQLite: a value ``json_array()`` encodes (it quotes text, and ``json('true')`` keeps
    its JSON type). PostgreSQL: the column's JSON text, never NULL, for concatenation.
    """
    kind = _target(field).get_internal_type()
    c = column
    lite = vendor == "sqlite"
    text = f"coalesce(to_json({c})::text, 'null')"

    def quoted(expr: str) -> str:
        return f"CASE WHEN {c} IS NULL THEN 'null' ELSE '\"' || {expr} || '\"' END"

    if kind in INTEGER_TYPES:
        return c if lite else f"coalesce(CAST({c} AS TEXT), 'null')"
    if kind == "BooleanField":
        if lite:
            return (
                f"CASE WHEN {c} IS NULL THEN NULL WHEN {c} THEN json('true') ELSE json('false') END"
            )
        return f"CASE WHEN {c} IS NULL THEN 'null' WHEN {c} THEN 'true' ELSE 'false' END"
    if kind in (
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
        "URLField",
        "FilePathField",
        "FileField",
        "ImageField",
    ):
        return c if lite else text
    if kind == "DecimalField" and _target(field).decimal_places is not None:
        places = int(_target(field).decimal_places)
        if lite:
            # printf() turns NULL into 0.000; a nullable decimal must stay null, as on
            # PostgreSQL, or the same rows digest differently on the two engines.
            return f"CASE WHEN {c} IS NULL THEN NULL ELSE printf('%.{places}f', {c}) END"
        return quoted(f"round({c}, {places})::text")
    if kind == "DateTimeField":
        if lite:  # stored as UTC 'YYYY-MM-DD HH:MM:SS[.ffffff]'
            return (
                f"substr({c}, 1, 10) || 'T' || substr({c}, 12, 8) || '.' || "
                f"substr(substr({c}, 21) || '000000', 1, 6) || 'Z'"
            )
        return quoted(f"to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')")
    if kind == "DateField":
        return c if lite else quoted(f"to_char({c}, 'YYYY-MM-DD')")
    if kind == "UUIDField":
        return c if lite else quoted(f"replace({c}::text, '-', '')")
    return None


def _fallback(value: Any) -> Any:
    # Columns of a type we did not map: a stable text form, engine-specific at worst.
    if isinstance(value, datetime):
        return _datetime(value)
    if isinstance(value, date | time | Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return repr(value)


def _model_tables(using: str) -> dict[str, type[models.Model]]:
    connection = connections[using]
    with connection.cursor() as cursor:
        existing = set(connection.introspection.table_names(cursor))
    tables: dict[str, type[models.Model]] = {}
    for model in apps.get_models(include_auto_created=True):
        opts = model._meta
        if opts.proxy or not opts.managed:
            continue
        if opts.db_table in VOLATILE_TABLES or opts.db_table in BOOKKEEPING_TABLES:
            continue
        if opts.db_table in existing:
            tables.setdefault(opts.db_table, model)
    return dict(sorted(tables.items()))


def keyed_tables(*, using: str = "default") -> dict[str, models.Field]:
    """Digested tables with an integer primary key (digested by blocks), with that key."""
    found = {}
    for table, model in _model_tables(using).items():
        pk = model._meta.pk
        if pk is not None and _target(pk).get_internal_type() in INTEGER_TYPES:
            found[table] = pk
    return found


@dataclass
class _Plan:
    """How to read one table's rows as canonical text."""

    table: str
    columns: list[str]
    keyed: bool  # integer primary key: rows come in key order, in blocks
    pk: str  # quoted primary key column ("" when not keyed)
    select: str  # SELECT list; keyed plans start with the raw key
    encode: Callable[[list[tuple]], list[tuple[Any, str]]]  # batch → (key, row text)
    encoding: list[Any]  # how each column becomes text (type, decimal places)

    @property
    def header(self) -> bytes:
        return canonical_json({"table": self.table, "columns": self.columns}) + b"\n"

    @property
    def signature(self) -> str:
        """What cached block digests of this table were computed for."""
        # The encoding too: on PostgreSQL a migration that changes a column's type (say
        # its decimal places) rewrites the rows without an UPDATE trigger firing.
        return hashlib.sha256(
            canonical_json(
                {
                    "format": DIGEST_FORMAT,
                    "block_keys": BLOCK_KEYS,
                    "select": self.select,
                    "encoding": self.encoding,
                }
            )
            + self.header
        ).hexdigest()


def _columns(using: str, table: str) -> set[str]:
    # Not introspection.get_table_description: on SQLite it parses the table's SQL for
    # collations, most of an incremental digest's time.
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM pragma_table_info(%s)", [table])
        else:
            cursor.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = %s",
                [table],
            )
        return {name for (name,) in cursor.fetchall()}


def _plan(using: str, table: str, model: type[models.Model]) -> _Plan:
    connection = connections[using]
    quote = connection.ops.quote_name
    present = _columns(using, table)
    fields = sorted(
        (f for f in model._meta.local_concrete_fields if f.column in present),
        key=lambda f: f.column,
    )
    columns = [f.column for f in fields]
    pk = model._meta.pk
    pk_index = columns.index(pk.column) if pk is not None and pk.column in columns else None
    keyed = pk_index is not None and _target(pk).get_internal_type() in INTEGER_TYPES
    sql_values = [_sql_value(connection.vendor, f, quote(f.column)) for f in fields]
    in_sql = all(v is not None for v in sql_values)
    converters = [(i, c) for i, f in enumerate(fields) if (c := _converter(f)) is not None]

    if in_sql:
        # One JSON text per row, built by the database; plus what to order by.
        if connection.vendor == "sqlite":
            text = f"json_array({', '.join(sql_values)})"  # type: ignore[arg-type]
            key = f"json_array({sql_values[pk_index]})" if pk_index is not None else text
        else:
            text = "'[' || " + " || ',' || ".join(sql_values) + " || ']'"  # type: ignore[arg-type]
            key = f"'[' || {sql_values[pk_index]} || ']'" if pk_index is not None else text
        if keyed:
            select = f"{quote(pk.column)}, {text}"
        else:
            select = f"{key}, {text}"

        def encode(batch: list[tuple]) -> list[tuple[Any, str]]:
            return batch  # type: ignore[return-value]

    else:
        select = ", ".join(quote(c) for c in columns)

        def encode(batch: list[tuple]) -> list[tuple[Any, str]]:
            """(key, row text) encoded in Python: the same text the SQL would build."""
            out = []
            for row in batch:
                values = list(row)
                raw_key = values[pk_index] if pk_index is not None else None
                for i, convert in converters:
                    if values[i] is not None:
                        values[i] = convert(values[i])
                text = _dumps(values)
                if keyed:
                    key = raw_key
                else:
                    key = _dumps(values[pk_index]) if pk_index is not None else text
                out.append((key, text))
            return out

    return _Plan(
        table=table,
        columns=columns,
        keyed=keyed,
        pk=quote(pk.column) if keyed else "",
        select=select,
        encode=encode,
        encoding=[
            [f.column, _target(f).get_internal_type(), getattr(_target(f), "decimal_places", None)]
            for f in fields
        ],
    )


def _stream(
    plan: _Plan, using: str, where: str = "", params: Iterable[Any] = ()
) -> Iterator[list[tuple[Any, str]]]:
    """Batches of (key, row text), in key order for keyed plans."""
    connection = connections[using]
    sql = f"SELECT {plan.select} FROM {connection.ops.quote_name(plan.table)}"
    if where:
        sql += f" WHERE {where}"
    if plan.keyed:
        sql += f" ORDER BY {plan.pk}"
    cursor = connection.chunked_cursor()  # server-side on PostgreSQL: bounded memory
    try:
        cursor.execute(sql, list(params))
        while batch := cursor.fetchmany(BATCH):
            yield plan.encode(batch)
    finally:
        cursor.close()


Blocks = dict[int, tuple[int, str]]  # block number → (rows, SHA-256 of its rows)


def _hash_rows(sha: Any, texts: list[str]) -> None:
    """Feed row texts to ``sha``, each followed by a comma, a batch at a time."""
    for start in range(0, len(texts), BATCH):
        sha.update((",".join(texts[start : start + BATCH]) + ",").encode("utf-8"))


def _hash_blocks(batches: Iterable[list[tuple[Any, str]]]) -> Blocks:
    """Block digests of keyed rows arriving in key order."""
    blocks: Blocks = {}
    current, sha, rows = None, None, 0
    for batch in batches:
        start = 0
        while start < len(batch):
            block = batch[start][0] // BLOCK_KEYS
            if batch[-1][0] // BLOCK_KEYS == block:  # the rest of the batch: one block
                end = len(batch)
            else:  # keys are sorted: the first key of the next block, by bisection
                end = bisect.bisect_left(
                    batch, (block + 1) * BLOCK_KEYS, lo=start, key=lambda r: r[0]
                )
            if block != current:
                if sha is not None:
                    blocks[current] = (rows, sha.hexdigest())  # type: ignore[index]
                current, sha, rows = block, hashlib.sha256(), 0
            _hash_rows(sha, [r[1] for r in batch[start:end]])
            rows += end - start
            start = end
    if sha is not None:
        blocks[current] = (rows, sha.hexdigest())  # type: ignore[index]
    return blocks


def _sorted_rows(plan: _Plan, using: str) -> list[str]:
    # Text keys collate differently per engine and locale: sort here, by the canonical
    # key. Such tables (content types by name…) are small.
    rows = [r for batch in _stream(plan, using) for r in batch]
    rows.sort(key=lambda r: r[0])
    return [text for _key, text in rows]


def _all_blocks(plan: _Plan, using: str) -> Blocks:
    if plan.keyed:
        return _hash_blocks(_stream(plan, using))
    texts = _sorted_rows(plan, using)
    if not texts:
        return {}
    sha = hashlib.sha256()
    _hash_rows(sha, texts)
    return {0: (len(texts), sha.hexdigest())}


def _table_from_blocks(plan: _Plan, blocks: Blocks) -> TableDigest:
    sha = hashlib.sha256(plan.header)
    for number in sorted(blocks):
        rows, block_sha = blocks[number]
        sha.update(f"{number}:{rows}:{block_sha}\n".encode("ascii"))
    return TableDigest(rows=sum(rows for rows, _sha in blocks.values()), sha256=sha.hexdigest())


def _table_format1(plan: _Plan, using: str) -> TableDigest:
    """Format 1: the rows hashed straight after the header, no blocks."""
    sha = hashlib.sha256(plan.header)
    rows = 0
    if plan.keyed:
        for batch in _stream(plan, using):
            rows += len(batch)
            _hash_rows(sha, [r[1] for r in batch])
    else:
        texts = _sorted_rows(plan, using)
        rows = len(texts)
        _hash_rows(sha, texts)
    return TableDigest(rows=rows, sha256=sha.hexdigest())


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=_fallback)


def table_digests(*, using: str = "default", format: int = DIGEST_FORMAT) -> dict[str, TableDigest]:
    """Row count and SHA-256 of every model table present in the database ``using``,
    every row read (what ``verify`` and ``restore`` compare with a manifest)."""
    if format not in KNOWN_FORMATS:
        raise ValueError(f"unknown digest format {format}")
    digests = {}
    for table, model in _model_tables(using).items():
        plan = _plan(using, table, model)
        if format == 1:
            digests[table] = _table_format1(plan, using)
        else:
            digests[table] = _table_from_blocks(plan, _all_blocks(plan, using))
    return digests


def manifest_format(manifest: dict[str, Any]) -> int:
    """The digest format a backup's manifest was written with (1 before it was recorded)."""
    return int(manifest.get("digest_format") or 1)


def combine(tables: dict[str, TableDigest]) -> str:
    """The content digest of a set of table digests."""
    return hashlib.sha256(
        canonical_json({name: t.as_dict() for name, t in sorted(tables.items())})
    ).hexdigest()


def content_digest(*, using: str = "default") -> tuple[str, dict[str, int]]:
    """SHA-256 over every model table's rows, and the row count of each table."""
    tables = table_digests(using=using)
    return combine(tables), {name: t.rows for name, t in tables.items()}


# --- incremental digests ---------------------------------------------------------------


@dataclass
class TableCache:
    signature: str
    max_id: int | None
    replace_all: bool  # the table's cached blocks are all replaced by ``blocks``
    blocks: Blocks  # blocks computed now (with replace_all: every block)
    dropped: set[int] = field(default_factory=set)  # recomputed blocks that are empty now


@dataclass
class CacheUpdate:
    """What a backup learnt, to store once its archive is safely written."""

    generation: int
    tables: dict[str, TableCache] = field(default_factory=dict)
    consumed: list[tuple[int, int]] = field(default_factory=list)  # change-log id ranges
    recomputed_rows: int = 0  # rows read to make this digest (for the benchmark)


def _ranges(numbers: Iterable[int]) -> list[tuple[int, int]]:
    """Consecutive numbers as (first, last) runs."""
    ranges: list[tuple[int, int]] = []
    for value in sorted(numbers):
        if ranges and value == ranges[-1][1] + 1:
            ranges[-1] = (ranges[-1][0], value)
        else:
            ranges.append((value, value))
    return ranges


def _load_cache(using: str) -> tuple[int, dict, dict[str, Blocks], dict[str, set[int]], list]:
    state = DigestCache.objects.using(using).filter(pk=1).first()
    infos = {t.table_name: t for t in DigestTable.objects.using(using)}
    blocks: dict[str, Blocks] = {}
    for name, number, rows, sha in DigestBlock.objects.using(using).values_list(
        "table_name", "block", "rows", "sha256"
    ):
        blocks.setdefault(name, {})[number] = (rows, sha)
    changed: dict[str, set[int]] = {}
    ids = []
    for id_, name, number in ContentChange.objects.using(using).values_list(
        "id", "table_name", "block"
    ):
        changed.setdefault(name, set()).add(number)
        ids.append(id_)
    return (state.generation if state else 0), infos, blocks, changed, ids


def _count_and_range(plan: _Plan, using: str) -> tuple[int, int | None, int | None]:
    """Rows, lowest and highest key (the key's index answers the last two at once)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*), min({plan.pk}), max({plan.pk}) "
            f"FROM {connection.ops.quote_name(plan.table)}"
        )
        count, min_id, max_id = cursor.fetchone()
    return (
        int(count),
        int(min_id) if min_id is not None else None,
        int(max_id) if max_id is not None else None,
    )


def incremental_table_digests(
    *, using: str, trust_cache: bool = True
) -> tuple[dict[str, TableDigest], CacheUpdate]:
    """The same digests as ``table_digests`` for database ``using`` (a backup's snapshot),
    reusing the block digests cached in it where the change log and the row counts show
    the blocks unchanged. Also returns what to cache for the next backup."""
    try:
        with transaction.atomic(using=using):  # a savepoint: the snapshot stays usable
            generation, infos, cached_blocks, changed, change_ids = _load_cache(using)
    except DatabaseError:  # an older database without the bookkeeping tables
        generation, infos, cached_blocks, changed, change_ids = 0, {}, {}, {}, []
        trust_cache = False
    update = CacheUpdate(generation=generation, consumed=_ranges(change_ids))
    digests: dict[str, TableDigest] = {}
    for table, model in _model_tables(using).items():
        plan = _plan(using, table, model)
        info = infos.get(table)
        dirty = changed.get(table, set())
        usable = (
            trust_cache
            and plan.keyed
            and info is not None
            and info.signature == plan.signature
            and WHOLE_TABLE not in dirty
        )
        blocks: Blocks | None = None
        max_id: int | None = None
        old = cached_blocks.get(table, {})
        if usable:
            count, min_id, max_id = _count_and_range(plan, using)
            # Blocks are floor(key / BLOCK_KEYS) here but the triggers' SQL division
            # truncates: with a negative key anywhere, read the whole table.
            usable = (min_id is None or min_id >= 0) and all(b >= 0 for b in old)
        if usable:
            tail = max(0, (info.max_id // BLOCK_KEYS) - TAIL_BLOCKS + 1) if info.max_id else 0
            recompute = sorted(b for b in dirty if 0 <= b < tail)
            fresh: Blocks = {}
            for first, last in _ranges(recompute):
                fresh.update(
                    _hash_blocks(
                        _stream(
                            plan,
                            using,
                            f"{plan.pk} >= %s AND {plan.pk} < %s",
                            [first * BLOCK_KEYS, (last + 1) * BLOCK_KEYS],
                        )
                    )
                )
            fresh.update(
                _hash_blocks(_stream(plan, using, f"{plan.pk} >= %s", [tail * BLOCK_KEYS]))
            )
            update.recomputed_rows += sum(rows for rows, _sha in fresh.values())
            kept = {b: v for b, v in old.items() if b < tail and b not in recompute}
            blocks = {**kept, **fresh}
            if sum(rows for rows, _sha in blocks.values()) == count:
                dropped = {b for b in old if b not in blocks}
                update.tables[table] = TableCache(
                    plan.signature, max_id, replace_all=False, blocks=fresh, dropped=dropped
                )
            else:  # rows inserted below the tail (or the cache is wrong): read it all
                blocks = None
        if blocks is None:
            blocks = _all_blocks(plan, using)
            update.recomputed_rows += sum(rows for rows, _sha in blocks.values())
            if plan.keyed:
                if max_id is None and blocks:
                    max_id = _count_and_range(plan, using)[2]
                update.tables[table] = TableCache(
                    plan.signature, max_id, replace_all=True, blocks=blocks
                )
        digests[table] = _table_from_blocks(plan, blocks)
    return digests, update


def save_cache(update: CacheUpdate, *, using: str = "default") -> bool:
    """Store a backup's block digests in the live database and drop the change-log rows
    it accounted for. Skipped (False) when another backup stored newer ones meanwhile.
    Never raises for a database error: a backup without a cache only digests more next
    time."""
    try:
        with transaction.atomic(using=using):
            state = DigestCache.objects.using(using).select_for_update().filter(pk=1).first()
            if (state.generation if state else 0) != update.generation:
                return False
            blocks = DigestBlock.objects.using(using)
            new_blocks = []
            for table, cache in update.tables.items():
                if cache.replace_all:
                    blocks.filter(table_name=table).delete()
                else:
                    gone = sorted(set(cache.blocks) | cache.dropped)
                    for start in range(0, len(gone), 500):
                        chunk = gone[start : start + 500]
                        blocks.filter(table_name=table, block__in=chunk).delete()
                new_blocks += [
                    DigestBlock(table_name=table, block=number, rows=rows, sha256=sha)
                    for number, (rows, sha) in cache.blocks.items()
                ]
            blocks.bulk_create(new_blocks, batch_size=500)
            DigestTable.objects.using(using).filter(table_name__in=list(update.tables)).delete()
            DigestTable.objects.using(using).bulk_create(
                [
                    DigestTable(table_name=table, signature=c.signature, max_id=c.max_id)
                    for table, c in update.tables.items()
                ],
                batch_size=500,
            )
            for first, last in update.consumed:
                ContentChange.objects.using(using).filter(id__gte=first, id__lte=last).delete()
            DigestCache.objects.using(using).update_or_create(
                pk=1, defaults={"generation": update.generation + 1}
            )
        return True
    except DatabaseError:
        return False
