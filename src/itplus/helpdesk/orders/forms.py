"""The guest checkout form: parses and types the input; the rules live in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from itplus.helpdesk.orders.models import Order
from itplus.helpdesk.orders.services import CustomerInput, order_problems
from itplus.helpdesk.services.models import Service

YES_NO = [("si", _("Sí")), ("no", _("No"))]


class CheckoutForm(forms.Form):
    customer_name = forms.CharField(label=_("Nombre y apellido"), max_length=120)
    rut = forms.CharField(
        label=_("RUT"), max_length=14, widget=forms.TextInput(attrs={"placeholder": "12.345.678-5"})
    )
    email = forms.EmailField(label=_("Correo electrónico"))
    phone = forms.CharField(
        label=_("Teléfono"),
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": "+56 9 1234 5678", "type": "tel"}),
    )
    business_name = forms.CharField(label=_("Nombre del negocio"), max_length=120)
    address = forms.CharField(label=_("Dirección"), max_length=200)
    comuna = forms.CharField(
        label=_("Comuna"),
        max_length=60,
        widget=forms.TextInput(attrs={"list": "comunas", "autocomplete": "off"}),
    )
    installation_type = forms.ChoiceField(
        label=_("¿Qué equipo hay que atender?"),
        choices=Order.InstallationType.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    virus_suspected = forms.ChoiceField(
        label=_("¿Sospecha que un virus dañó el equipo?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
    )
    notes = forms.CharField(
        label=_("Comentarios (opcional)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    terms_version = forms.CharField(widget=forms.HiddenInput)
    terms_accepted = forms.BooleanField(
        label=_("He leído y acepto los términos del servicio."), required=False
    )

    def __init__(self, *args, service: Service, clauses: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.service = service
        self.clauses = clauses
        if not service.about_store_software:
            del self.fields["installation_type"]
            del self.fields["virus_suspected"]
        for clause in clauses:
            self.fields[f"clause_{clause['code']}"] = forms.BooleanField(
                label=clause["text"], required=False
            )

    # The rules of order_create, checked here too so the customer sees every problem at
    # once, next to its field, even while other fields are still missing or wrong.
    def clean(self):
        data = super().clean()
        problems = order_problems(
            service=self.service,
            customer=self.customer(),
            terms_version=data.get("terms_version") or "",
            accepted_clauses=self.accepted_clauses(),
            terms_accepted=bool(data.get("terms_accepted")),
        )
        self.add_service_errors({k: v for k, v in problems.items() if k not in self.errors})
        return data

    def clause_fields(self):
        return [self[f"clause_{c['code']}"] for c in self.clauses]

    def accepted_clauses(self) -> set[str]:
        return {c["code"] for c in self.clauses if self.cleaned_data.get(f"clause_{c['code']}")}

    def customer(self) -> CustomerInput:
        """What was typed; a field that failed its own check is empty here."""
        data = self.cleaned_data
        virus = data.get("virus_suspected")
        return CustomerInput(
            name=data.get("customer_name", ""),
            rut=data.get("rut", ""),
            email=data.get("email", ""),
            phone=data.get("phone", ""),
            business_name=data.get("business_name", ""),
            address=data.get("address", ""),
            comuna=data.get("comuna", ""),
            installation_type=data.get("installation_type") or "",
            virus_suspected={"si": True, "no": False}.get(virus),
            notes=data.get("notes", ""),
        )

    # Service error keys → form fields.
    ERROR_FIELDS = {"terms": "terms_accepted", "__all__": None}

    def add_service_errors(self, errors: dict[str, str]) -> None:
        for key, message in errors.items():
            if key == "clauses":
                unticked = [f for f in self.clause_fields() if not self.cleaned_data.get(f.name)]
                for field in unticked:
                    self.add_error(field.name, _("Confirme este compromiso para continuar."))
                if unticked:
                    continue
            field = self.ERROR_FIELDS.get(key, key)
            self.add_error(field if field in self.fields else None, message)
