from django.urls import path

from itplus.helpdesk.orders import views

app_name = "orders"
urlpatterns = [
    path("comprar/<slug:code>/", views.checkout, name="checkout"),
    path("pedidos/<str:access_key>/", views.detail, name="detail"),
    path("pedidos/<str:access_key>/transferencia/", views.choose_transfer, name="transfer"),
    path("pedidos/<str:access_key>/llamenme/", views.call_me, name="call_me"),
    path("mesa/llamadas/", views.callbacks, name="callbacks"),
    path("mesa/llamadas/<int:pk>/atendida/", views.callback_mark_done, name="callback_done"),
]
