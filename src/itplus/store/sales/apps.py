from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "itplus.store.sales"
    verbose_name = _("Ventas")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the credit-note checks with `itplus audit`, and the returns of a
        # session with its X/Z cash report.
        from itplus.store.sales import audit_checks  # noqa: F401
        from itplus.store.sales.returns import selectors as returns_selectors  # noqa: F401
