from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "itplus.store.customers"
    verbose_name = _("Clientes")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the customer account checks with `itplus audit`.
        from itplus.store.customers import audit_checks  # noqa: F401
