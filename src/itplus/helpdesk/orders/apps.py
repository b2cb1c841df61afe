from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "itplus.helpdesk.orders"
    label = "helpdesk_orders"
    verbose_name = "Pedidos"
