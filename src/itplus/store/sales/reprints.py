"""Reprinting a receipt: a supervisor-approved copy, recorded on the approval."""

from __future__ import annotations

import functools

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from itplus.store.accounts.approvals import approval_consume, approval_spent_for
from itplus.store.accounts.models import Approval, ApprovalAction
from itplus.store.printing.services import print_on_commit
from itplus.store.sales.models import Sale
from itplus.store.sales.receipts import sale_printout
from itplus.store.terminals.models import Terminal


def receipt_copy_url(sale: Sale, approval: Approval) -> str:
    return f"/pos/recibo/{sale.pk}/?copia=1&aprobacion={approval.pk}"


@transaction.atomic
def sale_reprint(
    *, sale: Sale, approval_id: int | None, user: User, terminal: Terminal | None
) -> Approval:
    """Authorise one copy of a sale's receipt.

    Guarantees: the approval is a supervisor's "reimpresion" for this sale, given to
    ``user`` at ``terminal``, unexpired and unused (``approval_consume``); it is marked
    used — once, two terminals cannot spend it twice — and records which document was
    copied. After commit a copy (marked COPIA, no drawer kick) goes to the network
    printer when one is configured. On any refusal nothing changes.
    """
    approval = approval_consume(
        approval_id=approval_id,
        action=ApprovalAction.REPRINT,
        requested_by=user,
        terminal=terminal,
        obj=sale,
        detail=_("Copia de %(document)s N° %(number)s")
        % {"document": sale.series.name, "number": sale.number},
    )
    print_on_commit(functools.partial(sale_printout, sale_id=sale.pk, copy=True))
    return approval


def sale_copy_authorized(*, sale: Sale, approval_id: int | None, user: User) -> Approval:
    """The copy page's check: the copy of ``sale`` was authorised for ``user`` through
    ``sale_reprint`` a moment ago (the URL it answered names the approval)."""
    return approval_spent_for(
        approval_id=approval_id, action=ApprovalAction.REPRINT, requested_by=user, obj=sale
    )
