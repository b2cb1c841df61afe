"""Back office for staff (users with a role and a PIN) and the approvals record.

The role decides access: is_staff, is_superuser and the role's group are set by
accounts.services.staff_set_role, never by hand here, so the till and the back office
agree on what each person may do.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, User
from django.utils.translation import gettext_lazy as _

from itplus.store.accounts.models import Approval, StaffProfile
from itplus.store.accounts.services import staff_set_role, validate_pin
from itplus.store.backoffice.admin import ReadOnlyAdminMixin
from itplus.store.backoffice.csv_export import CsvExportMixin


class StaffProfileForm(forms.ModelForm):
    pin = forms.CharField(
        label=_("PIN"),
        required=False,
        max_length=6,
        validators=[validate_pin],
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password", "inputmode": "numeric"}),
        help_text=_(
            "De 4 a 6 dígitos, para aprobar en la caja (supervisores y administradores). "
            "Déjelo en blanco para no cambiarlo."
        ),
    )

    class Meta:
        model = StaffProfile
        fields = ["role"]


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    form = StaffProfileForm
    can_delete = False
    max_num = 1
    min_num = 0
    extra = 1
    verbose_name = _("rol en la tienda")
    verbose_name_plural = _("rol en la tienda")
    readonly_fields = ["has_pin"]
    fields = ["role", "pin", "has_pin"]

    @admin.display(description=_("¿Tiene PIN?"), boolean=True)
    def has_pin(self, obj: StaffProfile) -> bool:
        return bool(obj.pin_hash)


admin.site.unregister(User)
# Role groups are kept by accounts.services.role_group_sync; edits made by hand here
# would be overwritten the next time a role is assigned.
admin.site.unregister(Group)


@admin.register(User)
class StaffUserAdmin(DjangoUserAdmin):
    inlines = [StaffProfileInline]
    list_display = ["username", "first_name", "last_name", "role", "is_active", "last_login"]
    list_filter = ["staff__role", "is_active"]
    list_select_related = ["staff"]
    # is_staff, is_superuser and groups follow the role (see module docstring).
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Datos personales"), {"fields": ("first_name", "last_name", "email")}),
        (_("Acceso"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Fechas"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ["is_staff", "is_superuser", "groups", "last_login", "date_joined"]

    @admin.display(description=_("rol"), ordering="staff__role")
    def role(self, obj: User) -> str:
        profile = getattr(obj, "staff", None)
        return profile.get_role_display() if profile else "—"

    def save_formset(self, request, form, formset, change):
        if formset.model is not StaffProfile:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for profile_form in formset.forms:
            # An untouched empty form (e.g. a superuser made with createsuperuser) must
            # not turn its user into a cashier.
            if not profile_form.has_changed() or not profile_form.cleaned_data:
                continue
            created = profile_form.instance.pk is None
            profile = staff_set_role(
                user=form.instance,
                role=profile_form.cleaned_data["role"],
                pin=profile_form.cleaned_data.get("pin") or None,
            )
            if created:
                formset.new_objects.append(profile)
            else:
                formset.changed_objects.append((profile, profile_form.changed_data))


@admin.register(Approval)
class ApprovalAdmin(CsvExportMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    csv_fields = (
        "created_at",
        "action",
        "approved_by",
        "requested_by",
        "terminal",
        "max_percent",
        "amount_clp",
        "object_ref",
        "detail",
        "expires_at",
        "used_at",
    )
    """Read-only: approvals are evidence of who authorised what, for whom and when."""

    list_display = [
        "created_at",
        "action",
        "approved_by",
        "requested_by",
        "terminal",
        "max_percent",
        "amount_clp",
        "object_ref",
        "detail",
        "expires_at",
        "used_at",
    ]
    list_filter = ["action", "created_at", "approved_by", "requested_by", "terminal"]
    list_select_related = ["approved_by", "requested_by", "terminal"]
    search_fields = ["detail", "approved_by__username", "requested_by__username"]
    date_hierarchy = "created_at"
