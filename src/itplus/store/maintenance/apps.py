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

        # `itplus setup server` needs the content digest: setup sits below maintenance.
        from itplus.store.maintenance.server_setup import server_add_arguments, server_handle
        from itplus.store.setup.subcommands import register_setup_subcommand

        register_setup_subcommand(
            "server",
            help=_("pasa la tienda a PostgreSQL y la deja como servidor de la red local"),
            add_arguments=server_add_arguments,
            handle=server_handle,
        )
