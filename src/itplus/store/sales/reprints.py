"""Printing a document again: a supervisor-approved copy, recorded on the approval.

A sale's receipt or a credit note is printed once, as the original, when it is issued;
its page shows the original again only to the person who issued it, for a few minutes
(the till reloading it, a retry). Anything later is a copy, marked COPIA, and a copy
needs a supervisor's "reimpresion" approval for that very document — except for a
supervisor or administrador, who are the approvers.
"""

from __future__ import annotations

import functools
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.store.accounts.approvals import (
    approval_consume,
    approval_required,
    approval_spent_for,
)
from itplus.store.accounts.models import Approval, ApprovalAction, Role
from itplus.store.accounts.permissions import role_at_least
from itplus.store.printing.services import print_on_commit
from itplus.store.sales.models import CreditNote, Sale
from itplus.store.sales.receipts import sale_printout
from itplus.store.sales.returns.receipts import credit_note_printout
from itplus.store.terminals.models import Terminal

# How long after issuing it the issuer may open a document's page as the original.
ORIGINAL_WINDOW = timedelta(minutes=10)

Document = Sale | CreditNote


def _issuer_id(document: Document) -> int:
    return document.cashier_id if isinstance(document, Sale) else document.user_id


def document_page_url(document: Document) -> str:
    if isinstance(document, Sale):
        return f"/pos/recibo/{document.pk}/"
    return f"/gestion/devoluciones/nota/{document.pk}/imprimir/"


def receipt_copy_url(document: Document, approval: Approval) -> str:
    return f"{document_page_url(document)}?copia=1&aprobacion={approval.pk}"


def _label(document: Document) -> str:
    if isinstance(document, Sale):
        return _("Copia de %(document)s N° %(number)s") % {
            "document": document.series.name,
            "number": document.number,
        }
    return _("Copia de la nota de crédito %(series)s N° %(number)s") % {
        "series": document.series.code,
        "number": document.number,
    }


@transaction.atomic
def document_reprint(
    *, document: Document, approval_id: int | None, user: User, terminal: Terminal | None
) -> Approval:
    """Authorise one copy of a sale's receipt or of a credit note.

    Guarantees: the approval is a supervisor's "reimpresion" for this document, given to
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
        obj=document,
        detail=_label(document),
    )
    if isinstance(document, Sale):
        build = functools.partial(sale_printout, sale_id=document.pk, copy=True)
    else:
        build = functools.partial(credit_note_printout, credit_note_id=document.pk, copy=True)
    print_on_commit(build)
    return approval


def document_page_is_copy(
    *,
    document: Document,
    user: User | AnonymousUser,
    approval_id: int | None,
    copy_requested: bool,
) -> bool:
    """Whether ``user`` sees ``document``'s page as a copy (True) or as the original
    (False); ``ApprovalRefused`` when they may not see it at all.

    A copy asked for with an approval must be the one ``document_reprint`` spent for
    this document and this user, moments ago. Without one: the issuer within
    ``ORIGINAL_WINDOW`` sees the original; a supervisor or administrador sees a copy;
    anyone else is told a copy needs the supervisor's PIN.
    """
    if copy_requested or approval_id is not None:
        approval_spent_for(
            approval_id=approval_id,
            action=ApprovalAction.REPRINT,
            requested_by=user,
            obj=document,
        )
        return True
    if _issuer_id(document) == user.pk and timezone.now() - document.issued_at <= ORIGINAL_WINDOW:
        return False
    if role_at_least(user, Role.SUPERVISOR):
        return True
    raise approval_required(ApprovalAction.REPRINT)
