from django.urls import path

from itplus.helpdesk.payments import views

app_name = "payments"
urlpatterns = [
    path("pedidos/<str:access_key>/pagar/webpay/", views.webpay_pay, name="webpay_pay"),
    path("pagos/webpay/retorno/", views.webpay_back, name="webpay_return"),
]
