import uuid
from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import BaseModel, ConfigDict

from itplus.core.numbers import AmountClpField, NumberInput
from itplus.store.accounts.approvals import approval_grant
from itplus.store.sales.models import CreditNote, ParkedTicket, Sale
from itplus.store.sales.reprints import document_reprint, receipt_copy_url
from itplus.store.sales.services import (
    LineInput,
    PaymentInput,
    SaleInput,
    sale_complete,
    ticket_cancel,
    ticket_park,
    ticket_resume,
)

router = Router(tags=["ventas"])


def require_cashier(request: HttpRequest):
    if not request.user.is_authenticated:
        raise HttpError(401, _("Inicie sesión en la caja para vender."))
    return request.user


class LineIn(Schema):
    code: str = Field("", max_length=64)
    product_id: int | None = None
    quantity: NumberInput = Decimal("1")
    discount_clp: AmountClpField = 0
    is_voided: bool = False
    approval_id: int | None = None
    scanned_quantity: Decimal | None = None
    quantity_approval_id: int | None = None
    scale_approval_id: int | None = None  # "etiqueta_balanza", covering the label's amount


class PaymentIn(Schema):
    method: str = Field(..., max_length=20)
    amount_clp: AmountClpField
    reference: str = Field("", max_length=60)


class SaleIn(Schema):
    client_uuid: uuid.UUID
    lines: list[LineIn]
    payments: list[PaymentIn]
    ticket_discount_clp: AmountClpField = 0
    ticket_discount_approval_id: int | None = None
    document_kind: str = "boleta"
    customer_id: int | None = None  # None: the anonymous final consumer


class SaleLineOut(Schema):
    position: int
    description: str
    quantity: Decimal
    unit_price_clp: int
    discount_clp: int
    total_clp: int
    is_voided: bool


class PaymentOut(Schema):
    method: str
    amount_clp: int
    tendered_clp: int
    change_clp: int


class SaleOut(Schema):
    id: int
    client_uuid: uuid.UUID
    series: str
    document: str
    number: int
    issued_at: str
    total_clp: int
    net_clp: int
    iva_clp: int
    ila_clp: int
    exempt_clp: int
    discount_clp: int
    cash_rounding_clp: int
    amount_charged_clp: int
    change_clp: int
    receipt_url: str
    lines: list[SaleLineOut]
    payments: list[PaymentOut]
    replayed: bool = False


def sale_out(sale: Sale, *, replayed: bool = False) -> SaleOut:
    return SaleOut(
        id=sale.pk,
        client_uuid=sale.client_uuid,
        series=sale.series.code,
        document=sale.series.get_kind_display(),
        number=sale.number,
        issued_at=sale.issued_at.isoformat(),
        total_clp=sale.total_clp,
        net_clp=sale.net_clp,
        iva_clp=sale.iva_clp,
        ila_clp=sale.ila_clp,
        exempt_clp=sale.exempt_clp,
        discount_clp=sale.discount_clp,
        cash_rounding_clp=sale.cash_rounding_clp,
        amount_charged_clp=sale.amount_charged_clp,
        change_clp=sale.change_clp,
        receipt_url=f"/pos/recibo/{sale.pk}/",
        lines=[SaleLineOut.from_orm(line) for line in sale.lines.all()],
        payments=[PaymentOut.from_orm(p) for p in sale.payments.all()],
        replayed=replayed,
    )


def sale_input(payload: SaleIn) -> SaleInput:
    """What the service reads from a sale as the till sends it (online or offline)."""
    return SaleInput(
        client_uuid=payload.client_uuid,
        lines=[LineInput(**line.dict()) for line in payload.lines],
        payments=[PaymentInput(**p.dict()) for p in payload.payments],
        ticket_discount_clp=payload.ticket_discount_clp,
        ticket_discount_approval_id=payload.ticket_discount_approval_id,
        document_kind=payload.document_kind,
        customer_id=payload.customer_id,
    )


@router.post("/sales", response={200: SaleOut, 201: SaleOut}, summary="Registrar una venta")
def create_sale(request: HttpRequest, payload: SaleIn):
    """Idempotent on ``client_uuid``: sending the same sale again returns it (200) without
    creating another; a new sale answers 201."""
    cashier = require_cashier(request)
    data = sale_input(payload)
    sale, created = sale_complete(terminal=request.terminal, cashier=cashier, data=data)
    return Status(201 if created else 200, sale_out(sale, replayed=not created))


@router.get("/sales/{sale_id}", response=SaleOut, summary="Ver una venta")
def get_sale(request: HttpRequest, sale_id: int):
    sale = get_object_or_404(Sale.objects.select_related("series"), pk=sale_id)
    return sale_out(sale)


class ApprovalIn(Schema):
    pin: str = Field(..., max_length=12)
    action: str = Field(..., max_length=30)
    max_percent: int | None = None  # discounts
    amount_clp: int | None = None  # returns, cash out, a scale label's amount
    sale_id: int | None = None  # voids, returns, copies: the sale it is for
    credit_note_id: int | None = None  # a credit note's copy
    detail: str = Field("", max_length=200)


class ApprovalOut(Schema):
    id: int
    action: str
    approved_by: str
    max_percent: int | None
    amount_clp: int | None
    expires_at: str


@router.post("/approvals", response=ApprovalOut, summary="Aprobación de supervisor por PIN")
def create_approval(request: HttpRequest, payload: ApprovalIn):
    """For the logged-in user at this terminal only; used once, within minutes."""
    cashier = require_cashier(request)
    document = None
    if payload.sale_id is not None:
        document = Sale.objects.filter(pk=payload.sale_id).first()
        if document is None:
            raise HttpError(404, _("La venta no existe."))
    elif payload.credit_note_id is not None:
        document = CreditNote.objects.filter(pk=payload.credit_note_id).first()
        if document is None:
            raise HttpError(404, _("La nota de crédito no existe."))
    approval = approval_grant(
        pin=payload.pin,
        action=payload.action,
        requested_by=cashier,
        terminal=request.terminal,
        max_percent=payload.max_percent,
        amount_clp=payload.amount_clp,
        obj=document,
        detail=payload.detail,
    )
    return ApprovalOut(
        id=approval.pk,
        action=approval.action,
        approved_by=approval.approved_by.get_full_name() or approval.approved_by.get_username(),
        max_percent=approval.max_percent,
        amount_clp=approval.amount_clp,
        expires_at=approval.expires_at.isoformat(),
    )


class ParkedTicketIn(BaseModel):
    """The till's ticket as it is (its other keys are kept: a ninja Schema would drop
    them); ``lines`` must be a list."""

    model_config = ConfigDict(extra="allow")
    lines: list[dict]


class ParkIn(Schema):
    label: str = Field("", max_length=60)
    payload: ParkedTicketIn


class ParkedOut(Schema):
    id: int
    label: str
    created_at: str
    cashier: str  # the name people know the cashier by
    lines: int
    customer: str  # the customer the till had picked for it, "" for the final consumer


@router.post("/parked", response=ParkedOut, summary="Dejar un ticket en espera")
def park(request: HttpRequest, body: ParkIn):
    cashier = require_cashier(request)
    ticket = ticket_park(
        terminal=request.terminal,
        cashier=cashier,
        label=body.label,
        payload=body.payload.model_dump(),
    )
    return _parked_out(ticket)


@router.get("/parked", response=list[ParkedOut], summary="Tickets en espera de esta caja")
def parked_list(request: HttpRequest):
    tickets = ParkedTicket.objects.filter(terminal=request.terminal).select_related("cashier")
    return [_parked_out(t) for t in tickets]


@router.post("/parked/{ticket_id}/resume", response=dict, summary="Retomar un ticket")
def parked_resume(request: HttpRequest, ticket_id: int):
    require_cashier(request)
    return ticket_resume(terminal=request.terminal, ticket_id=ticket_id)


def _parked_out(ticket: ParkedTicket) -> ParkedOut:
    # The payload is the till's own ticket; its customer is what the till showed.
    chosen = ticket.payload.get("customer")
    customer = chosen.get("customer") if isinstance(chosen, dict) else None
    name = customer.get("name") if isinstance(customer, dict) else ""
    return ParkedOut(
        id=ticket.pk,
        label=ticket.label,
        created_at=ticket.created_at.isoformat(),
        cashier=ticket.cashier.get_full_name() or ticket.cashier.get_username(),
        lines=len(ticket.payload.get("lines", [])),
        customer=str(name or "")[:100],
    )


class TicketCancelIn(Schema):
    approval_id: int | None = None  # a cashier's: "cancelar_ticket" covering the total
    total_clp: AmountClpField = 0
    lines: list[str] = Field(default_factory=list, max_length=500)


class TicketCancelOut(Schema):
    recorded: bool
    approved_by: str


@router.post("/tickets/cancel", response=TicketCancelOut, summary="Cancelar el ticket completo")
def cancel_ticket(request: HttpRequest, payload: TicketCancelIn):
    """The till drops a ticket that was never charged. A cashier sends the supervisor's
    "cancelar_ticket" approval (POST /approvals, with the ticket's total), used here; a
    supervisor needs none and nothing is recorded."""
    cashier = require_cashier(request)
    approval = ticket_cancel(
        terminal=request.terminal,
        cashier=cashier,
        approval_id=payload.approval_id,
        total_clp=payload.total_clp,
        lines=payload.lines,
    )
    approver = approval.approved_by if approval else None
    return TicketCancelOut(
        recorded=approval is not None,
        approved_by=(approver.get_full_name() or approver.get_username()) if approver else "",
    )


class ReprintIn(Schema):
    approval_id: int | None = None


class ReprintOut(Schema):
    receipt_url: str


@router.post(
    "/sales/{sale_id}/reprint", response=ReprintOut, summary="Reimprimir una boleta (copia)"
)
def reprint_sale(request: HttpRequest, sale_id: int, payload: ReprintIn):
    """Needs a supervisor's "reimpresion" approval (POST /approvals), used once. Answers
    the copy's URL; a network printer, if configured, prints the copy too."""
    user = require_cashier(request)
    sale = Sale.objects.select_related("series").filter(pk=sale_id).first()
    if sale is None:
        raise HttpError(404, _("La venta no existe."))
    approval = document_reprint(
        document=sale, approval_id=payload.approval_id, user=user, terminal=request.terminal
    )
    return ReprintOut(receipt_url=receipt_copy_url(sale, approval))
