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

    def reject_floats(obj: Any) -> Any:
        if isinstance(obj, Decimal | UUID):
            return str(obj)
        raise TypeError(f"not canonical: {type(obj).__name__}")

    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=reject_floats
    ).encode("utf-8")


def chain_hash(previous_hash: str, payload: dict[str, Any]) -> str:
    digest = hashlib.sha256()
    digest.update(previous_hash.encode("ascii"))
    digest.update(canonical_json(payload))
    return digest.hexdigest()
