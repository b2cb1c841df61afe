"""Pages of the sales app: the printable 80 mm receipt."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from itplus.store.config import StoreIdentityMissing, require_store_identity
from itplus.store.sales.models import Sale
from itplus.store.sales.receipts import receipt_for_sale


@login_required
@xframe_options_sameorigin  # the till shows the receipt in an iframe of its own page
def receipt(request: HttpRequest, sale_id: int) -> HttpResponse:
    """The receipt of a sale; ``?copia=1`` marks it as a copy (a reprint)."""
    try:
        require_store_identity()
    except StoreIdentityMissing as exc:
        raise PermissionDenied(exc.message)
    try:
        data = receipt_for_sale(sale_id=sale_id, copy=request.GET.get("copia") == "1")
    except Sale.DoesNotExist:
        raise Http404("La venta no existe.")
    return render(request, "sales/receipt.html", {"receipt": data})
