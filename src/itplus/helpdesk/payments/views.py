"""Webpay Plus: send the customer to the payment form, and take them back."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from itplus.helpdesk.orders.models import Order
from itplus.helpdesk.orders.services import OrderStateError
from itplus.helpdesk.payments.services import (
    GatewayFailure,
    UnknownReturn,
    webpay_return,
    webpay_start,
)


@require_POST
def webpay_pay(request, access_key: str):
    order = get_object_or_404(Order, access_key=access_key)
    try:
        target = webpay_start(
            order=order, return_url=request.build_absolute_uri(reverse("payments:webpay_return"))
        )
    except (GatewayFailure, OrderStateError) as exc:
        messages.error(request, exc.message)
        return redirect("orders:detail", access_key=access_key)
    # Webpay expects the browser to POST token_ws to the returned url.
    return render(request, "payments/redirect.html", {"url": target.url, "token": target.token})


# Transbank sends the browser back from its own domain, without our CSRF token; the
# token (or TBK_* fields) is checked against our Payment rows instead.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def webpay_back(request):
    params = {**request.GET.dict(), **request.POST.dict()}
    try:
        payment = webpay_return(params=params)
    except UnknownReturn as exc:
        return render(request, "payments/unknown_return.html", {"message": exc.message}, status=400)
    return redirect("orders:detail", access_key=payment.order.access_key)
