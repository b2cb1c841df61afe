"""The audit registry: `itplus audit` is the list of checks that apps register here.

A check is a function taking an ``AuditContext`` and yielding ``AuditProblem``s; it
counts what it looked at in ``ctx.checked`` and may leave ``ctx.note()``s: facts worth
knowing that are not problems (e.g. numbers of a closed offline block never used). Each store app keeps its own checks in its
``audit_checks.py`` and imports that module from its ``AppConfig.ready()``, so the
registry (this module) knows no app and any app may add to it.

Every query of a check goes through ``ctx.using``: the backup verifier runs the same
checks on a scratch copy of a backup under a temporary database alias.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

# Rows read per page by the checks that walk large tables (keyset pagination).
PAGE_SIZE = 2000


@dataclass(frozen=True)
class AuditProblem:
    check: str  # "cadena", "totales", "pagos", "numeracion", …
    message: str  # Spanish, names the document
    document: str = ""  # e.g. "Boleta B1 N° 17"; "" for store-wide problems


@dataclass
class AuditReport:
    problems: list[AuditProblem] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # Spanish; not problems

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "problems": [dataclasses.asdict(p) for p in self.problems],
            "checked": dict(self.checked),
            "notes": list(self.notes),
        }


@dataclass
class AuditContext:
    using: str
    checked: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def count(self, what: str, n: int = 1) -> None:
        self.checked[what] = self.checked.get(what, 0) + n

    def note(self, message: str) -> None:
        """Something the audit saw that is not a problem (Spanish, shown with the result)."""
        self.notes.append(message)


Check = Callable[[AuditContext], Iterable[AuditProblem]]
CHECKS: list[Check] = []


def register_check(check: Check) -> Check:
    """Add a store-wide check to the audit (decorator)."""
    CHECKS.append(check)
    return check


def document_problem(check: str, label: str, message: str, **params: Any) -> AuditProblem:
    """A problem about one document: ``message`` has a ``%(doc)s`` placeholder for it."""
    return AuditProblem(check=check, message=message % {"doc": label, **params}, document=label)


def run_audit(*, using: str = "default") -> AuditReport:
    """Run every registered check against the database ``using``.

    Read-only. ``report.ok`` is True when no check found a problem.
    """
    ctx = AuditContext(using=using)
    problems: list[AuditProblem] = []
    for check in CHECKS:
        problems.extend(check(ctx))
    return AuditReport(problems=problems, checked=ctx.checked, notes=ctx.notes)
