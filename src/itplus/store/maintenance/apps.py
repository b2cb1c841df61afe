from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MaintenanceConfig(AppConfig):
    name = "itplus.store.maintenance"
    verbose_name = _("Mantención")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # A backup after every cash-session close: cash sits below maintenance and
        # learns of it only through this hook.
        from itplus.store.cash.services import register_after_session_close
        from itplus.store.maintenance.scheduling import backup_after_session_close

        register_after_session_close(backup_after_session_close)
