from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from itplus.store.accounts.forms import AdminLoginForm, LoginForm
from itplus.store.api import api

admin.site.site_header = "itplus — Administración"
admin.site.site_title = "itplus"
admin.site.index_title = "Gestión de la tienda"
# Both login pages count wrong passwords and lock (accounts.security).
admin.site.login_form = AdminLoginForm

urlpatterns = [
    path("api/", api.urls),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="login.html", authentication_form=LoginForm),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("", include("itplus.store.sales.urls")),
    path("gestion/configuracion/", include("itplus.store.setup.urls")),
    path("gestion/caja/", include("itplus.store.cash.urls")),
    path("gestion/catalogo/", include("itplus.store.catalog.urls")),
    path("gestion/clientes/", include("itplus.store.customers.urls")),
    path("gestion/inventario/", include("itplus.store.inventory.urls")),
    path("gestion/compras/", include("itplus.store.purchases.urls")),
    path("gestion/devoluciones/", include("itplus.store.sales.returns.urls")),
    path("gestion/mantencion/", include("itplus.store.maintenance.urls")),
    path("gestion/", include("itplus.store.home.urls")),
    path("", include("itplus.store.till.urls")),
]
