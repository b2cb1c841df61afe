from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeConfig(AppConfig):
    """The back office's home, /gestion/: today at a glance and a way to every page."""

    name = "itplus.store.home"
    verbose_name = _("Inicio de gestión")
