from django.urls import path
from django.views.generic import RedirectView

from itplus.store.home import terminals, views

app_name = "home"

urlpatterns = [
    path("", views.home, name="index"),
    path("terminales/", terminals.terminals, name="terminals"),
    path("terminales/en-vivo/", terminals.terminals_live, name="terminals_live"),
    path("terminales/<int:pk>/codigo/", terminals.terminal_code, name="terminal_code"),
    path("terminales/<int:pk>/revocar/", terminals.terminal_revoke_view, name="terminal_revoke"),
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
