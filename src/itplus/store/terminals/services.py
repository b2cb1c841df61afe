"""Terminals: creation (with a one-time token) and token authentication."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from itplus.store.terminals.models import Terminal, hash_token


@transaction.atomic
def terminal_create(
    *, code: str, name: str, token: str | None = None, **series
) -> tuple[Terminal, str]:
    """Create a terminal. Returns it with its token, shown once: only the hash is kept."""
    token = token or secrets.token_urlsafe(32)
    terminal = Terminal.objects.create(code=code, name=name, token_hash=hash_token(token), **series)
    return terminal, token


@transaction.atomic
def terminal_rotate_token(*, terminal: Terminal) -> str:
    token = secrets.token_urlsafe(32)
    terminal.token_hash = hash_token(token)
    terminal.save(update_fields=["token_hash"])
    return token


def terminal_authenticate(*, token: str) -> Terminal | None:
    if not token:
        return None
    terminal = Terminal.objects.filter(token_hash=hash_token(token), is_active=True).first()
    if terminal and (
        terminal.last_seen_at is None
        or (timezone.now() - terminal.last_seen_at).total_seconds() > 60
    ):
        # Throttled so a busy till does not write on every request.
        Terminal.objects.filter(pk=terminal.pk).update(last_seen_at=timezone.now())
    return terminal
