"""Terminal endpoints under /api/v1/terminals/.

- ``pair`` (no token: the one-time code is the credential) → the terminal's token.
- ``heartbeat`` (terminal token): version, pending offline sales; records IP, last seen.
- ``browser-code`` (terminal token): a one-time code for ``/pos/vincular/codigo/``, so the
  launcher pairs the PC's browser without putting the token in a URL.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema

from itplus.store.terminals.services import (
    browser_code_create,
    terminal_heartbeat,
    terminal_pair_with_code,
)

router = Router(tags=["terminales"])


def _address(request: HttpRequest) -> str | None:
    # Only REMOTE_ADDR: waitress serves the store directly (see accounts.security).
    return request.META.get("REMOTE_ADDR") or None


class PairIn(Schema):
    code: str = Field(..., max_length=20)


class PairOut(Schema):
    token: str
    terminal_code: str
    terminal_name: str


@router.post("/terminals/pair", response=PairOut, auth=None)
def pair(request: HttpRequest, payload: PairIn):
    terminal, token = terminal_pair_with_code(code=payload.code, address=_address(request))
    return {"token": token, "terminal_code": terminal.code, "terminal_name": terminal.name}


class HeartbeatIn(Schema):
    version: str = Field("", max_length=40)
    pending_offline_sales: int = Field(0, ge=0, le=1_000_000)


class HeartbeatOut(Schema):
    terminal_code: str
    last_seen_at: str


@router.post("/terminals/heartbeat", response=HeartbeatOut)
def heartbeat(request: HttpRequest, payload: HeartbeatIn):
    terminal = terminal_heartbeat(
        terminal=request.terminal,
        version=payload.version,
        pending_offline_sales=payload.pending_offline_sales,
        address=_address(request),
    )
    return {"terminal_code": terminal.code, "last_seen_at": terminal.last_seen_at.isoformat()}


class BrowserCodeOut(Schema):
    code: str
    url: str


@router.post("/terminals/browser-code", response=BrowserCodeOut)
def browser_code(request: HttpRequest):
    token = request.auth_token
    code = browser_code_create(terminal=request.terminal, token=token)
    return {"code": code, "url": f"{reverse('till_pair_code')}?c={code}"}
