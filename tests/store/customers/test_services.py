"""Customer services: RUT validation on real-format cases, fields, credit limit, payments.

Every refusal leaves the database as it was (row counts and balances checked).
"""

from __future__ import annotations

import pytest
from stdnum.cl import rut as stdnum_rut

from itplus.core.chile import InvalidRut
from itplus.core.errors import BusinessError
from itplus.store.customers.models import FINAL_CONSUMER_RUT, AccountEntry, Customer
from itplus.store.customers.services import (
    CreditLimitExceeded,
    CustomerError,
    NotAllowed,
    PaymentRefused,
    customer_create,
    customer_credit_limit_set,
    customer_payment_record,
    customer_update,
    final_consumer,
)
from tests.factories import make_product, make_user
from tests.store.customers.factories import new_customer, sell_on_credit

pytestmark = pytest.mark.django_db


def _k_rut() -> str:
    """A real RUT whose check digit is K, computed with python-stdnum (10.000.013-K)."""
    body = next(
        str(n) for n in range(10_000_000, 10_001_000) if stdnum_rut.calc_check_digit(str(n)) == "K"
    )
    return f"{body}-K"


def state():
    return (
        Customer.objects.count(),
        AccountEntry.objects.count(),
        sorted(Customer.objects.values_list("rut", "balance_clp", "credit_limit_clp")),
    )


# ---------------------------------------------------------------- RUT


@pytest.mark.parametrize(
    ("typed", "stored", "shown"),
    [
        ("12.345.678-5", "12345678-5", "12.345.678-5"),
        ("12345678-5", "12345678-5", "12.345.678-5"),
        ("123456785", "12345678-5", "12.345.678-5"),
        (" 12.345.678-5 ", "12345678-5", "12.345.678-5"),
        ("76.086.428-5", "76086428-5", "76.086.428-5"),
        ("11.111.111-1", "11111111-1", "11.111.111-1"),
        ("10.000.013-K", "10000013-K", "10.000.013-K"),
        ("10000013-k", "10000013-K", "10.000.013-K"),
        ("10000013k", "10000013-K", "10.000.013-K"),
    ],
)
def test_valid_ruts_are_stored_clean_and_shown_formatted(typed, stored, shown):
    customer = customer_create(rut=typed, name="Almacén Don Pepe")

    assert customer.rut == stored
    assert Customer.objects.get(pk=customer.pk).rut_display == shown


def test_the_k_example_is_a_real_k_check_digit():
    assert _k_rut() == "10000013-K"
    assert stdnum_rut.is_valid("10000013K")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12.345.678-6", "El dígito verificador del RUT 12.345.678-6 no corresponde"),
        ("76.086.428-K", "El dígito verificador del RUT 76.086.428-K no corresponde"),
        ("10.000.013-0", "El dígito verificador del RUT 10.000.013-0 no corresponde"),
        ("abc", "«abc» no es un RUT válido"),
        ("12.345.678-", "Falta el dígito verificador del RUT «12.345.678-»"),
        ("12.345.678-X", "«12.345.678-X» no es un RUT válido"),
        ("", "Ingrese el RUT, por ejemplo 12.345.678-5."),
        ("   ", "Ingrese el RUT, por ejemplo 12.345.678-5."),
    ],
)
def test_bad_ruts_are_refused_in_spanish_and_nothing_is_created(typed, message):
    before = state()

    with pytest.raises(InvalidRut) as error:
        customer_create(rut=typed, name="Cliente")

    assert message in error.value.message
    assert state() == before


def test_a_rut_cannot_be_registered_twice_in_any_spelling():
    new_customer(rut="12.345.678-5", name="Juana Pérez")
    before = state()

    with pytest.raises(CustomerError) as error:
        customer_create(rut="123456785", name="Otra persona")

    assert error.value.message == "Ya existe un cliente con RUT 12.345.678-5: Juana Pérez."
    assert state() == before


# ---------------------------------------------------------------- final consumer


def test_the_final_consumer_exists_from_the_migration_and_cannot_be_created_or_edited():
    consumer = Customer.objects.get(rut=FINAL_CONSUMER_RUT)
    assert (consumer.name, consumer.rut_display) == ("Consumidor final", "66.666.666-6")
    assert final_consumer() == consumer
    before = state()

    with pytest.raises(CustomerError, match="consumidor final"):
        customer_create(rut="66.666.666-6", name="Otro")
    with pytest.raises(CustomerError, match="no se modifica"):
        customer_update(customer=consumer, name="Cambiado")
    with pytest.raises(CustomerError, match="No se da crédito al consumidor final"):
        customer_credit_limit_set(
            customer=consumer, credit_limit_clp=10_000, user=make_user(role="supervisor")
        )
    with pytest.raises(PaymentRefused, match="no tiene cuenta corriente"):
        customer_payment_record(
            customer=consumer, amount_clp=1000, method="efectivo", user=make_user()
        )

    assert state() == before


# ---------------------------------------------------------------- fields


def test_fields_are_normalised():
    customer = customer_create(
        rut="12.345.678-5",
        name="  Comercial   Muñoz  Ltda. ",
        giro="Almacén de barrio",
        address="Av. Grecia 1234",
        comuna="nunoa",
        email="Ventas@Munoz.CL",
        phone="+56 9 1234 5678",
    )

    assert customer.name == "Comercial Muñoz Ltda."
    assert customer.search_text == "comercial munoz ltda."
    assert customer.comuna == "Ñuñoa"  # a Gran Santiago commune gets its official spelling
    assert customer.email == "ventas@munoz.cl"
    # other communes of Chile are kept as typed (trimmed)
    assert new_customer(comuna="  Puerto  Montt ").comuna == "Puerto Montt"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "   "}, "Ingrese el nombre o la razón social del cliente."),
        ({"email": "juana@"}, "«juana@» no es un correo válido"),
        ({"name": "x" * 121}, "admite hasta 120 caracteres"),
    ],
)
def test_bad_fields_are_refused_and_nothing_changes(fields, message):
    before = state()
    with pytest.raises(CustomerError) as error:
        customer_create(**{"rut": "12.345.678-5", "name": "Juana", **fields})
    assert message in error.value.message
    assert state() == before


def test_update_changes_data_and_revalidates_the_rut():
    customer = new_customer(name="Juana Pérez")
    other = new_customer(name="Pedro Soto")

    customer_update(
        customer=customer, name="Juana Pérez Rojas", comuna="providencia", rut="76.086.428-5"
    )
    customer.refresh_from_db()
    assert (customer.name, customer.comuna, customer.rut) == (
        "Juana Pérez Rojas",
        "Providencia",
        "76086428-5",
    )
    before = state()

    with pytest.raises(CustomerError, match="Ya existe un cliente con RUT 76.086.428-5"):
        customer_update(customer=other, rut="76086428-5")
    with pytest.raises(InvalidRut):
        customer_update(customer=other, rut="76.086.428-4")
    assert state() == before


# ---------------------------------------------------------------- credit limit


def test_only_a_supervisor_or_admin_sets_the_credit_limit():
    customer = new_customer()
    cashier = make_user(role="cajero")
    before = state()

    with pytest.raises(NotAllowed, match="Solo un supervisor o un administrador"):
        customer_credit_limit_set(customer=customer, credit_limit_clp=50_000, user=cashier)
    with pytest.raises(NotAllowed):
        customer_create(rut="12.345.678-5", name="X", credit_limit_clp=10_000, user=cashier)
    with pytest.raises(NotAllowed):
        customer_create(rut="12.345.678-5", name="X", credit_limit_clp=10_000)
    assert state() == before

    customer_credit_limit_set(
        customer=customer, credit_limit_clp=50_000, user=make_user(role="supervisor")
    )
    customer_credit_limit_set(
        customer=customer, credit_limit_clp=60_000, user=make_user(role="administrador")
    )
    customer.refresh_from_db()
    assert customer.credit_limit_clp == 60_000


@pytest.mark.parametrize("limit", [-1, -50_000, 1.5, "1000", True])
def test_a_negative_or_non_integer_limit_is_refused(limit):
    customer = new_customer(credit_limit_clp=10_000)
    before = state()
    with pytest.raises(CustomerError):
        customer_credit_limit_set(
            customer=customer, credit_limit_clp=limit, user=make_user(role="supervisor")
        )
    assert state() == before


# ---------------------------------------------------------------- sales on credit


def test_a_sale_on_credit_is_charged_and_one_over_the_limit_is_refused(terminal, cashier):
    product = make_product(price_clp=4_000)
    customer = new_customer(credit_limit_clp=10_000)

    sale = sell_on_credit(
        terminal=terminal, cashier=cashier, product=product, customer=customer, quantity="2"
    )

    customer.refresh_from_db()
    assert customer.balance_clp == 8_000
    assert customer.available_credit_clp == 2_000
    entry = AccountEntry.objects.get()
    assert (entry.kind, entry.amount_clp, entry.balance_after_clp, entry.sale) == (
        "cargo",
        8_000,
        8_000,
        sale,
    )
    before = state()
    sales_before = type(sale).objects.count()

    with pytest.raises(CreditLimitExceeded) as error:
        sell_on_credit(terminal=terminal, cashier=cashier, product=product, customer=customer)

    assert (
        error.value.message == f"{customer.name} no tiene cupo: disponible $2.000, se piden $4.000."
    )
    assert state() == before
    assert type(sale).objects.count() == sales_before


def test_a_lower_limit_stops_credit_but_keeps_the_debt(terminal, cashier):
    product = make_product(price_clp=5_000)
    customer = new_customer(credit_limit_clp=10_000)
    sell_on_credit(terminal=terminal, cashier=cashier, product=product, customer=customer)

    customer_credit_limit_set(
        customer=customer, credit_limit_clp=1_000, user=make_user(role="supervisor")
    )

    customer.refresh_from_db()
    assert (customer.balance_clp, customer.available_credit_clp) == (5_000, 0)
    with pytest.raises(CreditLimitExceeded, match="disponible \\$0"):
        sell_on_credit(
            terminal=terminal,
            cashier=cashier,
            product=make_product(price_clp=100),
            customer=customer,
        )


# ---------------------------------------------------------------- payments


@pytest.fixture
def debtor(terminal, cashier):
    """A customer who owes $7.000 from two sales on credit."""
    customer = new_customer(name="Rosa Tapia", credit_limit_clp=20_000)
    sell_on_credit(
        terminal=terminal, cashier=cashier, product=make_product(price_clp=3_000), customer=customer
    )
    sell_on_credit(
        terminal=terminal, cashier=cashier, product=make_product(price_clp=4_000), customer=customer
    )
    customer.refresh_from_db()
    assert customer.balance_clp == 7_000
    return customer


def test_payments_reduce_the_balance(debtor, cashier, terminal):
    entry = customer_payment_record(
        customer=debtor, amount_clp=2_500, method="efectivo", user=cashier, terminal=terminal
    )

    assert (entry.kind, entry.amount_clp, entry.balance_after_clp, entry.method) == (
        "abono",
        -2_500,
        4_500,
        "efectivo",
    )
    assert entry.terminal == terminal
    assert debtor.balance_clp == 4_500
    customer_payment_record(customer=debtor, amount_clp=4_500, method="transferencia", user=cashier)
    debtor.refresh_from_db()
    assert debtor.balance_clp == 0
    assert (
        sum(AccountEntry.objects.filter(customer=debtor).values_list("amount_clp", flat=True)) == 0
    )


@pytest.mark.parametrize(
    ("amount", "method", "message"),
    [
        (0, "efectivo", "El abono debe ser un monto mayor que cero."),
        (-1_000, "efectivo", "El abono debe ser un monto mayor que cero."),
        (1.5, "efectivo", "El abono debe ser un monto mayor que cero."),
        (1_000, "cuenta_corriente", "Medio de pago no válido para un abono"),
        (1_000, "bitcoin", "Medio de pago no válido para un abono"),
        (
            10_000,
            "efectivo",
            "El abono ($10.000) supera la deuda de Rosa Tapia: $7.000. Cobre la deuda o "
            "marque el excedente ($3.000) como saldo a favor.",
        ),
    ],
)
def test_bad_payments_are_refused_and_nothing_changes(debtor, cashier, amount, method, message):
    before = state()
    with pytest.raises(PaymentRefused) as error:
        customer_payment_record(customer=debtor, amount_clp=amount, method=method, user=cashier)
    assert message in error.value.message
    assert isinstance(error.value, BusinessError)
    assert state() == before


def test_a_payment_without_debt_is_refused_unless_saldo_a_favor(cashier):
    customer = new_customer(name="Luis Araya", credit_limit_clp=5_000)
    before = state()
    with pytest.raises(PaymentRefused, match="Luis Araya no tiene deuda"):
        customer_payment_record(
            customer=customer, amount_clp=1_000, method="efectivo", user=cashier
        )
    assert state() == before


def test_an_explicit_saldo_a_favor_goes_negative_and_is_used_by_the_next_sale(
    debtor, cashier, terminal
):
    entry = customer_payment_record(
        customer=debtor,
        amount_clp=10_000,
        method="efectivo",
        user=cashier,
        allow_credit_balance=True,
    )

    assert entry.balance_after_clp == -3_000
    assert "incluye $3.000 de saldo a favor" in entry.reason
    debtor.refresh_from_db()
    assert debtor.available_credit_clp == 23_000  # limit 20.000 + 3.000 in favour
    sell_on_credit(
        terminal=terminal, cashier=cashier, product=make_product(price_clp=3_000), customer=debtor
    )
    debtor.refresh_from_db()
    assert debtor.balance_clp == 0


def test_the_final_consumer_is_the_default_and_cannot_buy_on_credit(terminal, cashier, product):
    from itplus.store.sales.services import PaymentRejected, sale_complete
    from tests.factories import make_sale

    sale = make_sale(terminal=terminal, cashier=cashier, products=[product])
    assert sale.customer is None  # None means the final consumer, 66.666.666-6

    # naming the final consumer explicitly is the same as naming nobody
    sale = make_sale(
        terminal=terminal, cashier=cashier, products=[product], customer_id=final_consumer().pk
    )
    assert sale.customer is None

    before = state()
    with pytest.raises(PaymentRejected, match="Para fiar hay que identificar al cliente."):
        from tests.store.customers.factories import fiado_input

        sale_complete(
            terminal=terminal, cashier=cashier, data=fiado_input(product, final_consumer())
        )
    assert state() == before


def test_a_factura_without_a_customer_is_refused_in_spanish(terminal, cashier, product):
    from itplus.store.customers.services import FacturaBuyerIncomplete
    from itplus.store.sales.models import Sale
    from tests.factories import make_sale, make_series

    terminal.factura_series = make_series(kind="factura")
    terminal.save()
    count = Sale.objects.count()

    for customer_id in (None, final_consumer().pk):
        with pytest.raises(FacturaBuyerIncomplete) as error:
            make_sale(
                terminal=terminal,
                cashier=cashier,
                products=[product],
                document_kind="factura",
                customer_id=customer_id,
            )
        assert error.value.message == (
            "Una factura necesita un cliente identificado con RUT, razón social, giro, "
            "dirección y comuna."
        )
        assert (error.value.code, error.value.status) == ("factura_sin_datos_comprador", 422)
    assert Sale.objects.count() == count

    customer = new_customer(giro="Minimarket", address="Av. Matta 100", comuna="Santiago")
    invoice = make_sale(
        terminal=terminal,
        cashier=cashier,
        products=[product],
        document_kind="factura",
        customer_id=customer.pk,
    )
    assert invoice.customer == customer


def test_a_cash_payment_at_a_till_enters_its_drawer(debtor, cashier, terminal):
    from itplus.store.cash.models import CashMovement
    from itplus.store.cash.selectors import cash_session_current

    entry = customer_payment_record(
        customer=debtor, amount_clp=3_000, method="efectivo", user=cashier, terminal=terminal
    )

    movement = entry.cash_movement
    assert (movement.kind, movement.amount_clp) == ("ingreso", 3_000)
    assert movement.session == cash_session_current(terminal=terminal)
    assert movement.reason == "Abono cuenta corriente: Rosa Tapia"
    # by debit at the till, or received in the back office: no drawer involved
    customer_payment_record(
        customer=debtor, amount_clp=1_000, method="debito", user=cashier, terminal=terminal
    )
    customer_payment_record(customer=debtor, amount_clp=1_000, method="efectivo", user=cashier)
    assert CashMovement.objects.count() == 1


def test_a_cash_payment_at_a_closed_till_is_refused(debtor, cashier):
    from itplus.store.cash.models import CashMovement
    from tests.factories import make_terminal

    closed = make_terminal(open_session=False)
    before = state()
    with pytest.raises(PaymentRefused, match="no está abierta"):
        customer_payment_record(
            customer=debtor, amount_clp=1_000, method="efectivo", user=cashier, terminal=closed
        )
    assert state() == before
    assert CashMovement.objects.count() == 0


def test_a_refused_payment_leaves_no_cash_movement(debtor, cashier, terminal):
    from itplus.store.cash.models import CashMovement

    with pytest.raises(PaymentRefused, match="supera la deuda"):
        customer_payment_record(
            customer=debtor, amount_clp=9_000, method="efectivo", user=cashier, terminal=terminal
        )
    assert CashMovement.objects.count() == 0
