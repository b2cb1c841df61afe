from django.urls import path

from itplus.store.sales import views

app_name = "sales"

urlpatterns = [
    path("pos/recibo/<int:sale_id>/", views.receipt, name="receipt"),
]
