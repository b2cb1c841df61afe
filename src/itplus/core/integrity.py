"""Tamper evidence: canonical serialisation and SHA-256 hash chains of fiscal documents.

Each document of a series stores ``chain_hash = sha256(previous_hash + canonical(doc))``
(the idea behind France's NF525 and Portugal's chained invoice signatures): editing,
inserting or deleting any document breaks every later link, and the audit names the
first broken one.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any
from uuid import UUID

GENESIS_HASH = "0" * 64


def canonical_json(data: Any) -> bytes:
    """Deterministic bytes: sorted keys, no whitespace, UTF-8. Decimals and UUIDs become
    strings; floats are refused (they have no canonical decimal form)."""

    return json.dumps(
        _canonical(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def _canonical(obj: Any) -> Any:
    # json.dumps serialises floats itself (never calling ``default``), so they have to
    # be refused by walking the data first.
    if obj is None or isinstance(obj, str | bool | int):
        return obj
    if isinstance(obj, Decimal | UUID):
        return str(obj)
    if isinstance(obj, dict):
        return {key: _canonical(value) for key, value in obj.items()}
    if isinstance(obj, list | tuple):
        return [_canonical(value) for value in obj]
    raise TypeError(f"not canonical: {type(obj).__name__}")


def chain_hash(previous_hash: str, payload: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    digest.update(previous_hash.encode("ascii"))
    digest.update(canonical_json(payload))
    return digest.hexdigest()
