from tests.factories import make_sale


def test_cash_sale_through_the_service(terminal, cashier, product):
    sale = make_sale(terminal=terminal, cashier=cashier, products=[product], cash_clp=2000)
    assert sale.number == 1
    assert sale.total_clp == 1190
    assert sale.cash_rounding_clp == 0  # 1.190 is already a multiple of 10
    assert sale.change_clp == 810
