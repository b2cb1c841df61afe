"""Returns and voids for the till: POST /returns, POST /sales/{id}/void, and what is left
to return of a sale. A cashier gets a supervisor's approval first (POST /approvals with
action "devolucion", the sale and the amount; or "anular_venta" and the sale) and sends
its id; the services refuse without it."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from itplus.core.numbers import NumberInput
from itplus.store.sales.api import ReprintIn, ReprintOut, require_cashier
from itplus.store.sales.models import CreditNote, Sale
from itplus.store.sales.reprints import document_page_url, document_reprint, receipt_copy_url
from itplus.store.sales.returns.selectors import (
    sale_document_label,
    sale_find_text,
    sale_return_state,
)
from itplus.store.sales.returns.services import (
    REFUND_ORIGINAL,
    DocumentNotFound,
    ReturnInput,
    ReturnLineInput,
    sale_return,
    sale_void,
)

router = Router(tags=["devoluciones"])


class ReturnLineIn(Schema):
    position: int | None = None
    sale_line_id: int | None = None
    quantity: NumberInput
    restock: bool = True


class ReturnIn(Schema):
    client_uuid: uuid.UUID
    # The original document: its id, its series code and number, or its UUID.
    sale_id: int | None = None
    series: str = Field("", max_length=20)
    number: int | None = None
    sale_uuid: uuid.UUID | None = None
    lines: list[ReturnLineIn]
    reason: str = Field(..., max_length=200)
    refund_to: str = Field(REFUND_ORIGINAL, max_length=20)
    approval_id: int | None = None  # a cashier's: "devolucion" for this sale and amount


class VoidIn(Schema):
    approval_id: int | None = None
    reason: str = Field("", max_length=150)
    client_uuid: uuid.UUID | None = None


class CreditLineOut(Schema):
    position: int
    original_position: int
    description: str
    quantity: Decimal
    total_clp: int
    restock: bool


class RefundOut(Schema):
    method: str
    amount_clp: int


class CreditNoteOut(Schema):
    id: int
    client_uuid: uuid.UUID
    series: str
    number: int
    kind: str
    issued_at: str
    sale_id: int
    original: str
    reason: str
    total_clp: int
    net_clp: int
    iva_clp: int
    ila_clp: int
    exempt_clp: int
    cash_rounding_clp: int
    amount_refunded_clp: int
    refunds: list[RefundOut]
    lines: list[CreditLineOut]
    receipt_url: str
    replayed: bool = False


class ReturnableLineOut(Schema):
    position: int
    sale_line_id: int
    description: str
    quantity_sold: Decimal
    quantity_returned: Decimal
    quantity_left: Decimal
    total_clp: int
    credited_clp: int
    is_voided: bool
    weighed: bool


class ReturnableOut(Schema):
    sale_id: int
    document: str
    status: str
    issued_at: str
    total_clp: int
    customer: str  # "" for the final consumer
    store_credit_allowed: bool  # "cuenta_corriente" refunds need an identified customer
    payments: list[RefundOut]  # how the sale was paid: a refund goes back the same way
    lines: list[ReturnableLineOut]


def credit_note_out(note: CreditNote, *, replayed: bool = False) -> CreditNoteOut:
    note = CreditNote.objects.select_related("series", "sale__series").get(pk=note.pk)
    return CreditNoteOut(
        id=note.pk,
        client_uuid=note.client_uuid,
        series=note.series.code,
        number=note.number,
        kind=note.kind,
        issued_at=note.issued_at.isoformat(),
        sale_id=note.sale_id,
        original=sale_document_label(note.sale),
        reason=note.reason,
        total_clp=note.total_clp,
        net_clp=note.net_clp,
        iva_clp=note.iva_clp,
        ila_clp=note.ila_clp,
        exempt_clp=note.exempt_clp,
        cash_rounding_clp=note.cash_rounding_clp,
        amount_refunded_clp=note.amount_refunded_clp,
        refunds=[
            RefundOut(method=r.method, amount_clp=r.amount_clp) for r in note.refunds.order_by("pk")
        ],
        lines=[
            CreditLineOut(
                position=ln.position,
                original_position=ln.sale_line.position,
                description=ln.description,
                quantity=ln.quantity,
                total_clp=ln.total_clp,
                restock=ln.restock,
            )
            for ln in note.lines.select_related("sale_line").order_by("position")
        ],
        receipt_url=document_page_url(note),
        replayed=replayed,
    )


@router.post("/returns", response={200: CreditNoteOut, 201: CreditNoteOut}, summary="Devolución")
def create_return(request: HttpRequest, payload: ReturnIn):
    """Idempotent on ``client_uuid``: the same return sent again answers 200 with the
    credit note already made; a new one answers 201. A document this store does not
    have answers 404 "El documento … no existe en esta tienda"."""
    user = require_cashier(request)
    data = ReturnInput(
        client_uuid=payload.client_uuid,
        lines=[ReturnLineInput(**line.dict()) for line in payload.lines],
        reason=payload.reason,
        refund_to=payload.refund_to,
        sale_id=payload.sale_id,
        series_code=payload.series,
        number=payload.number,
        sale_uuid=payload.sale_uuid,
        approval_id=payload.approval_id,
    )
    note, created = sale_return(terminal=request.terminal, user=user, data=data)
    return Status(201 if created else 200, credit_note_out(note, replayed=not created))


@router.post(
    "/sales/{sale_id}/void",
    response={200: CreditNoteOut, 201: CreditNoteOut},
    summary="Anular una venta del día",
)
def void_sale(request: HttpRequest, sale_id: int, payload: VoidIn):
    """Needs a supervisor's "anular_venta" approval (POST /approvals), used once."""
    user = require_cashier(request)
    note, created = sale_void(
        sale_id=sale_id,
        terminal=request.terminal,
        user=user,
        approval_id=payload.approval_id,
        reason=payload.reason,
        client_uuid=payload.client_uuid,
    )
    return Status(201 if created else 200, credit_note_out(note, replayed=not created))


@router.get(
    "/sales/{sale_id}/returnable",
    response=ReturnableOut,
    summary="Lo que queda por devolver de una venta",
)
def returnable(request: HttpRequest, sale_id: int):
    require_cashier(request)
    sale = Sale.objects.select_related("series", "customer").filter(pk=sale_id).first()
    if sale is None:
        raise DocumentNotFound(
            _("El documento %(document)s no existe en esta tienda.") % {"document": f"#{sale_id}"}
        )
    return returnable_out(sale)


@router.get(
    "/returns/find",
    response=ReturnableOut,
    summary="Buscar la venta a devolver por su número impreso",
)
def returnable_find(request: HttpRequest, document: str = ""):
    """``document`` as printed or scanned: "B1-17", "B1 17", "17" or the sale's UUID."""
    require_cashier(request)
    text = document.strip()[:80]
    sale = sale_find_text(text) if text else None
    if sale is None:
        raise DocumentNotFound(
            _("El documento %(document)s no existe en esta tienda.") % {"document": text or "—"}
        )
    return returnable_out(sale)


def returnable_out(sale: Sale) -> ReturnableOut:
    customer = sale.customer
    return ReturnableOut(
        sale_id=sale.pk,
        document=sale_document_label(sale),
        status=sale.status,
        issued_at=sale.issued_at.isoformat(),
        total_clp=sale.total_clp,
        customer="" if customer is None or customer.is_final_consumer else customer.name,
        store_credit_allowed=customer is not None and not customer.is_final_consumer,
        payments=[
            RefundOut(method=p.method, amount_clp=p.amount_clp)
            for p in sale.payments.order_by("pk")
        ],
        lines=[
            ReturnableLineOut(
                position=s.line.position,
                sale_line_id=s.line.pk,
                description=s.line.description,
                quantity_sold=s.line.quantity,
                quantity_returned=s.returned_quantity,
                quantity_left=s.remaining_quantity,
                total_clp=s.line.total_clp,
                credited_clp=s.credited_clp,
                is_voided=s.line.is_voided,
                weighed=s.weighed,
            )
            for s in sale_return_state(sale=sale)
        ],
    )


@router.get("/returns/{credit_note_id}", response=CreditNoteOut, summary="Ver una nota de crédito")
def get_credit_note(request: HttpRequest, credit_note_id: int):
    require_cashier(request)
    return credit_note_out(get_object_or_404(CreditNote, pk=credit_note_id))


@router.post(
    "/returns/{credit_note_id}/reprint",
    response=ReprintOut,
    summary="Reimprimir una nota de crédito (copia)",
)
def reprint_credit_note(request: HttpRequest, credit_note_id: int, payload: ReprintIn):
    """Needs a supervisor's "reimpresion" approval for this credit note (POST
    /approvals), used once. Answers the copy's URL; a network printer, if configured,
    prints the copy too."""
    user = require_cashier(request)
    note = CreditNote.objects.select_related("series").filter(pk=credit_note_id).first()
    if note is None:
        raise HttpError(404, _("La nota de crédito no existe."))
    approval = document_reprint(
        document=note, approval_id=payload.approval_id, user=user, terminal=request.terminal
    )
    return ReprintOut(receipt_url=receipt_copy_url(note, approval))
