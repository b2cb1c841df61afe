from django.urls import path
from django.views.generic import RedirectView

from itplus.store.home import views

app_name = "home"

urlpatterns = [
    path("", views.home, name="index"),
    # The README's short addresses for lists that live in the admin.
    path(
        "caja/",
        RedirectView.as_view(pattern_name="admin:cash_cashsession_changelist"),
        name="cash",
    ),
    path(
        "clientes/",
        RedirectView.as_view(pattern_name="admin:customers_customer_changelist"),
        name="customers",
    ),
]
