"""The terminals' doctor reports on the server: recording one, reading each terminal's last.

A report is what ``itplus doctor`` found on a terminal PC, sent with its token; the
server keeps the newest ``KEEP_PER_TERMINAL`` of each terminal (older ones say nothing
the newest does not).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery

from itplus.store.maintenance.models import DoctorLevel, DoctorReport
from itplus.store.terminals.models import Terminal

KEEP_PER_TERMINAL = 20
LEVEL_ORDER = (DoctorLevel.OK, DoctorLevel.AVISO, DoctorLevel.FALLA)


@transaction.atomic
def doctor_report_record(
    *, terminal: Terminal, ran_at: datetime, version: str, checks: list[dict[str, Any]]
) -> DoctorReport:
    """Keep a terminal's report; its level is the worst of its checks' (each check's
    ``level`` is one of ``DoctorLevel``: the caller validated the shape)."""
    level = max((check["level"] for check in checks), key=LEVEL_ORDER.index, default="ok")
    report = DoctorReport.objects.create(
        terminal=terminal, ran_at=ran_at, version=version[:40], level=level, checks=checks
    )
    old = DoctorReport.objects.filter(terminal=terminal).order_by("-received_at", "-id")
    stale = list(old.values_list("pk", flat=True)[KEEP_PER_TERMINAL:])
    if stale:
        DoctorReport.objects.filter(pk__in=stale).delete()
    return report


@dataclass(frozen=True)
class TerminalDoctor:
    terminal: Terminal
    report: DoctorReport | None  # None: this terminal never sent one


def doctor_reports_latest() -> list[TerminalDoctor]:
    """Every active terminal with its newest report (two queries)."""
    newest = DoctorReport.objects.filter(terminal=OuterRef("pk")).order_by("-received_at", "-id")
    terminals = list(
        Terminal.objects.filter(is_active=True).annotate(
            report_id=Subquery(newest.values("pk")[:1])
        )
    )
    reports = DoctorReport.objects.in_bulk([t.report_id for t in terminals if t.report_id])
    return [TerminalDoctor(t, reports.get(t.report_id)) for t in terminals]
