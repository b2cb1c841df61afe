from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "itplus.store.accounts"
    verbose_name = _("Personal y aprobaciones")
    default_auto_field = "django.db.models.BigAutoField"
