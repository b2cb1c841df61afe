from django import forms
from django.utils.translation import gettext_lazy as _

from itplus.core.numbers import AmountClpFormField
from itplus.store.customers.services import PAYMENT_METHODS


def _date_picker() -> forms.DateInput:
    # A browser's date input takes and sends ISO dates, whatever the locale's format.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StatementFilterForm(forms.Form):
    desde = forms.DateField(label=_("Desde"), required=False, widget=_date_picker())
    hasta = forms.DateField(label=_("Hasta"), required=False, widget=_date_picker())


class PaymentForm(forms.Form):
    amount_clp = AmountClpFormField(label=_("Monto del abono"), positive=True)
    method = forms.ChoiceField(label=_("Medio de pago"), choices=list(PAYMENT_METHODS.items()))
    credit_balance = forms.BooleanField(
        label=_("Dejar el excedente como saldo a favor"), required=False
    )
    reason = forms.CharField(label=_("Detalle"), max_length=200, required=False)
