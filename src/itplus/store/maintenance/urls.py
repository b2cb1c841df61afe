from django.urls import path

from itplus.store.maintenance import views

app_name = "maintenance"

urlpatterns = [
    path("", views.maintenance_index, name="index"),
    path("auditoria/", views.audit_view, name="audit"),
    path("respaldos/crear/", views.backup_create_view, name="backup_create"),
    path("respaldos/<str:name>/verificar/", views.backup_verify_view, name="backup_verify"),
    path("respaldos/<str:name>/descargar/", views.backup_download_view, name="backup_download"),
    path("diagnostico/", views.doctor_view, name="doctor"),
    path("guia-reinstalacion/", views.guide_view, name="guide"),
]
