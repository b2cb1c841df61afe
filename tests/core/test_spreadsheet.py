import csv
import io

import pytest

from itplus.core.spreadsheet import SpreadsheetCsvWriter, cell_neutralised, csv_lines


@pytest.mark.parametrize(
    "text",
    [
        '=HYPERLINK("http://malo.example/pagar","Pagar")',
        "+56 9 1234 5678",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
    ],
)
def test_text_that_starts_a_formula_gets_a_leading_quote(text):
    assert cell_neutralised(text) == "'" + text


@pytest.mark.parametrize("value", ["Juan Pérez", "", "1500", "-1500", "-12,5", 1500, -1500, None])
def test_ordinary_text_and_numbers_are_unchanged(value):
    assert cell_neutralised(value) == value


def test_the_writer_neutralises_every_cell_once():
    out = io.StringIO()

    SpreadsheetCsvWriter(out).writerows([["=1+1", -3, None, "'=ya"]])

    assert list(csv.reader(io.StringIO(out.getvalue()), delimiter=";")) == [
        ["'=1+1", "-3", "", "'=ya"]
    ]


def test_streamed_lines_start_with_the_bom():
    assert list(csv_lines([["@a"]])) == ["\ufeff", "'@a\r\n"]
