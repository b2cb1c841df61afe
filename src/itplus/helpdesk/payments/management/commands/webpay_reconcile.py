"""`itplus-helpdesk webpay_reconcile`: settle payments whose commit got no answer."""

from django.core.management.base import BaseCommand

from itplus.helpdesk.payments.services import payment_reconcile, payments_to_reconcile


class Command(BaseCommand):
    help = "Consulta a Transbank el estado de los pagos sin resultado conocido."

    def handle(self, *args, **options):
        for payment in payments_to_reconcile():
            payment = payment_reconcile(payment=payment)
            self.stdout.write(f"{payment.buy_order}: {payment.get_state_display()}")
