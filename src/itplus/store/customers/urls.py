from django.urls import path

from itplus.store.customers import views

app_name = "customers"

urlpatterns = [
    path("<int:customer_id>/estado-de-cuenta/", views.statement_view, name="statement"),
    path("<int:customer_id>/estado-de-cuenta.csv", views.statement_csv_view, name="statement_csv"),
    path("<int:customer_id>/abono/", views.payment_view, name="payment"),
]
