"""Canonical serialisation and the SHA-256 hash chain of fiscal documents."""

import hashlib
import json
import uuid
from datetime import datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itplus.core.integrity import GENESIS_HASH, canonical_json, chain_hash

PAYLOAD = {
    "series": "bol-1",
    "number": 7,
    "issued_at": "2025-03-01T12:00:00+00:00",
    "total": 1190,
    "lines": [[1, 42, "1.000", 1190, 1190, False]],
}


def test_canonical_json_is_sorted_compact_utf8():
    assert canonical_json({"b": 1, "a": {"z": "ñandú", "c": [2, 1]}}) == (
        '{"a":{"c":[2,1],"z":"ñandú"},"b":1}'.encode()
    )


def test_canonical_json_ignores_key_insertion_order():
    assert canonical_json({"a": 1, "b": 2}) == canonical_json({"b": 2, "a": 1})


@given(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=8))
def test_canonical_json_is_deterministic_and_round_trips(data):
    encoded = canonical_json(data)
    assert encoded == canonical_json(dict(reversed(list(data.items()))))
    assert json.loads(encoded) == data


def test_decimals_and_uuids_become_strings():
    uid = uuid.UUID("12345678-1234-5678-1234-567812345678")
    assert canonical_json({"q": Decimal("1.250"), "u": uid}) == (
        b'{"q":"1.250","u":"12345678-1234-5678-1234-567812345678"}'
    )


@pytest.mark.parametrize(
    "data",
    [
        {"total": 1.5},
        {"lines": [[1, 2.0]]},
        1.0,
        {"nested": {"deep": [float("nan")]}},
        {"when": datetime(2025, 1, 1)},  # no canonical form chosen: refuse, don't guess
    ],
)
def test_non_canonical_values_are_refused(data):
    with pytest.raises(TypeError):
        canonical_json(data)


def test_chain_hash_is_sha256_of_previous_and_payload():
    expected = hashlib.sha256(GENESIS_HASH.encode() + canonical_json(PAYLOAD)).hexdigest()
    assert chain_hash(GENESIS_HASH, PAYLOAD) == expected
    assert len(expected) == 64


def test_chain_hash_is_stable():
    assert chain_hash(GENESIS_HASH, PAYLOAD) == chain_hash(GENESIS_HASH, dict(PAYLOAD))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("series", "bol-2"),
        ("number", 8),
        ("issued_at", "2025-03-01T12:00:01+00:00"),
        ("total", 1191),
        ("lines", [[1, 42, "2.000", 1190, 1190, False]]),
        ("lines", [[1, 42, "1.000", 1190, 1190, True]]),
        ("lines", []),
        ("extra", 0),
    ],
)
def test_chain_hash_changes_when_any_field_changes(field, value):
    tampered = {**PAYLOAD, field: value}
    assert chain_hash(GENESIS_HASH, tampered) != chain_hash(GENESIS_HASH, PAYLOAD)


def test_chain_hash_changes_with_the_previous_hash():
    first = chain_hash(GENESIS_HASH, PAYLOAD)
    assert chain_hash(first, PAYLOAD) != first
    assert chain_hash("1" + GENESIS_HASH[1:], PAYLOAD) != first


def test_a_chain_breaks_at_the_edited_link():
    docs = [{**PAYLOAD, "number": n} for n in range(1, 6)]
    hashes, previous = [], GENESIS_HASH
    for doc in docs:
        previous = chain_hash(previous, doc)
        hashes.append(previous)
    docs[2]["total"] = 1  # edit the third document

    previous, broken = GENESIS_HASH, None
    for index, (doc, stored) in enumerate(zip(docs, hashes, strict=True)):
        if chain_hash(previous, doc) != stored and broken is None:
            broken = index
        previous = stored
    assert broken == 2


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text(max_size=6)
    | st.decimals(allow_nan=False, allow_infinity=False, places=3)
    | st.uuids(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=4), children, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=5), json_values, max_size=6))
def test_read_back_hash_is_the_same_hash(payload):
    """The audit's faster path hashes the very bytes the writers hashed."""
    assert chain_hash(GENESIS_HASH, payload, read_back=True) == chain_hash(GENESIS_HASH, payload)
