"""Template context shared by every help desk page."""

from django.conf import settings


def contact(request):
    return {"contact": settings.HELPDESK_CONTACT}
