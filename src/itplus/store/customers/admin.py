"""Back office for customers: list with debt filters and CSV, edit through the services,
the account's entries read-only. Nothing here deletes: a customer is deactivated."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import F
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from itplus.core.errors import BusinessError
from itplus.core.money import format_clp
from itplus.store.backoffice.admin import ReadOnlyAdminMixin
from itplus.store.backoffice.csv_export import CsvExportMixin
from itplus.store.customers.models import AccountEntry, Customer
from itplus.store.customers.services import (
    customer_check_rut_free,
    customer_clean_fields,
    customer_create,
    customer_credit_limit_set,
    customer_update,
    factura_data_incomplete,
    factura_field_labels,
    require_supervisor,
)


class DebtFilter(admin.SimpleListFilter):
    title = _("deuda")
    parameter_name = "deuda"

    def lookups(self, request, model_admin):
        return [
            ("con_deuda", _("Con deuda")),
            ("sobre_cupo", _("Sobre el cupo")),
            ("saldo_a_favor", _("Saldo a favor")),
            ("sin_deuda", _("Sin deuda")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "con_deuda":
                return queryset.filter(balance_clp__gt=0)
            case "sobre_cupo":
                return queryset.filter(balance_clp__gt=F("credit_limit_clp"))
            case "saldo_a_favor":
                return queryset.filter(balance_clp__lt=0)
            case "sin_deuda":
                return queryset.filter(balance_clp=0)
        return queryset


class CustomerForm(forms.ModelForm):
    """Field checks by the same rules as the services, shown next to each field."""

    rut = forms.CharField(
        label=_("RUT"), max_length=20, help_text=_("Con o sin puntos y guion: 12.345.678-5.")
    )

    class Meta:
        model = Customer
        fields = [
            "rut",
            "name",
            "giro",
            "address",
            "comuna",
            "email",
            "phone",
            "credit_limit_clp",
            "is_active",
        ]

    user = None  # the staff member editing, set by CustomerAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["rut"] = self.instance.rut_display

    def _check(self, name: str):
        try:
            return customer_clean_fields({name: self.cleaned_data.get(name, "")})[name]
        except BusinessError as exc:
            raise ValidationError(exc.message) from None

    def clean(self):
        data = super().clean()
        try:
            if "rut" in data:
                customer_check_rut_free(rut=data["rut"], exclude_pk=self.instance.pk)
            if "credit_limit_clp" in self.changed_data and data.get("credit_limit_clp"):
                require_supervisor(self.user, _("asignar cupo de crédito"))
        except BusinessError as exc:
            raise ValidationError(exc.message) from None
        missing = factura_data_incomplete(data)
        if missing:
            message = _(
                "Complete %(fields)s: un cliente con giro recibe facturas, y la factura "
                "lleva también su dirección y comuna."
            ) % {"fields": factura_field_labels(missing)}
            for name in missing:
                self.add_error(name, message)
        return data

    def clean_rut(self):
        return self._check("rut")

    def clean_email(self):
        return self._check("email")

    def clean_comuna(self):
        return self._check("comuna")

    def clean_credit_limit_clp(self):
        value = self.cleaned_data["credit_limit_clp"]
        if value is not None and value < 0:
            raise ValidationError(_("El cupo de crédito no puede ser negativo."))
        return value

    def validate_unique(self):
        # The services check the RUT (with the other customer's name in the message).
        pass


@admin.register(Customer)
class CustomerAdmin(CsvExportMixin, admin.ModelAdmin):
    form = CustomerForm
    csv_fields = (
        "rut_display",
        "name",
        "giro",
        "address",
        "comuna",
        "email",
        "phone",
        "credit_limit_clp",
        "balance_clp",
        "available_credit_clp",
        "is_active",
    )
    list_display = [
        "rut_formatted",
        "name",
        "comuna",
        "factura_data",
        "limit",
        "debt",
        "available",
        "is_active",
        "statement_link",
    ]
    list_display_links = ["rut_formatted", "name"]
    list_filter = [DebtFilter, "is_active", "comuna"]
    search_fields = ["name", "search_text", "rut", "giro"]
    search_help_text = _("Nombre o RUT (desde el comienzo, sin puntos: 12345678).")
    list_per_page = 50
    readonly_fields = ["balance", "created_at"]
    fieldsets = [
        (None, {"fields": ["rut", "name", "is_active"]}),
        (
            _("Datos para factura"),
            {
                "fields": ["giro", "address", "comuna"],
                "description": _(
                    "Una factura necesita RUT, razón social, giro, dirección y comuna."
                ),
            },
        ),
        (_("Contacto"), {"fields": ["email", "phone"]}),
        (_("Cuenta corriente (fiado)"), {"fields": ["credit_limit_clp", "balance"]}),
        (_("Registro"), {"fields": ["created_at"], "classes": ["collapse"]}),
    ]

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_final_consumer:
            return False
        return super().has_change_permission(request, obj)

    def get_search_results(self, request, queryset, search_term):
        # "12.345.678-5" finds the stored "12345678-5".
        term = search_term.replace(".", "") if search_term[:1].isdigit() else search_term
        return super().get_search_results(request, queryset, term)

    @admin.display(description=_("RUT"), ordering="rut")
    def rut_formatted(self, obj: Customer) -> str:
        return obj.rut_display

    @admin.display(description=_("factura"))
    def factura_data(self, obj: Customer) -> str:
        missing = obj.factura_missing_fields
        if not missing or obj.is_final_consumer:
            return "—" if obj.is_final_consumer else _("Datos completos")
        return _("Falta %(fields)s") % {"fields": factura_field_labels(missing)}

    @admin.display(description=_("cupo"), ordering="credit_limit_clp")
    def limit(self, obj: Customer) -> str:
        return format_clp(obj.credit_limit_clp)

    @admin.display(description=_("deuda"), ordering="balance_clp")
    def debt(self, obj: Customer) -> str:
        return format_clp(obj.balance_clp)

    @admin.display(description=_("deuda actual"))
    def balance(self, obj: Customer) -> str:
        return format_clp(obj.balance_clp)

    @admin.display(description=_("disponible"))
    def available(self, obj: Customer) -> str:
        return format_clp(obj.available_credit_clp)

    @admin.display(description=_("estado de cuenta"))
    def statement_link(self, obj: Customer) -> str:
        if obj.is_final_consumer:
            return ""
        url = reverse("customers:statement", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Ver"))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.user = request.user
        return form

    def save_model(self, request, obj, form, change):
        # Saved by the services (the form already ran their checks).
        data = form.cleaned_data
        if change:
            changed = {k: data[k] for k in form.changed_data if k != "credit_limit_clp"}
            saved = customer_update(customer=obj, user=request.user, **changed)
            if "credit_limit_clp" in form.changed_data:
                saved = customer_credit_limit_set(
                    customer=saved, credit_limit_clp=data["credit_limit_clp"], user=request.user
                )
        else:
            fields = {
                k: data[k] for k in ("rut", "name", "giro", "address", "comuna", "email", "phone")
            }
            saved = customer_create(
                user=request.user, credit_limit_clp=data.get("credit_limit_clp") or 0, **fields
            )
        # The admin keeps using form.instance (history entry, redirect).
        obj.pk = saved.pk
        obj._state.adding = False
        obj._state.db = saved._state.db


@admin.register(AccountEntry)
class AccountEntryAdmin(CsvExportMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    csv_fields = (
        "created_at",
        "customer__rut_display",
        "customer__name",
        "kind",
        "amount_clp",
        "balance_after_clp",
        "method",
        "sale",
        "terminal",
        "user",
        "reason",
    )
    list_display = [
        "created_at",
        "customer",
        "kind",
        "amount",
        "balance_after",
        "method",
        "sale",
        "user",
    ]
    list_filter = ["kind", "method", "created_at", "terminal"]
    list_select_related = ["customer", "sale__series", "user"]
    search_fields = ["customer__name", "customer__rut", "reason"]
    search_help_text = _("Nombre o RUT del cliente, o detalle.")
    date_hierarchy = "created_at"

    @admin.display(description=_("monto"), ordering="amount_clp")
    def amount(self, obj: AccountEntry) -> str:
        return format_clp(obj.amount_clp)

    @admin.display(description=_("saldo"), ordering="balance_after_clp")
    def balance_after(self, obj: AccountEntry) -> str:
        return format_clp(obj.balance_after_clp)
