"""Pages of the sales app: the printable 80 mm receipt."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin

from itplus.store.accounts.approvals import ApprovalRefused
from itplus.store.config import StoreIdentityMissing
from itplus.store.sales.models import Sale
from itplus.store.sales.receipts import receipt_for_sale
from itplus.store.sales.reprints import sale_copy_authorized


@login_required
@xframe_options_sameorigin  # the till shows the receipt in an iframe of its own page
def receipt(request: HttpRequest, sale_id: int) -> HttpResponse:
    """The receipt of a sale; ``?copia=1&aprobacion=<id>`` is a copy (a reprint), shown
    only with the supervisor's approval that POST /api/v1/sales/{id}/reprint consumed."""
    copy = request.GET.get("copia") == "1"
    if copy:
        sale = Sale.objects.filter(pk=sale_id).first()
        if sale is None:
            raise Http404(_("La venta no existe."))
        raw = request.GET.get("aprobacion", "")
        try:
            sale_copy_authorized(
                sale=sale, approval_id=int(raw) if raw.isdigit() else None, user=request.user
            )
        except ApprovalRefused as error:
            return render(
                request,
                "sales/receipt_refused.html",
                {"message": error.message},
                status=error.status,
            )
    try:
        data = receipt_for_sale(sale_id=sale_id, copy=copy)
    except Sale.DoesNotExist:
        raise Http404(_("La venta no existe."))
    except StoreIdentityMissing as error:
        return render(
            request,
            "sales/receipt_refused.html",
            {"message": error.message, "title": _("Faltan los datos de la tienda")},
            status=error.status,
        )
    return render(request, "sales/receipt.html", {"receipt": data})
