"""Back-office pages of a customer's account: the statement (running balance, CSV) and
recording a payment, which answers the refreshed statement (HTMX) or redirects."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from itplus.core.errors import BusinessError
from itplus.core.money import format_clp
from itplus.core.spreadsheet import BOM, SpreadsheetCsvWriter
from itplus.store.customers.forms import PaymentForm, StatementFilterForm
from itplus.store.customers.models import Customer
from itplus.store.customers.selectors import customer_statement, statement_csv_rows
from itplus.store.customers.services import customer_payment_record


def _customer(customer_id: int) -> Customer:
    return get_object_or_404(Customer.objects.exclude(rut="66666666-6"), pk=customer_id)


def _statement_for(request: HttpRequest, customer: Customer):
    filters = StatementFilterForm(request.GET or None)
    dates = filters.cleaned_data if filters.is_valid() else {}
    statement = customer_statement(
        customer=customer, date_from=dates.get("desde"), date_to=dates.get("hasta")
    )
    return filters, statement


def _render(request, customer, *, payment_form=None, status=200, partial=False):
    customer.refresh_from_db()
    filters, statement = _statement_for(request, customer)
    context = {
        **admin.site.each_context(request),
        "title": _("Estado de cuenta de %(name)s") % {"name": customer.name},
        "customer": customer,
        "statement": statement,
        "filters": filters,
        "payment_form": payment_form or PaymentForm(),
        "can_record": request.user.has_perm("customers.change_customer"),
        "query": request.GET.urlencode(),
    }
    template = "customers/statement.html" + ("#account" if partial else "")
    return render(request, template, context, status=status)


@staff_member_required
@permission_required("customers.view_customer", raise_exception=True)
def statement_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    return _render(request, _customer(customer_id))


@staff_member_required
@permission_required("customers.view_customer", raise_exception=True)
def statement_csv_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _customer(customer_id)
    _filters, statement = _statement_for(request, customer)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="estado-de-cuenta-{customer.rut}-{timezone.localdate():%Y%m%d}.csv"'
    )
    response.write(BOM)
    SpreadsheetCsvWriter(response).writerows(statement_csv_rows(statement))
    return response


@require_POST
@staff_member_required
@permission_required("customers.change_customer", raise_exception=True)
def payment_view(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _customer(customer_id)
    htmx = request.headers.get("HX-Request") == "true"
    form = PaymentForm(request.POST)
    if form.is_valid():
        try:
            entry = customer_payment_record(
                customer=customer,
                amount_clp=form.cleaned_data["amount_clp"],
                method=form.cleaned_data["method"],
                user=request.user,
                allow_credit_balance=form.cleaned_data["credit_balance"],
                reason=form.cleaned_data["reason"],
            )
        except BusinessError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("Abono de %(amount)s registrado. Deuda actual: %(balance)s.")
                % {
                    "amount": format_clp(-entry.amount_clp),
                    "balance": format_clp(entry.balance_after_clp),
                },
            )
            if not htmx:
                return redirect("customers:statement", customer_id=customer.pk)
            return _render(request, customer, partial=True)
    return _render(
        request, customer, payment_form=form, status=400 if not htmx else 200, partial=htmx
    )
