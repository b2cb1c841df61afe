from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "itplus.store.customers"
    verbose_name = _("Clientes")
    default_auto_field = "django.db.models.BigAutoField"
