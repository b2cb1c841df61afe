from django.urls import path

from itplus.store.purchases import views

app_name = "purchases"

urlpatterns = [
    path("", views.index, name="index"),
    path("ordenes/nueva/", views.order_create, name="order_create"),
    path("ordenes/<int:order_id>/", views.order_detail, name="order_detail"),
    path("ordenes/<int:order_id>/editar/", views.order_edit, name="order_edit"),
    path("ordenes/<int:order_id>/enviar/", views.order_send, name="order_send"),
    path("ordenes/<int:order_id>/anular/", views.order_cancel, name="order_cancel"),
    path("ordenes/<int:order_id>/imprimir/", views.order_print, name="order_print"),
    path("ordenes/<int:order_id>/recibir/", views.order_receive, name="order_receive"),
    path("recepciones/nueva/", views.receipt_create, name="receipt_create"),
    path("facturas/nueva/", views.invoice_create, name="invoice_create"),
    path("facturas/recepciones/", views.invoice_receipts, name="invoice_receipts"),
    path("productos/<int:product_id>/", views.product_history, name="product_history"),
    path("linea/", views.line_row, name="line_row"),
]
