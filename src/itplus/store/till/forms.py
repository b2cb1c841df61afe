from django import forms
from django.utils.translation import gettext_lazy as _

from itplus.store.till.selectors import pairable_terminals


class PairForm(forms.Form):
    terminal = forms.ModelChoiceField(
        label=_("Caja"),
        queryset=pairable_terminals(),
        empty_label=_("Elija una caja…"),
        error_messages={
            "required": _("Elija una caja."),
            "invalid_choice": _("Elija una caja activa."),
        },
    )
    pin = forms.CharField(
        label=_("PIN de supervisor"),
        max_length=12,
        strip=True,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": _("Ingrese el PIN de un supervisor.")},
    )


class PairCodeForm(forms.Form):
    """The one-time code of Gestión → Terminales, typed on this PC's browser."""

    code = forms.CharField(
        label=_("Código de vinculación"),
        max_length=20,
        strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "ABCD-EFGH"}),
        error_messages={"required": _("Ingrese el código que muestra Gestión → Terminales.")},
    )
