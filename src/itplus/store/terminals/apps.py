from django.apps import AppConfig


class TerminalsConfig(AppConfig):
    name = "itplus.store.terminals"
    default_auto_field = "django.db.models.BigAutoField"
