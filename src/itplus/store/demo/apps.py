from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "itplus.store.demo"
    default_auto_field = "django.db.models.BigAutoField"
