"""Back office for terminals. A terminal's token is shown once, when it is created or
renewed: only its hash is stored."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from itplus.store.terminals.models import Terminal
from itplus.store.terminals.services import terminal_create, terminal_rotate_token


def _show_token(request, terminal: Terminal, token: str) -> None:
    messages.warning(
        request,
        _(
            "Token de la terminal «%(name)s»: %(token)s — cópielo ahora en la caja; "
            "no se volverá a mostrar."
        )
        % {"name": terminal.name, "token": token},
    )


@admin.register(Terminal)
class TerminalAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "is_active",
        "revoked_at",
        "boleta_series",
        "factura_series",
        "last_seen_at",
        "version",
        "last_seen_ip",
        "pending_offline_sales",
    ]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]
    list_select_related = ["boleta_series", "factura_series"]
    fields = [
        "code",
        "name",
        "is_active",
        "boleta_series",
        "factura_series",
        "created_at",
        "last_seen_at",
        "last_seen_ip",
        "version",
        "pending_offline_sales",
        "revoked_at",
    ]
    readonly_fields = [
        "created_at",
        "last_seen_at",
        "last_seen_ip",
        "version",
        "pending_offline_sales",
        "revoked_at",
    ]
    actions = ["rotate_token"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        terminal, token = terminal_create(
            code=obj.code,
            name=obj.name,
            is_active=obj.is_active,
            boleta_series=obj.boleta_series,
            factura_series=obj.factura_series,
        )
        # The admin keeps using form.instance (history entry, redirect).
        obj.pk = terminal.pk
        obj.token_hash = terminal.token_hash
        obj._state.adding = False
        obj._state.db = terminal._state.db
        _show_token(request, terminal, token)

    def has_delete_permission(self, request, obj=None):
        # Sales point at their terminal; deactivate it instead.
        return False

    @admin.action(description=gettext_lazy("Generar nuevo token"), permissions=["change"])
    def rotate_token(self, request, queryset):
        for terminal in queryset:
            _show_token(request, terminal, terminal_rotate_token(terminal=terminal))
