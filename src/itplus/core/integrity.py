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


def _read_back(obj: Any) -> str:
    if isinstance(obj, Decimal | UUID):
        return str(obj)
    raise TypeError(f"not canonical: {type(obj).__name__}")


def chain_hash(previous_hash: str, payload: dict[str, Any], *, read_back: bool = False) -> str:
    """``sha256(previous_hash + canonical_json(payload))``.

    ``read_back=True`` is for audits recomputing the hash of a document read from the
    database: the same bytes, without first walking the payload to refuse floats (a
    database column gives none; one would only make the hash differ and the audit say
    so). It makes the audit of a year of sales several seconds faster."""
    digest = hashlib.sha256()
    digest.update(previous_hash.encode("ascii"))
    if read_back:
        digest.update(
            json.dumps(
                payload,
                sort_keys=True,
                separators=(",", ":"),
                ensure_ascii=False,
                default=_read_back,
            ).encode("utf-8")
        )
    else:
        digest.update(canonical_json(payload))
    return digest.hexdigest()
