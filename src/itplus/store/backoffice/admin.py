"""Read-only lists in the back office, and the columns its lists share.

Documents, ledgers and approvals are written only by their services (a sale, a
movement, a supervisor's PIN), and corrections are new records; the admin shows them
and never adds, changes or deletes one. This module registers no model.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets

from itplus.core.numbers import format_quantity


def quantity_column(field: str, description, ordering: str | None = None):
    """An admin column/read-only field showing a quantity as people write it: "20" for
    twenty units, "1,5" for a kilo and a half (the admin alone would write "20,000")."""

    @admin.display(description=description, ordering=ordering)
    def column(model_admin, obj) -> str:
        return format_quantity(getattr(obj, field))

    return column


def number_column(field: str, description, ordering: str | None = None):
    """A document's number or folio as it is printed, "3042": never grouped like an
    amount ("3.042")."""

    @admin.display(description=description, ordering=ordering or field)
    def column(model_admin, obj) -> str:
        value = getattr(obj, field)
        return "" if value is None else str(value)

    return column


class ReadOnlyAdminMixin:
    """Put before ``admin.ModelAdmin`` or an inline: the records can be seen, never
    added, changed or deleted here. Every declared field (``fieldsets`` or ``fields``,
    computed columns included) is shown read-only."""

    can_delete = False  # inlines: no "delete" checkbox
    extra = 0  # inlines: no empty rows to add

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        if self.fieldsets:
            return flatten_fieldsets(self.fieldsets)
        if self.fields:
            return list(self.fields)
        return super().get_readonly_fields(request, obj)


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The lines, payments or movements of a read-only record, on its page."""
