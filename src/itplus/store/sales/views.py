"""Pages of the sales app: the printable 80 mm receipt."""

from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from itplus.store.accounts.approvals import ApprovalRefused
from itplus.store.config import StoreIdentityMissing
from itplus.store.printing.documents import Receipt
from itplus.store.sales.models import Sale
from itplus.store.sales.receipts import receipt_for_sale
from itplus.store.sales.reprints import document_page_is_copy


def approval_id_param(request: HttpRequest) -> int | None:
    """``?aprobacion=<id>`` of a copy's URL (None when absent or not a number)."""
    raw = request.GET.get("aprobacion", "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


def refused(request: HttpRequest, message: str, *, status: int, title: str = "") -> HttpResponse:
    """A document page that cannot be shown, with the reason in Spanish."""
    return render(
        request, "sales/receipt_refused.html", {"message": message, "title": title}, status=status
    )


def document_page(request: HttpRequest, document, build: Callable[[bool], Receipt]):
    """A sale's or a credit note's 80 mm page: the original or a copy as
    ``sales.reprints`` decides, ``build(copy)`` reading its ``Receipt``; the refusals
    (no approval, no store identity) as a Spanish page."""
    try:
        copy = document_page_is_copy(
            document=document,
            user=request.user,
            approval_id=approval_id_param(request),
            copy_requested=request.GET.get("copia") == "1",
        )
        data = build(copy)
    except ApprovalRefused as error:
        return refused(request, error.message, status=error.status)
    except StoreIdentityMissing as error:
        return refused(
            request, error.message, status=error.status, title=_("Faltan los datos de la tienda")
        )
    return render(request, "sales/receipt.html", {"receipt": data})


@login_required
@xframe_options_sameorigin  # the till shows the receipt in an iframe of its own page
def receipt(request: HttpRequest, sale_id: int) -> HttpResponse:
    """The receipt of a sale: the original for its cashier right after the sale, else a
    copy — ``?copia=1&aprobacion=<id>`` with the supervisor's approval that POST
    /api/v1/sales/{id}/reprint consumed (rules in ``sales.reprints``)."""
    sale = Sale.objects.filter(pk=sale_id).first()
    if sale is None:
        raise Http404(_("La venta no existe."))
    return document_page(request, sale, lambda copy: receipt_for_sale(sale_id=sale_id, copy=copy))
