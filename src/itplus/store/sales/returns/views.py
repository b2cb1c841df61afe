"""Back-office pages for returns: "Devoluciones" (find the sale, pick lines and
quantities, refund, or void it with a supervisor's PIN) and the printable credit note.

The sale panel (its lines with what is left to return) is an HTMX partial: typing or
scanning the receipt's number swaps it in without reloading. Each form carries a UUID
made when the panel was drawn, so a double click or a resent form makes one note.
"""

from __future__ import annotations

import uuid

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from itplus.core.errors import BusinessError
from itplus.core.money import format_clp
from itplus.store.accounts.approvals import approval_grant
from itplus.store.accounts.models import ApprovalAction
from itplus.store.sales.models import CreditNote, PaymentMethod, Sale
from itplus.store.sales.returns.receipts import receipt_for_credit_note
from itplus.store.sales.returns.selectors import (
    credit_notes_for_sale,
    sale_document_label,
    sale_find_text,
    sale_return_state,
)
from itplus.store.sales.returns.services import (
    REFUND_ORIGINAL,
    REFUND_STORE_CREDIT,
    ReturnInput,
    ReturnLineInput,
    ReturnRejected,
    return_quantity_parse,
    sale_return,
    sale_void,
)
from itplus.store.sales.views import document_page
from itplus.store.terminals.models import Terminal

TEMPLATE = "sales/returns/index.html"
VIEW_PERM = "sales.view_creditnote"
ADD_PERM = "sales.add_creditnote"


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _panel_context(sale: Sale | None, *, query: str = "", form: dict | None = None) -> dict:
    if sale is None:
        return {"sale": None, "query": query}
    states = sale_return_state(sale=sale)
    form = form or {}
    return {
        "sale": sale,
        "query": query,
        "document": sale_document_label(sale),
        "rows": [
            {
                "state": s,
                "quantity": form.get(f"cantidad_{s.line.pk}", ""),
                "damaged": form.get(f"danado_{s.line.pk}") == "1",
            }
            for s in states
        ],
        "notes": list(credit_notes_for_sale(sale=sale)),
        "payments": list(sale.payments.all()),
        "has_left": any(s.remaining_quantity > 0 for s in states),
        "can_void": sale.status == Sale.Status.COMPLETED
        and not any(s.returned_quantity > 0 for s in states),
        "store_credit_allowed": sale.customer_id is not None
        and not sale.customer.is_final_consumer,
        "terminals": Terminal.objects.filter(is_active=True).order_by("code"),
        "terminal_id": int(form.get("terminal") or sale.terminal_id),
        "form": form,
        "client_uuid": form.get("client_uuid") or uuid.uuid4(),
        "refund_original": REFUND_ORIGINAL,
        "refund_store_credit": REFUND_STORE_CREDIT,
        "store_credit_label": PaymentMethod.STORE_CREDIT.label,
    }


def _render(request: HttpRequest, context: dict, *, status: int = 200) -> HttpResponse:
    context = {**admin.site.each_context(request), "title": _("Devoluciones"), **context}
    template = f"{TEMPLATE}#panel" if _is_htmx(request) else TEMPLATE
    return render(request, template, context, status=status)


@staff_member_required
@permission_required(VIEW_PERM, raise_exception=True)
def returns_index(request: HttpRequest) -> HttpResponse:
    """Find the sale: ``?q=`` the number as printed ("B1-17", "17") or scanned."""
    query = request.GET.get("q", "").strip()[:80]
    sale = None
    if "venta" in request.GET:
        sale = (
            Sale.objects.select_related("series", "customer", "terminal")
            .filter(pk=request.GET.get("venta"))
            .first()
            if request.GET.get("venta", "").isdigit()
            else None
        )
    elif query:
        sale = sale_find_text(query)
    context = _panel_context(sale, query=query)
    if query and sale is None:
        context["not_found"] = _("El documento %(document)s no existe en esta tienda.") % {
            "document": query
        }
    return _render(request, context)


def _terminal(request: HttpRequest) -> Terminal:
    raw = request.POST.get("terminal", "")
    terminal = Terminal.objects.filter(pk=raw, is_active=True).first() if raw.isdigit() else None
    if terminal is None:
        raise ReturnRejected(_("Elija la caja desde la que se devuelve el dinero."))
    return terminal


def _client_uuid(request: HttpRequest) -> uuid.UUID:
    try:
        return uuid.UUID(request.POST.get("client_uuid", ""))
    except ValueError:
        return uuid.uuid4()


def _lines_from_post(request: HttpRequest, sale: Sale) -> list[ReturnLineInput]:
    lines = []
    for state in sale_return_state(sale=sale):
        raw = request.POST.get(f"cantidad_{state.line.pk}", "").strip()
        if not raw:
            continue
        quantity = return_quantity_parse(raw, state=state)
        if quantity == 0:
            continue
        lines.append(
            ReturnLineInput(
                sale_line_id=state.line.pk,
                quantity=quantity,
                restock=request.POST.get(f"danado_{state.line.pk}") != "1",
            )
        )
    return lines


def _sale_or_404(sale_id: int) -> Sale:
    sale = Sale.objects.select_related("series", "customer", "terminal").filter(pk=sale_id).first()
    if sale is None:
        raise Http404(_("La venta no existe."))
    return sale


@require_POST
@staff_member_required
@permission_required(ADD_PERM, raise_exception=True)
def return_create(request: HttpRequest, sale_id: int) -> HttpResponse:
    sale = _sale_or_404(sale_id)
    try:
        data = ReturnInput(
            client_uuid=_client_uuid(request),
            lines=_lines_from_post(request, sale),
            reason=request.POST.get("motivo", "")[:200],
            refund_to=request.POST.get("reembolso", REFUND_ORIGINAL),
            sale_id=sale.pk,
        )
        note, created = sale_return(terminal=_terminal(request), user=request.user, data=data)
    except BusinessError as error:
        context = _panel_context(sale, form=request.POST.dict())
        context["error"] = error.message
        return _render(request, context, status=422)
    messages.success(
        request,
        _("%(note)s emitida: se devuelven %(amount)s.")
        % {"note": str(note), "amount": format_clp(note.amount_refunded_clp)},
    )
    return _done(request, note)


@require_POST
@staff_member_required
@permission_required(ADD_PERM, raise_exception=True)
def void_create(request: HttpRequest, sale_id: int) -> HttpResponse:
    sale = _sale_or_404(sale_id)
    try:
        terminal = _terminal(request)
        # The supervisor's PIN becomes a recorded approval, used by the void at once.
        approval = approval_grant(
            pin=request.POST.get("pin", ""),
            action=ApprovalAction.VOID_SALE,
            requested_by=request.user,
            terminal=terminal,
            obj=sale,
            detail=sale_document_label(sale),
        )
        note, created = sale_void(
            sale_id=sale.pk,
            terminal=terminal,
            user=request.user,
            approval_id=approval.pk,
            reason=request.POST.get("motivo", "")[:150],
            client_uuid=_client_uuid(request),
        )
    except BusinessError as error:
        context = _panel_context(sale, form=request.POST.dict())
        context["void_error"] = error.message
        return _render(request, context, status=422)
    messages.success(
        request,
        _("%(doc)s anulada con %(note)s.") % {"doc": sale_document_label(sale), "note": note},
    )
    return _done(request, note)


def _done(request: HttpRequest, note: CreditNote) -> HttpResponse:
    url = reverse("admin:sales_creditnote_change", args=[note.pk])
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required  # the till prints it too (cashiers are not back-office staff)
@xframe_options_sameorigin
def credit_note_print(request: HttpRequest, credit_note_id: int) -> HttpResponse:
    """The 80 mm credit note (the sale receipt's page): the original for whoever issued it
    right after, else a copy — ``?copia=1&aprobacion=<id>`` with the supervisor's
    approval that POST /api/v1/returns/{id}/reprint consumed (rules in
    ``sales.reprints``)."""
    note = CreditNote.objects.filter(pk=credit_note_id).first()
    if note is None:
        raise Http404(_("La nota de crédito no existe."))
    return document_page(
        request,
        note,
        lambda copy: receipt_for_credit_note(credit_note_id=credit_note_id, copy=copy),
    )
