from django.urls import path
from django.views.generic import RedirectView

from itplus.store.till import views

urlpatterns = [
    path("", RedirectView.as_view(url="/pos/", permanent=False), name="home"),
    path("pos/", views.till, name="till_pos"),
    path("pos/sw.js", views.service_worker, name="till_service_worker"),
    path("pos/vincular/", views.pair, name="till_pair"),
    path("pos/vincular/codigo/", views.pair_code, name="till_pair_code"),
]
