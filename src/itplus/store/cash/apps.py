from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CashConfig(AppConfig):
    name = "itplus.store.cash"
    verbose_name = _("Caja")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The Z chain and totals are part of `itplus audit`.
        from itplus.store.cash import audit_checks  # noqa: F401
