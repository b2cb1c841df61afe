from django import forms
from django.utils.translation import gettext_lazy as _

from itplus.core.money import format_clp
from itplus.core.numbers import AmountClpFormField, CountFormField
from itplus.store.cash.models import DENOMINATIONS_CLP, CashMovement
from itplus.store.terminals.models import Terminal

REQUIRED = {"required": _("Este campo es obligatorio.")}


class CashCountForm(forms.Form):
    """The blind count: pieces per denomination; the expected amount is not shown."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value in DENOMINATIONS_CLP:
            self.fields[f"d{value}"] = CountFormField(label=format_clp(value), required=False)

    def counts(self) -> dict[str, int]:
        return {str(v): self.cleaned_data.get(f"d{v}") or 0 for v in DENOMINATIONS_CLP}


class CashMovementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Tipo"), choices=CashMovement.Kind.choices)
    amount_clp = AmountClpFormField(label=_("Monto"), error_messages=REQUIRED)
    reason = forms.CharField(
        label=_("Motivo"),
        max_length=200,
        error_messages={"required": _("Indique el motivo (por ejemplo, «Pago a proveedor»).")},
    )


class CashOpenForm(forms.Form):
    terminal = forms.ModelChoiceField(
        label=_("Caja"),
        queryset=Terminal.objects.filter(is_active=True).order_by("code"),
        empty_label=_("Elija una caja…"),
        error_messages={"required": _("Elija una caja.")},
    )
    opening_float_clp = AmountClpFormField(
        label=_("Fondo inicial"), initial=0, error_messages=REQUIRED
    )
