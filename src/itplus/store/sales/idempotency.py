"""Idempotent document creation on a client-generated UUID (sales, credit notes).

A till that lost the answer sends the same request again; it must get the document
already made, never a second one. A different request under a used UUID is a client
bug and is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, models

from itplus.core.errors import BusinessError


class IdempotencyConflict(BusinessError):
    code = "uuid_reutilizado"
    status = 409


D = TypeVar("D", bound=models.Model)


def create_once(
    *,
    model: type[D],
    client_uuid: uuid.UUID,
    fingerprint: str,
    write: Callable[[], D],
    conflict_message: str,
) -> tuple[D, bool]:
    """The document already made under ``client_uuid`` (``created`` False), or
    ``write()``'s new one (``created`` True).

    ``model`` has unique ``client_uuid`` and ``request_fingerprint`` columns; the unique
    constraint settles a race between two copies of the request (the loser reads the
    winner's document).
    """

    def replayed(existing: D) -> D:
        if existing.request_fingerprint != fingerprint:
            raise IdempotencyConflict(conflict_message)
        return existing

    existing = model.objects.filter(client_uuid=client_uuid).first()
    if existing:
        return replayed(existing), False
    try:
        return write(), True
    except IntegrityError:
        # Lost a race with the same request from a retrying client: the other one won.
        existing = model.objects.filter(client_uuid=client_uuid).first()
        if existing is None:
            raise
        return replayed(existing), False
