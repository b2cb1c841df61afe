"""The till's numbers.js reads typed numbers exactly as itplus.core.numbers does: the
same table of inputs goes through both, and a generated table of spellings too."""

import json
from decimal import Decimal

from itplus.core.numbers import (
    InvalidNumber,
    format_quantity,
    parse_amount_clp,
    parse_count,
    parse_quantity,
)
from tests.core.test_numbers import AMOUNT_CASES, QUANTITY_CASES
from tests.store.till.node import needs_node, run_module

pytestmark = needs_node


def run_js(expression: str):
    """Evaluate ``expression`` with numbers.js imported as ``N``; returns its JSON value."""
    return run_module("numbers.js", "N", expression)


def python_quantity(text: str, weighed: bool):
    try:
        return {"value": str(parse_quantity(text, weighed=weighed, allow_negative=True))}
    except InvalidNumber as error:
        return {"error": error.reason, "message": error.message}


def python_amount(text: str):
    try:
        return {"value": parse_amount_clp(text, allow_negative=True)}
    except InvalidNumber as error:
        return {"error": error.reason, "message": error.message}


def js_quantities(cases):
    return run_js(
        f"{json.dumps(cases)}.map(([t, w]) => N.parseQuantity(t, {{weighed: w, allowNegative: true}}))"
    )


def assert_same_quantities(cases):
    for (text, weighed), js in zip(cases, js_quantities(cases), strict=True):
        py = python_quantity(text, weighed)
        if "value" in py:
            assert js["error"] is None, (text, weighed, js)
            assert Decimal(js["value"]) == Decimal(py["value"]), (text, weighed)
        else:
            assert (js["error"], js["message"]) == (py["error"], py["message"]), (text, weighed)


def assert_same_amounts(texts):
    got = run_js(f"{json.dumps(texts)}.map((t) => N.parseAmountClp(t, {{allowNegative: true}}))")
    for text, js in zip(texts, got, strict=True):
        py = python_amount(text)
        if "value" in py:
            assert (js["error"], js["value"]) == (None, py["value"]), text
        else:
            assert (js["error"], js["message"]) == (py["error"], py["message"]), text


def test_the_shared_table_reads_the_same_in_the_till():
    assert_same_quantities([[text, weighed] for text, weighed, _expected in QUANTITY_CASES])
    assert_same_amounts([text for text, _expected in AMOUNT_CASES])


def _spellings():
    """Every way people write a few numbers: both marks, groups, signs, $, junk."""
    numbers = ["0", "1", "7", "12", "999", "1000", "1500", "99999", "100000", "999999"]
    numbers += ["1000000", "12345678"]
    fractions = ["", "0", "5", "05", "50", "500", "750", "001", "1234", "0000"]
    out = []
    for n in numbers:
        grouped = f"{int(n):,}".replace(",", ".")
        for f in fractions:
            for whole in {n, grouped}:
                for mark in ",.":
                    base = f"{whole}{mark}{f}" if f else whole
                    out += [base, f"-{base}", f"$ {base}", f" {base} ", f"{base}x"]
    out += [".5", ",5", "-,5", "1..5", "1,,5", "1.5.5", "1,5,5", "--1", "$-1", "-$1", "$ - 1"]
    out += [
        "1e3",
        "0x10",
        "٣",
        "Infinity",
        "+1",
        "1 000",
        "\u22121",
        "1\u00a0000",
        "1,000.50",
        "$\u00a01.000",
        "-\u20031",
    ]
    return sorted(set(out))


def test_a_generated_table_of_spellings_reads_the_same_in_the_till():
    texts = _spellings()
    assert len(texts) > 1000
    assert_same_quantities([[t, w] for t in texts for w in (True, False)])
    assert_same_amounts(texts)


def test_json_numbers_and_counts():
    got = run_js(
        "[N.parseQuantity(1.5, {weighed: true}).value, N.parseQuantity(1.5, {weighed: false}).error,"
        " N.parseAmountClp(1000).value, N.parseAmountClp(1000.5).error, N.parseCount('12').value]"
    )
    assert got == ["1.500", "not_whole", 1000, "decimals", 12]
    assert parse_count("12") == 12


def test_format_quantity_matches_the_server():
    values = ["2.500", "1500", "0.750", "-1.250", "0.000", "10"]
    assert run_js(f"{json.dumps(values)}.map(N.formatQuantity)") == [
        format_quantity(Decimal(v)) for v in values
    ]
