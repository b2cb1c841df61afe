from django import forms

from itplus.core.chile import GRAN_SANTIAGO_COMMUNES
from itplus.store.config import InvalidStoreIdentity, StoreIdentity
from itplus.store.config.services import IDENTITY_LABELS, store_identity_clean


class StoreIdentityForm(forms.Form):
    """The store's identity; the config service decides what is valid (RUT, commune)."""

    name = forms.CharField(label=IDENTITY_LABELS["name"], max_length=120)
    rut = forms.CharField(
        label=IDENTITY_LABELS["rut"],
        max_length=15,
        widget=forms.TextInput(attrs={"placeholder": "76.354.721-3"}),
    )
    giro = forms.CharField(label=IDENTITY_LABELS["giro"], max_length=120)
    address = forms.CharField(label=IDENTITY_LABELS["address"], max_length=120)
    comuna = forms.CharField(
        label=IDENTITY_LABELS["comuna"],
        max_length=60,
        widget=forms.TextInput(attrs={"list": "comunas", "autocomplete": "off"}),
    )
    phone = forms.CharField(label=IDENTITY_LABELS["phone"], max_length=40, required=False)
    receipt_footer = forms.CharField(
        label=IDENTITY_LABELS["receipt_footer"], max_length=200, required=False
    )

    communes = GRAN_SANTIAGO_COMMUNES

    def clean(self) -> dict:
        data = super().clean()
        try:
            self.identity: StoreIdentity = store_identity_clean(
                **{name: data.get(name, "") for name in self.fields}
            )
        except InvalidStoreIdentity as exc:
            for field, message in exc.errors.items():
                if field not in self.errors:  # "required" from the field says it already
                    self.add_error(field, message)
        return data
