from django.urls import path

from itplus.store.inventory import views

app_name = "inventory"

urlpatterns = [
    path("", views.stock_list_view, name="stock_list"),
    path("bajo-stock/", views.low_stock_view, name="low_stock"),
    path("producto/<int:product_id>/", views.product_ledger_view, name="product_ledger"),
    path(
        "producto/<int:product_id>/reposicion/",
        views.reorder_point_view,
        name="reorder_point",
    ),
    path("ajustes/nuevo/", views.adjustment_view, name="adjustment"),
    path("transferencias/nueva/", views.transfer_view, name="transfer"),
    path("conteos/", views.count_list_view, name="count_list"),
    path("conteos/<int:sheet_id>/", views.count_sheet_view, name="count_sheet"),
    path("conteos/<int:sheet_id>/escanear/", views.count_scan_view, name="count_scan"),
    path(
        "conteos/<int:sheet_id>/linea/<int:product_id>/",
        views.count_line_view,
        name="count_line",
    ),
    path("conteos/<int:sheet_id>/contabilizar/", views.count_post_view, name="count_post"),
    path("conteos/<int:sheet_id>/anular/", views.count_cancel_view, name="count_cancel"),
]
