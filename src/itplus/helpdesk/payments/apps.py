from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "itplus.helpdesk.payments"
    label = "helpdesk_payments"
    verbose_name = "Pagos"
