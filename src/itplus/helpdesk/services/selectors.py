from django.db.models import QuerySet

from itplus.helpdesk.services.models import Service


def services_for_sale() -> QuerySet[Service]:
    return Service.objects.filter(active=True).select_related("remote_alternative")
