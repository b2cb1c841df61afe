from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SetupConfig(AppConfig):
    """First run: the store's identity, asked for on a page or by ``itplus setup store``."""

    name = "itplus.store.setup"
    verbose_name = _("Configuración inicial")
    default_auto_field = "django.db.models.BigAutoField"
