from django.urls import path

from itplus.store.cash import views

app_name = "cash"

urlpatterns = [
    path("abrir/", views.session_open, name="open"),
    path("sesiones/<int:session_id>/", views.session_detail, name="session"),
    path("sesiones/<int:session_id>/cerrar/", views.session_close, name="close"),
    path("sesiones/<int:session_id>/informe/", views.report, name="report"),
    path("sesiones/<int:session_id>/imprimir-z/", views.z_print_view, name="z_print"),
]
