from django.apps import AppConfig


class TillConfig(AppConfig):
    name = "itplus.store.till"
    default_auto_field = "django.db.models.BigAutoField"
