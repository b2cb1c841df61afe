"""Customer writes: store credit ("fiado") charged to and paid into the account."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.core.errors import BusinessError
from itplus.core.money import format_clp
from itplus.store.customers.models import AccountEntry, Customer


class CreditLimitExceeded(BusinessError):
    code = "cupo_excedido"
    status = 409


@transaction.atomic
def customer_account_post(
    *,
    customer: Customer,
    amount_clp: int,
    kind: str,
    user: User,
    sale=None,
    reason: str = "",
    at: datetime | None = None,
) -> AccountEntry:
    """Post an entry to a customer's account (+ charge, − payment/credit).

    The customer row is locked, so concurrent sales on credit cannot together exceed
    the limit; a charge over the available credit is refused with a Spanish message.
    """
    if amount_clp == 0:
        raise BusinessError(_("El monto no puede ser cero."))
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if amount_clp > 0:
        if locked.is_final_consumer:
            raise CreditLimitExceeded(
                _("No se puede fiar al consumidor final: identifique al cliente.")
            )
        available = locked.credit_limit_clp - locked.balance_clp
        if amount_clp > available:
            raise CreditLimitExceeded(
                _("%(name)s no tiene cupo: disponible %(available)s, se piden %(amount)s.")
                % {
                    "name": locked.name,
                    "available": format_clp(max(available, 0)),
                    "amount": format_clp(amount_clp),
                }
            )
    locked.balance_clp += amount_clp
    locked.save(update_fields=["balance_clp"])
    customer.balance_clp = locked.balance_clp
    return AccountEntry.objects.create(
        customer=locked,
        kind=kind,
        amount_clp=amount_clp,
        balance_after_clp=locked.balance_clp,
        sale=sale,
        user=user,
        reason=reason[:200],
        created_at=at or timezone.now(),
    )
