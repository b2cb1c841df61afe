"""The doctor's endpoints under /api/v1/doctor/ (terminal token only: ``itplus doctor``
runs on a terminal PC without a cashier's session).

- ``GET /doctor/ping``: the server's clock and version, and what it knows of the calling
  terminal (its pending offline sales), for the terminal's server, clock and offline
  checks.
- ``POST /doctor/reports``: a terminal's doctor result, shown on the "Diagnóstico" page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from itplus.store.maintenance.backup import app_version
from itplus.store.maintenance.doctor import pending_offline_sales
from itplus.store.maintenance.doctor_reports import doctor_report_record

router = Router(tags=["diagnóstico"])


class PingOut(Schema):
    server_time: str  # ISO 8601 with offset
    version: str
    terminal: str
    pending_offline_sales: int | None


class CheckIn(Schema):
    key: str = Field(min_length=1, max_length=40)
    title: str = Field(max_length=100)
    level: Literal["ok", "aviso", "falla"]
    detail: str = Field(max_length=2000)
    action: str = Field("", max_length=2000)
    data: dict[str, Any] = Field(default_factory=dict)


class ReportIn(Schema):
    ran_at: datetime
    version: str = Field("", max_length=40)
    checks: list[CheckIn] = Field(min_length=1, max_length=50)


class ReportOut(Schema):
    id: int
    level: str


@router.get("/doctor/ping", response=PingOut, summary="Hora y versión del servidor")
def doctor_ping(request: HttpRequest):
    terminal = request.terminal
    return PingOut(
        server_time=timezone.now().isoformat(),
        version=app_version(),
        terminal=terminal.code,
        pending_offline_sales=pending_offline_sales(terminal),
    )


@router.post(
    "/doctor/reports", response={201: ReportOut}, summary="Informe de diagnóstico de un terminal"
)
def doctor_report_post(request: HttpRequest, payload: ReportIn):
    ran_at = payload.ran_at
    if timezone.is_naive(ran_at):
        ran_at = timezone.make_aware(ran_at)
    report = doctor_report_record(
        terminal=request.terminal,
        ran_at=ran_at,
        version=payload.version,
        checks=[check.model_dump() for check in payload.checks],
    )
    return Status(201, ReportOut(id=report.pk, level=report.level))
