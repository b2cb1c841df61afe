from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "itplus.store.sales"
    verbose_name = _("Ventas")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The sale and credit-note checks join `itplus audit`; a session's sales and its
        # returns join its X/Z cash report (cash sits below sales and never imports it);
        # revoking a terminal closes the number blocks leased to it (terminals sits below
        # sales and calls it through its hook). Imported here: models are loaded by now.
        from itplus.store.cash.reports import register_session_sales
        from itplus.store.sales import audit_checks  # noqa: F401
        from itplus.store.sales.blocks import terminal_blocks_close
        from itplus.store.sales.returns import audit_checks as returns_audit  # noqa: F401
        from itplus.store.sales.returns import selectors as returns_selectors  # noqa: F401
        from itplus.store.sales.selectors import cash_session_sales
        from itplus.store.terminals.services import register_after_revoke

        register_session_sales(cash_session_sales)
        register_after_revoke(terminal_blocks_close)
