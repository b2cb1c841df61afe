from django.apps import AppConfig


class ServicesConfig(AppConfig):
    name = "itplus.helpdesk.services"
    label = "helpdesk_services"
    verbose_name = "Catálogo de servicios"
