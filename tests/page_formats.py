"""What a rendered page of either site must not show: numbers, dates and headers the way
Django writes them for plain "es" or English instead of Chile's.

- thousands grouped with a space or a non-breaking space ("35 000", "3 042"): Chile
  writes "35.000";
- a whole quantity with decimals ("20,000" for 20 units);
- a document's number grouped like an amount ("N° 3.042"), or a plural after one
  ("1 líneas", "1 emitidos");
- a date written out ("2 de enero de 2025") or with slashes, where the site writes
  "02-01-2025";
- a column header that is a model field's English name ("POSITION", "DESCRIPTION");
- a time in UTC: each minute of the test's window written in UTC ("02-01-2025 06:25",
  "2025-01-02 06:25"), when the site shows America/Santiago ("03:25").

``page_problems`` returns a list of readable findings (empty when the page is fine), so
one test reports every page's problems at once.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

from django.apps import apps

_SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_SPACE_GROUPED = re.compile(r"(?<![\d,.])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?![\d,])")
_WHOLE_WITH_DECIMALS = re.compile(r"(?<![\d.,])\d+,000(?![\d.])")
_SPELLED_DATE = re.compile(r"\b\d{1,2} de [a-záéíóú]+ de \d{4}\b")
_SLASHED_DATE = re.compile(r"\b\d{2}/\d{2}/\d{4}\b")
_GROUPED_DOCUMENT_NUMBER = re.compile(r"N° \d{1,3}(?:\.\d{3})+\b")
_ONE_PLURAL = re.compile(
    r"(?<![\d.,])1 (?:líneas|emitidos|anulados|filas|productos|documentos|cobros|ventas)\b"
)
_COLUMN_HEADER = re.compile(r"<th\b[^>]*\bclass=\"[^\"]*column-[^\"]*\"[^>]*>(.*?)</th>", re.S)

# Field names that read the same in Spanish: a header "TERMINAL" or "TOTAL" is fine.
_SPANISH_TOO = {"terminal", "total", "folio", "giro", "comuna", "rut", "id", "iva", "ila", "sku"}


def _english_field_names() -> set[str]:
    names = set()
    for model in apps.get_models():
        if not model.__module__.startswith("itplus."):
            continue
        for field in model._meta.get_fields():
            name = getattr(field, "name", "").replace("_", " ")
            if name and name not in _SPANISH_TOO:
                names.add(name)
    return names


def visible_text(page: str) -> str:
    """The text a person reads: no scripts, styles, tags; entities decoded."""
    return html.unescape(_TAG.sub(" ", _SCRIPT_OR_STYLE.sub(" ", page)))


def utc_spellings(start: datetime, end: datetime) -> set[str]:
    """Every minute from ``start`` to ``end`` (aware) as the site would write it in UTC."""
    spellings = set()
    minute = start.astimezone(UTC).replace(second=0, microsecond=0)
    while minute <= end + timedelta(minutes=1):
        spellings |= {f"{minute:%d-%m-%Y %H:%M}", f"{minute:%Y-%m-%d %H:%M}"}
        minute += timedelta(minutes=1)
    return spellings


def page_problems(url: str, page: str, *, utc: set[str] = frozenset()) -> list[str]:
    text = visible_text(page)
    problems = []

    def found(what: str, matches) -> None:
        problems.extend(f"{url}: {what} «{m}»" for m in sorted(set(matches)))

    found("miles separados por espacio", _SPACE_GROUPED.findall(text))
    found("cantidad entera con decimales", _WHOLE_WITH_DECIMALS.findall(text))
    found("fecha escrita en palabras", _SPELLED_DATE.findall(text))
    found("fecha con barras", _SLASHED_DATE.findall(text))
    found("número de documento agrupado como un monto", _GROUPED_DOCUMENT_NUMBER.findall(text))
    found("plural con uno", _ONE_PLURAL.findall(text))
    found("hora UTC", [s for s in utc if s in text])
    english = _english_field_names()
    headers = (visible_text(h).strip().lower() for h in _COLUMN_HEADER.findall(page))
    found("encabezado en inglés", [h for h in headers if h in english])
    return problems
