"""The till's ticket math (static/pos/ticket.js) agrees with the server's money rules.

Runs the ES module under Node when it is installed; the browser tests cover it too.
"""

import json
from decimal import Decimal

from itplus.core.money import round_cash, round_clp
from tests.store.till.node import needs_node, run_module

pytestmark = needs_node


def run_js(expression: str):
    """Evaluate ``expression`` with ticket.js imported as ``T``; returns its JSON value."""
    return run_module("ticket.js", "T", expression)


def test_cash_rounding_matches_ley_20956_and_the_server():
    amounts = [0, 1, 5, 6, 9, 10, 1231, 1235, 1236, 3535, 99999, -1236]
    assert run_js(f"{amounts}.map(T.roundCash)") == [round_cash(a) for a in amounts]
    assert run_js("[1231, 1235, 1236].map(T.roundCash)") == [1230, 1230, 1240]


def test_weighed_price_rounds_half_up_like_round_clp():
    cases = [(11990, "0.250"), (1990, "1.333"), (2990, "0.005"), (999, "12.345"), (7, "0.5")]
    expected = [round_clp(Decimal(price) * Decimal(qty)) for price, qty in cases]
    assert run_js(f"{json.dumps(cases)}.map(([p, q]) => T.multiply(p, q))") == expected


def test_scan_input_and_discount_parsing():
    assert run_js('T.parseScanInput("3*7801234567890")') == {
        "quantity": "3",
        "code": "7801234567890",
    }
    # The typed quantity is kept as typed: numbers.js reads it with the product's unit.
    assert run_js('T.parseScanInput("1,5*7801234567890")')["quantity"] == "1,5"
    assert run_js('T.parseScanInput("7801234567890")') == {
        "quantity": None,
        "code": "7801234567890",
    }
    assert run_js(
        '["10%", "500", "$1.500", "", "150%", "x", "1.000,5", "1,000"].map(T.parseDiscount)'
    ) == [
        {"percent": 10},
        {"clp": 500},
        {"clp": 1500},
        {"clp": 0},
        None,
        None,
        None,
        None,
    ]


def test_percent_discounts_never_exceed_the_percentage():
    # 10% of $1.195 is $119 (rounded down), which is within 10% by the server's ceiling rule.
    assert run_js(
        "[T.percentAmount(1195, 10), T.percentOf(119, 1195), T.percentOf(120, 1195)]"
    ) == [
        119,
        10,
        11,
    ]


def test_settle_mirrors_the_server_payment_rules():
    cash = run_js('T.settle(3535, [{method: "efectivo", amount: 5000}])')
    assert (cash["ok"], cash["cashDue"], cash["change"], cash["rounding"]) == (True, 3530, 1470, -5)

    split = run_js(
        'T.settle(1196, [{method: "debito", amount: 1000}, {method: "efectivo", amount: 200}])'
    )
    assert (split["ok"], split["cashDue"], split["change"], split["rounding"]) == (True, 200, 0, 4)

    short = run_js('T.settle(3535, [{method: "efectivo", amount: 3000}])')
    assert (short["ok"], short["missing"]) == (False, 530)

    too_much_card = run_js('T.settle(1000, [{method: "credito", amount: 1500}])')
    assert too_much_card["ok"] is False
    assert "no se da vuelto" in too_much_card["problem"]

    tiny_rest = run_js('T.settle(1003, [{method: "debito", amount: 1000}])')
    assert (tiny_rest["ok"], tiny_rest["rounding"]) == (True, -3)


def test_ticket_totals_skip_voided_lines_and_apply_the_ticket_discount():
    ticket = {
        "lines": [
            {"priceClp": 1190, "quantity": "2", "isWeighed": False},
            {
                "priceClp": 11990,
                "quantity": "0.250",
                "isWeighed": True,
                "discount": {"percent": 10},
            },
            {"priceClp": 5000, "quantity": "1", "isWeighed": False, "isVoided": True},
        ],
        "ticketDiscount": {"clp": 100},
    }
    totals = run_js(f"T.ticketTotals({json.dumps(ticket)})")
    # 2 × 1.190 = 2.380; 2.998 − 299 = 2.699; subtotal 5.079; − 100 = 4.979 → cash 4.980
    assert totals["items"] == 3
    assert totals["subtotal"] == 5079
    assert totals["total"] == 4979
    assert totals["cashTotal"] == 4980
    assert totals["discounts"] == 399


def test_sale_payload_sends_voided_lines_with_their_approval():
    ticket = {
        "lines": [
            {
                "code": "7800000000030",
                "productId": 1,
                "priceClp": 1190,
                "quantity": "1",
                "isVoided": True,
                "voidApprovalId": 7,
                "discountApprovalId": None,
            },
            {
                "code": "",
                "productId": 2,
                "priceClp": 1000,
                "quantity": "2",
                "discount": {"clp": 300},
                "discountApprovalId": 9,
            },
        ]
    }
    assert run_js(f"T.saleLinesPayload({json.dumps(ticket)})") == [
        {
            "code": "7800000000030",
            "quantity": "1",
            "discount_clp": 0,
            "is_voided": True,
            "approval_id": 7,
        },
        {
            "product_id": 2,
            "quantity": "2",
            "discount_clp": 300,
            "is_voided": False,
            "approval_id": 9,
        },
    ]


def test_a_scale_label_approval_is_sent_and_unapproved_labels_are_found():
    label = {"total_clp": 10, "plausible": False, "problem": "fuera del rango"}
    ticket = {
        "lines": [
            {"code": "2000104000010", "quantity": "1", "embeddedPriceClp": 10, "scaleLabel": label},
            {
                "code": "2000104000027",
                "embeddedPriceClp": 20,
                "scaleLabel": label,
                "scaleApprovalId": 4,
            },
            {
                "code": "2000104000034",
                "embeddedPriceClp": 30,
                "scaleLabel": label,
                "isVoided": True,
            },
            {"code": "2000104029990", "embeddedPriceClp": 2999, "scaleLabel": {"plausible": True}},
            {"code": "7800000000030", "priceClp": 1190, "quantity": "1"},
        ]
    }

    payload = run_js(f"T.saleLinesPayload({json.dumps(ticket)})")
    pending = run_js(f"T.unapprovedScaleLabels({json.dumps(ticket)}).map((l) => l.code)")

    assert [line.get("scale_approval_id") for line in payload] == [None, 4, None, None, None]
    assert "scale_approval_id" not in payload[0]
    assert pending == ["2000104000010"]


def test_uuid4_works_without_a_secure_context():
    value = run_js("T.uuid4()")
    assert len(value) == 36 and value[14] == "4"


def test_cash_still_due_in_a_split_payment():
    # $3.535: nothing typed → all the rounded cash; $1.000 by debit → $2.535 rounds to
    # $2.530; cash already typed counts too; never below zero.
    cases = [
        [],
        [{"method": "debito", "amount": 1000}],
        [{"method": "debito", "amount": 1000}, {"method": "efectivo", "amount": 500}],
        [{"method": "debito", "amount": 1000}, {"method": "efectivo", "amount": None}],
        [{"method": "credito", "amount": 5000}],
    ]
    assert run_js(f"{json.dumps(cases)}.map((typed) => T.cashStillDue(3535, typed))") == [
        3530,
        2530,
        2030,
        2530,
        0,
    ]


def test_a_return_is_credited_like_the_server():
    # sold, returned before, credited before, total, returning now
    cases = [
        ("3.000", "0.000", 0, 1000, "1"),  # 333,33 → 333
        ("3.000", "1.000", 333, 1000, "1"),  # 666,67 → 667, minus 333
        ("3.000", "2.000", 667, 1000, "1"),  # the rest, exactly
        ("0.750", "0.000", 0, 8993, "0.250"),  # 2.997,67 → 2.998
        ("2.000", "0.000", 0, 2380, "5"),  # more than sold: at most what is left
    ]

    def expected(sold, returned, credited, total, quantity):
        sold, after = Decimal(sold), Decimal(returned) + Decimal(quantity)
        credited_after = total if after >= sold else round_clp(Decimal(total) * after / sold)
        return min(max(credited_after - credited, 0), total - credited)

    lines = [
        {"quantity_sold": s, "quantity_returned": r, "credited_clp": c, "total_clp": t}
        for s, r, c, t, _q in cases
    ]
    quantities = [q for *_rest, q in cases]
    assert run_js(
        f"{json.dumps(lines)}.map((line, i) => T.returnLineAmount(line, {json.dumps(quantities)}[i]))"
    ) == [expected(*case) for case in cases]
