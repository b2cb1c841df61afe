"""`itplus-helpdesk demo`: the published catalogue and a staff account to try the site."""

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand

from itplus.helpdesk.company import company_example_write
from itplus.helpdesk.services.services import services_install_defaults

DEMO_USER = "soporte"
DEMO_PASSWORD = "mesa-de-ayuda"


class Command(BaseCommand):
    help = "Carga el catálogo de servicios y un usuario de soporte de demostración."

    def handle(self, *args, **options):
        services = services_install_defaults()
        example = company_example_write(settings.HELPDESK_HOME)
        if example is not None:
            self.stdout.write(
                f"Datos de la empresa de ejemplo en {example}: edítelos y reinicie la mesa de ayuda."
            )
        if not User.objects.filter(username=DEMO_USER).exists():
            User.objects.create_superuser(DEMO_USER, "soporte@itplus.cl", DEMO_PASSWORD)
        self.stdout.write(
            f"Mesa de ayuda: {len(services)} servicios a la venta. "
            f"Back office en /admin/ con usuario «{DEMO_USER}», clave «{DEMO_PASSWORD}»."
        )
