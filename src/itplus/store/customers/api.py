"""The till's customer API: search by RUT or name, create at the till, complete a
customer's missing data (a factura's giro, dirección, comuna), pay the account.

Like the other till APIs: the terminal's token (Bearer) and the cashier's session.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from itplus.core.numbers import AmountClpField
from itplus.store.customers.models import AccountEntry, Customer
from itplus.store.customers.selectors import customer_get_active, customer_search
from itplus.store.customers.services import (
    customer_complete,
    customer_create,
    customer_payment_record,
)

router = Router(tags=["clientes"])


def _require_user(request: HttpRequest):
    if not request.user.is_authenticated:
        raise HttpError(401, _("Inicie sesión en la caja."))
    return request.user


class CustomerOut(Schema):
    id: int
    rut: str  # "12345678-5"
    rut_display: str  # "12.345.678-5"
    name: str
    giro: str
    address: str
    comuna: str
    credit_limit_clp: int
    balance_clp: int
    available_credit_clp: int
    # Buyer fields a factura needs that are still blank ("giro", "address", "comuna"…).
    factura_missing: list[str]

    @staticmethod
    def of(customer: Customer) -> CustomerOut:
        return CustomerOut(
            id=customer.pk,
            rut=customer.rut,
            rut_display=customer.rut_display,
            name=customer.name,
            giro=customer.giro,
            address=customer.address,
            comuna=customer.comuna,
            credit_limit_clp=customer.credit_limit_clp,
            balance_clp=customer.balance_clp,
            available_credit_clp=customer.available_credit_clp,
            factura_missing=customer.factura_missing_fields,
        )


class CustomerIn(Schema):
    rut: str = Field(..., max_length=20)
    name: str = Field(..., max_length=120)
    giro: str = Field("", max_length=120)
    address: str = Field("", max_length=160)
    comuna: str = Field("", max_length=60)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=30)


class CustomerCompleteIn(Schema):
    """Blank fields to fill in; fields already on record are changed in the back office."""

    name: str = Field("", max_length=120)
    giro: str = Field("", max_length=120)
    address: str = Field("", max_length=160)
    comuna: str = Field("", max_length=60)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=30)


class AccountPaymentIn(Schema):
    amount_clp: AmountClpField
    method: str = Field("efectivo", max_length=20)
    credit_balance: bool = False  # the excess over the debt stays as "saldo a favor"


class AccountPaymentOut(Schema):
    entry_id: int
    amount_clp: int
    balance_after_clp: int
    customer: CustomerOut


@router.get("/customers/search", response=list[CustomerOut], summary="Buscar clientes")
def search(request: HttpRequest, q: str = "", limit: int = 10):
    """By RUT from its start (with or without dots and dash) or by name (accents ignored)."""
    _require_user(request)
    return [CustomerOut.of(c) for c in customer_search(q=q[:60], limit=min(max(limit, 1), 50))]


@router.get("/customers/{customer_id}", response=CustomerOut, summary="Ver un cliente")
def get_customer(request: HttpRequest, customer_id: int):
    _require_user(request)
    customer = customer_get_active(customer_id=customer_id)
    if customer is None:
        raise HttpError(404, _("El cliente no existe o está inactivo."))
    return CustomerOut.of(customer)


@router.post("/customers", response={201: CustomerOut}, summary="Crear un cliente en la caja")
def create_customer(request: HttpRequest, payload: CustomerIn):
    """The RUT is validated (módulo 11) and must be new; created without credit (a
    supervisor sets the limit in the back office)."""
    user = _require_user(request)
    customer = customer_create(user=user, **payload.dict())
    return Status(201, CustomerOut.of(customer))


@router.patch(
    "/customers/{customer_id}", response=CustomerOut, summary="Completar datos de un cliente"
)
def complete_customer(request: HttpRequest, customer_id: int, payload: CustomerCompleteIn):
    """Fills the customer's blank fields (the till completes a factura's buyer in place);
    a field already on record is refused, changing it is the back office's job."""
    user = _require_user(request)
    customer = customer_get_active(customer_id=customer_id)
    if customer is None:
        raise HttpError(404, _("El cliente no existe o está inactivo."))
    return CustomerOut.of(customer_complete(customer=customer, user=user, **payload.dict()))


@router.post(
    "/customers/{customer_id}/payments",
    response={201: AccountPaymentOut},
    summary="Abono a la cuenta corriente",
)
def pay_account(request: HttpRequest, customer_id: int, payload: AccountPaymentIn):
    user = _require_user(request)
    customer = customer_get_active(customer_id=customer_id)
    if customer is None:
        raise HttpError(404, _("El cliente no existe o está inactivo."))
    entry: AccountEntry = customer_payment_record(
        customer=customer,
        amount_clp=payload.amount_clp,
        method=payload.method,
        user=user,
        terminal=request.terminal,
        allow_credit_balance=payload.credit_balance,
    )
    return Status(
        201,
        AccountPaymentOut(
            entry_id=entry.pk,
            amount_clp=entry.amount_clp,
            balance_after_clp=entry.balance_after_clp,
            customer=CustomerOut.of(customer),
        ),
    )
