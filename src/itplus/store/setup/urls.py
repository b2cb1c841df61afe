from django.urls import path

from itplus.store.setup import views

app_name = "setup"

urlpatterns = [
    path("", views.store_setup, name="store"),
]
