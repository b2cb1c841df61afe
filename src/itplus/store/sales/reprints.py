"""Reprinting a receipt: a supervisor-approved copy, recorded on the approval."""

from __future__ import annotations

import functools

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.core.errors import BusinessError
from itplus.store.accounts.models import Approval, ApprovalAction
from itplus.store.printing.services import print_on_commit
from itplus.store.sales.models import Sale
from itplus.store.sales.receipts import sale_printout


class ReprintRefused(BusinessError):
    code = "reimpresion_rechazada"
    status = 403


def receipt_copy_url(sale: Sale) -> str:
    return f"/pos/recibo/{sale.pk}/?copia=1"


@transaction.atomic
def sale_reprint(*, sale: Sale, approval_id: int | None, user: User) -> Approval:
    """Authorise one copy of a sale's receipt.

    Guarantees: the approval exists, is a supervisor's "reimpresion" and was not used
    before; it is marked used (once — two terminals cannot spend it twice) and records
    which document was reprinted and for whom. After commit a copy (marked COPIA, no
    drawer kick) goes to the network printer when one is configured. On any refusal
    nothing changes.
    """
    if approval_id is None:
        raise ReprintRefused(_("Reimprimir una boleta requiere la clave de un supervisor."))
    # Locked so the same approval cannot be spent by two reprints at once.
    approval = Approval.objects.select_for_update().filter(pk=approval_id).first()
    if approval is None:
        raise ReprintRefused(_("La aprobación no existe. Pida de nuevo la clave del supervisor."))
    if approval.action != ApprovalAction.REPRINT:
        raise ReprintRefused(_("La aprobación no es para reimprimir una boleta."))
    if approval.used_at is not None:
        raise ReprintRefused(
            _("La aprobación ya fue usada. Pida de nuevo la clave del supervisor.")
        )
    approval.used_at = timezone.now()
    if approval.requested_by_id is None:
        approval.requested_by = user
    approval.detail = (
        _("Copia de %(document)s N° %(number)s")
        % {"document": sale.series.name, "number": sale.number}
    )[:200]
    approval.save(update_fields=["used_at", "requested_by", "detail"])
    print_on_commit(functools.partial(sale_printout, sale_id=sale.pk, copy=True))
    return approval
