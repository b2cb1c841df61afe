from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "itplus.store.catalog"
    verbose_name = _("Catálogo")
    default_auto_field = "django.db.models.BigAutoField"
