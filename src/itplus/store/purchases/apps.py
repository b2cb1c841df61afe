from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PurchasesConfig(AppConfig):
    name = "itplus.store.purchases"
    verbose_name = _("Compras")
    default_auto_field = "django.db.models.BigAutoField"
