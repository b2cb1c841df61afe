from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InventoryConfig(AppConfig):
    name = "itplus.store.inventory"
    verbose_name = _("Inventario")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers "stock = sum of the ledger" with `itplus audit`.
        from itplus.store.inventory import audit_checks  # noqa: F401
