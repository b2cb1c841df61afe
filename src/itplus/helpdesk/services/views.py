from django.shortcuts import render

from itplus.helpdesk.services.selectors import services_for_sale


def catalogue(request):
    return render(request, "services/catalogue.html", {"services": services_for_sale()})
