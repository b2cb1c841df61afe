"""CSV as Excel in Chile opens it (``;``, UTF-8 with a BOM), safe to open.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula
to Excel and LibreOffice: a customer named ``=HYPERLINK("http://…","Pagar")`` would
become a live link in the owner's spreadsheet. Such a cell is written with a leading
single quote, as OWASP recommends (the spreadsheet shows the text as typed). Plain
numbers (``-1500``) are left alone: they are numbers, not formulas. Every CSV either site
writes goes through ``SpreadsheetCsvWriter``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from typing import Any

BOM = "\ufeff"  # Excel reads the accents right only with it
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+([.,]\d+)?")


def cell_neutralised(value: Any) -> Any:
    """``value`` made inert for a spreadsheet: text that would start a formula gets a
    leading ``'``; numbers, plain numeric text and everything else are unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        if not _PLAIN_NUMBER.fullmatch(value):
            return "'" + value
    return value


class _Echo:
    def write(self, value: str) -> str:
        return value


class SpreadsheetCsvWriter:
    """``csv.writer`` with ``;`` whose every cell goes through ``cell_neutralised``.
    Without ``out`` it returns each line instead of writing it (for streaming)."""

    def __init__(self, out=None):
        self._writer = csv.writer(out if out is not None else _Echo(), delimiter=";")

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow(
            ["" if value is None else cell_neutralised(value) for value in row]
        )

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_lines(rows: Iterable[Iterable[Any]]) -> Iterator[str]:
    """The BOM, then each row as a neutralised CSV line: a StreamingHttpResponse body."""
    writer = SpreadsheetCsvWriter()
    yield BOM
    for row in rows:
        yield writer.writerow(row)
