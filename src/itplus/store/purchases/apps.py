from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasesConfig(AppConfig):
    name = "itplus.store.purchases"
    verbose_name = _("Compras")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Received quantities, receipt movements and document totals are part of
        # `itplus audit`.
        from itplus.store.purchases import audit_checks  # noqa: F401
