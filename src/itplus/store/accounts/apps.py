from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "itplus.store.accounts"
    default_auto_field = "django.db.models.BigAutoField"
