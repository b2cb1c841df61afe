from django.urls import path

from itplus.store.sales.returns import views as returns_views

app_name = "returns"

urlpatterns = [
    path("", returns_views.returns_index, name="index"),
    path("venta/<int:sale_id>/devolver/", returns_views.return_create, name="return_create"),
    path("venta/<int:sale_id>/anular/", returns_views.void_create, name="void_create"),
    path("nota/<int:credit_note_id>/imprimir/", returns_views.credit_note_print, name="print"),
]
