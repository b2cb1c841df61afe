"""Guest checkout, the order page (payment choices, then the contact page) and the
technicians' call-back queue."""

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from itplus.core.chile import GRAN_SANTIAGO_COMMUNES
from itplus.helpdesk.orders.forms import CheckoutForm
from itplus.helpdesk.orders.models import CallbackRequest, Order
from itplus.helpdesk.orders.selectors import callback_queue, terms_clauses_for, terms_current
from itplus.helpdesk.orders.services import (
    OrderRejected,
    OrderStateError,
    callback_done,
    callback_request,
    order_choose_transfer,
    order_create,
)
from itplus.helpdesk.services.models import Service


def _order(access_key: str) -> Order:
    return get_object_or_404(
        Order.objects.select_related("service", "service__remote_alternative"),
        access_key=access_key,
    )


def checkout(request, code: str):
    service = get_object_or_404(
        Service.objects.select_related("remote_alternative"), code=code, active=True
    )
    terms = terms_current(service=service)
    clauses = terms_clauses_for(terms=terms, service=service)
    form = CheckoutForm(
        request.POST or None,
        service=service,
        clauses=clauses,
        initial={"terms_version": terms.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            order = order_create(
                service=service,
                customer=form.customer(),
                terms_version=form.cleaned_data["terms_version"],
                accepted_clauses=form.accepted_clauses(),
                terms_accepted=form.cleaned_data["terms_accepted"],
                ip_address=request.META.get("REMOTE_ADDR"),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except OrderRejected as exc:
            form.add_service_errors(exc.errors)
        else:
            return redirect("orders:detail", access_key=order.access_key)
    return render(
        request,
        "orders/checkout.html",
        {
            "service": service,
            "form": form,
            "terms": terms,
            "communes": GRAN_SANTIAGO_COMMUNES,
            "offer_alternative": "comuna" in form.errors and service.remote_alternative_id,
        },
        status=422 if form.errors else 200,
    )


def detail(request, access_key: str):
    order = _order(access_key)
    context = {
        "order": order,
        "payment": order.payments.first(),
        "bank": settings.HELPDESK_BANK_ACCOUNT,
        "callback": getattr(order, "callback", None),
    }
    return render(request, "orders/detail.html", context)


@require_POST
def choose_transfer(request, access_key: str):
    order = _order(access_key)
    try:
        order_choose_transfer(order=order)
    except OrderStateError as exc:
        messages.error(request, exc.message)
    return redirect("orders:detail", access_key=access_key)


@require_POST
def call_me(request, access_key: str):
    order = _order(access_key)
    try:
        callback_request(order=order)
    except OrderStateError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Listo: un técnico le llamará al %(phone)s en horario de atención.")
            % {"phone": order.phone},
        )
    return redirect("orders:detail", access_key=access_key)


@staff_member_required
def callbacks(request):
    return render(request, "orders/callbacks.html", {"queue": callback_queue()})


@staff_member_required
@require_POST
def callback_mark_done(request, pk: int):
    callback = get_object_or_404(CallbackRequest, pk=pk)
    callback_done(callback=callback, by=request.user, note=request.POST.get("note", ""))
    messages.success(
        request, _("Llamada al pedido %(code)s registrada.") % {"code": callback.order.code}
    )
    return redirect("orders:callbacks")
