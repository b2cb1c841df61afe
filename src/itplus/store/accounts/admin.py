"""Back office for staff (users with a role and a PIN), the approvals record and the
security log (logins, PINs, locks), with the owner's "Desbloquear" action.

The role decides access: is_staff, is_superuser and the role's group are set by
accounts.services.staff_set_role, never by hand here, so the till and the back office
agree on what each person may do.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group, User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from itplus.core.errors import BusinessError
from itplus.store.accounts.approvals import pin_lock_lift
from itplus.store.accounts.models import (
    Approval,
    LoginLock,
    SecurityEvent,
    SecurityEventKind,
    StaffProfile,
)
from itplus.store.accounts.permissions import role_at_least
from itplus.store.accounts.security import login_unlock
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
    csv_fields = tuple(list_display)
    list_filter = ["action", "created_at", "approved_by", "requested_by", "terminal"]
    list_select_related = ["approved_by", "requested_by", "terminal"]
    search_fields = ["detail", "approved_by__username", "requested_by__username"]
    date_hierarchy = "created_at"


class UnlockMixin:
    """The "Desbloquear" action, for administrators only (the services check it too)."""

    def has_unlock_permission(self, request) -> bool:
        return role_at_least(request.user, "administrador")

    def _report(self, request, done: int, errors: list[str]) -> None:
        for error in errors:
            self.message_user(request, error, messages.WARNING)
        if done:
            self.message_user(
                request,
                ngettext("%(n)s bloqueo levantado.", "%(n)s bloqueos levantados.", done)
                % {"n": done},
                messages.SUCCESS,
            )


class LockedNowFilter(admin.SimpleListFilter):
    title = _("estado")
    parameter_name = "vigente"

    def lookups(self, request, model_admin):
        return [("1", _("Bloqueado ahora")), ("0", _("Sin bloqueo"))]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "1":
            return queryset.filter(locked_until__gt=now)
        if self.value() == "0":
            return queryset.exclude(locked_until__gt=now)
        return queryset


@admin.register(LoginLock)
class LoginLockAdmin(UnlockMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Accounts and addresses with failed logins; the owner lifts a lock here."""

    list_display = ["scope", "key", "locked_now", "locked_until", "locks"]
    list_filter = [LockedNowFilter, "scope"]
    search_fields = ["key"]
    fields = ["scope", "key", "locked_until", "locks"]
    actions = ["unlock"]

    @admin.display(description=_("¿Bloqueado ahora?"), boolean=True)
    def locked_now(self, obj: LoginLock) -> bool:
        return obj.locked_until is not None and obj.locked_until > timezone.now()

    @admin.action(description=_("Desbloquear los seleccionados"), permissions=["unlock"])
    def unlock(self, request, queryset):
        done, errors = 0, []
        for lock in queryset:
            try:
                login_unlock(scope=lock.scope, key=lock.key, by=request.user)
                done += 1
            except BusinessError as error:
                errors.append(error.message)
        self._report(request, done, errors)


@admin.register(SecurityEvent)
class SecurityEventAdmin(UnlockMixin, CsvExportMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: every login and PIN attempt, lock and unlock, as it happened."""

    csv_fields = (
        "created_at",
        "kind",
        "username",
        "ip_address",
        "terminal",
        "locked_until",
        "actor",
        "detail",
    )
    list_display = list(csv_fields)
    list_filter = ["kind", "created_at", "terminal"]
    list_select_related = ["terminal", "actor"]
    search_fields = ["username", "ip_address", "detail"]
    date_hierarchy = "created_at"
    actions = ["unlock"]

    @admin.action(
        description=_("Desbloquear lo que bloquearon los eventos seleccionados"),
        permissions=["unlock"],
    )
    def unlock(self, request, queryset):
        done, errors, seen = 0, [], set()
        for event in queryset.select_related("lock", "terminal"):
            try:
                if event.lock is not None and ("login", event.lock_id) not in seen:
                    seen.add(("login", event.lock_id))
                    login_unlock(scope=event.lock.scope, key=event.lock.key, by=request.user)
                    done += 1
                elif event.kind == SecurityEventKind.PIN_LOCKED:
                    # Counted per terminal, or per person where there was none.
                    scope = ("pin", event.terminal_id, event.terminal_id or event.username)
                    if scope not in seen:
                        seen.add(scope)
                        pin_lock_lift(
                            terminal=event.terminal,
                            requested_by=None
                            if event.terminal_id
                            else User.objects.filter(username=event.username).first(),
                            by=request.user,
                        )
                        done += 1
            except BusinessError as error:
                errors.append(error.message)
        if not done and not errors:
            errors.append(_("Ninguno de los eventos seleccionados es un bloqueo."))
        self._report(request, done, errors)
