from django.urls import path

from itplus.store.catalog import views

app_name = "catalog"

urlpatterns = [
    path("importar/", views.price_list_import_view, name="price_list_import"),
    path("importar/aplicar/", views.price_list_apply_view, name="price_list_apply"),
    path("importar/plantilla.csv", views.price_list_template_view, name="price_list_template"),
]
