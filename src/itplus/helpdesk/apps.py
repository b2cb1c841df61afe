from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    """The site itself: base templates, static files, `serve` and `demo` commands."""

    name = "itplus.helpdesk"
    label = "helpdesk"
    verbose_name = "Mesa de ayuda"
