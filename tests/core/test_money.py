"""Chilean money rules: Ley 20.956 cash rounding, IVA/ILA splits, prorating, formatting."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from itplus.core.money import (
    ILA_RATES,
    IVA_RATE,
    TaxSplit,
    format_clp,
    prorate,
    round_cash,
    round_clp,
    split_document,
    split_taxes,
    tax_key,
)

ILA_CODES = [code for code in ILA_RATES if code]
totals = st.integers(min_value=0, max_value=10**12)


# --- Ley 20.956 --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (1231, 1230),
        (1232, 1230),
        (1235, 1230),  # 5 rounds down
        (1236, 1240),  # 6 rounds up
        (1239, 1240),
        (1240, 1240),
        (5, 0),
        (6, 10),
        (1, 0),
        (0, 0),
        (9999, 10000),
        (-1236, -1240),  # refunds round symmetrically
    ],
)
def test_round_cash_follows_ley_20956(amount, expected):
    assert round_cash(amount) == expected


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_round_cash_properties(amount):
    rounded = round_cash(amount)
    assert rounded % 10 == 0
    assert abs(rounded - amount) <= 5
    assert round_cash(rounded) == rounded


@given(st.integers(min_value=0, max_value=10**12))
def test_round_cash_last_digit_rule(amount):
    last = amount % 10
    expected = amount - last if last <= 5 else amount + 10 - last
    assert round_cash(amount) == expected


def test_round_clp_is_half_up():
    assert round_clp(Decimal("2.5")) == 3
    assert round_clp(Decimal("3.5")) == 4  # not banker's rounding
    assert round_clp(Decimal("2.4999")) == 2


# --- IVA -----------------------------------------------------------------------------


def test_iva_split_of_1190():
    assert split_taxes(1190) == TaxSplit(net_clp=1000, iva_clp=190, ila_clp=0)


def test_iva_split_rounds_net_half_up():
    # 990 / 1.19 = 831.93 → 832 (truncating would give 831 and IVA 159).
    assert split_taxes(990) == TaxSplit(net_clp=832, iva_clp=158, ila_clp=0)
    # 1.000 / 1.19 = 840.34 → 840.
    assert split_taxes(1000) == TaxSplit(net_clp=840, iva_clp=160, ila_clp=0)


@given(totals)
def test_iva_is_total_minus_net(total):
    split = split_taxes(total)
    assert split.net_clp == round_clp(Decimal(total) / (1 + IVA_RATE))
    assert split.iva_clp == total - split.net_clp
    assert split.ila_clp == 0 and split.exempt_clp == 0
    assert split.total_clp == total
    assert split.net_clp >= 0 and split.iva_clp >= 0


# --- ILA -----------------------------------------------------------------------------


def test_ila_split_worked_example():
    # 1.000 / 1.29 = 775.19 → net 775; ILA 10% = 77.5 → 78 (half up); IVA the rest.
    assert split_taxes(1000, ila_code="ila_10") == TaxSplit(775, 147, 78)


def test_ila_half_up_where_bankers_rounding_would_differ():
    # net 865 → ILA 86.5 → 87 (banker's rounding would give 86).
    assert split_taxes(1116, ila_code="ila_10") == TaxSplit(865, 164, 87)


@pytest.mark.parametrize(
    ("code", "total", "net", "ila"),
    [
        ("ila_10", 1290, 1000, 100),
        ("ila_18", 1370, 1000, 180),
        ("ila_205", 1395, 1000, 205),
        ("ila_315", 1505, 1000, 315),
    ],
)
def test_each_ila_rate(code, total, net, ila):
    assert split_taxes(total, ila_code=code) == TaxSplit(net, 190, ila)


@given(totals, st.sampled_from(ILA_CODES))
def test_ila_split_properties(total, code):
    rate = ILA_RATES[code]
    split = split_taxes(total, ila_code=code)
    assert split.net_clp == round_clp(Decimal(total) / (Decimal("1.19") + rate))
    assert split.ila_clp == round_clp(split.net_clp * rate)
    assert split.net_clp + split.iva_clp + split.ila_clp == total
    assert split.exempt_clp == 0
    assert min(split.net_clp, split.iva_clp, split.ila_clp) >= 0
    # IVA stays within a peso or two of 19% of the net.
    assert abs(split.iva_clp - split.net_clp * IVA_RATE) <= 2


def test_unknown_ila_code_is_refused():
    with pytest.raises(KeyError):
        split_taxes(1000, ila_code="ila_99")


# --- Exempt --------------------------------------------------------------------------


@given(totals)
def test_exempt_has_no_taxes(total):
    assert split_taxes(total, exempt=True) == TaxSplit(0, 0, 0, total)


def test_tax_key():
    assert tax_key(exempt=True, ila_code="") == "exento"
    assert tax_key(exempt=False, ila_code="") == "iva"
    assert tax_key(exempt=False, ila_code="ila_18") == "ila_18"


# --- Document ------------------------------------------------------------------------


def test_document_taxes_are_computed_on_totals_per_rate():
    # given three $1.000 lines with IVA
    lines = [("iva", 1000)] * 3
    # when split per line and summed, the net is 3 × 840 = 2.520
    per_line = sum((split_taxes(amount) for _k, amount in lines), TaxSplit(0, 0, 0))
    assert per_line.net_clp == 2520
    # then the document splits 3.000 once: 3.000 / 1.19 = 2.521,01 → 2.521
    document = split_document(lines)
    assert document == TaxSplit(net_clp=2521, iva_clp=479, ila_clp=0)
    assert document != per_line
    assert document.total_clp == per_line.total_clp == 3000


def test_document_groups_each_rate_separately():
    groups = [("iva", 1190), ("ila_18", 1370), ("exento", 500), ("iva", 1190), ("ila_18", 1370)]
    document = split_document(groups)
    expected = (
        split_taxes(2380) + split_taxes(2740, ila_code="ila_18") + split_taxes(500, exempt=True)
    )
    assert document == expected
    assert document == TaxSplit(net_clp=4000, iva_clp=760, ila_clp=360, exempt_clp=500)


@given(
    st.lists(
        st.tuples(st.sampled_from(["iva", "exento", *ILA_CODES]), st.integers(0, 10**9)),
        max_size=30,
    )
)
def test_document_split_adds_up(groups):
    document = split_document(groups)
    assert document.total_clp == sum(amount for _key, amount in groups)
    assert document.exempt_clp == sum(a for k, a in groups if k == "exento")


# --- Prorating -----------------------------------------------------------------------


def test_prorate_largest_remainder():
    assert prorate(100, [1, 1, 1]) == [34, 33, 33]
    assert prorate(200, [1000, 2000, 1000]) == [50, 100, 50]
    assert prorate(0, [5, 5]) == [0, 0]
    assert prorate(7, [0, 10]) == [0, 7]


@given(
    st.lists(st.integers(min_value=0, max_value=10**9), min_size=1, max_size=50).filter(
        lambda ws: sum(ws) > 0
    ),
    st.data(),
)
def test_prorate_sums_exactly_and_never_negative(weights, data):
    amount = data.draw(st.integers(min_value=0, max_value=sum(weights)))
    parts = prorate(amount, weights)
    assert len(parts) == len(weights)
    assert sum(parts) == amount
    assert all(part >= 0 for part in parts)
    # A share never exceeds its line, so no line total goes negative.
    assert all(part <= weight for part, weight in zip(parts, weights, strict=True))
    assert all(part == 0 for part, weight in zip(parts, weights, strict=True) if weight == 0)


@pytest.mark.parametrize(
    ("amount", "weights"),
    [(-10, [1, 2]), (5, [0, 0]), (5, []), (10, [5, -1, 6])],
)
def test_prorate_refuses_what_it_cannot_distribute(amount, weights):
    with pytest.raises(ValueError):
        prorate(amount, weights)


# --- Formatting ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "$0"),
        (990, "$990"),
        (1234, "$1.234"),
        (1234567, "$1.234.567"),
        (-1500, "-$1.500"),
    ],
)
def test_format_clp(amount, text):
    assert format_clp(amount) == text
