"""Till writes: pairing a PC with a terminal."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from itplus.core.errors import BusinessError
from itplus.store.accounts.approvals import approval_consume, approval_grant
from itplus.store.accounts.models import ApprovalAction
from itplus.store.terminals.models import Terminal
from itplus.store.terminals.services import terminal_rotate_token


class PairingRejected(BusinessError):
    code = "vinculacion_rechazada"
    status = 400


def terminal_pair(*, user: User, terminal_id: int, pin: str) -> tuple[Terminal, str]:
    """Pair the PC in front of ``user`` with a terminal, authorised by a supervisor's PIN.

    Guarantees: the approval is recorded (who, for whom, which terminal) and used; the
    terminal gets a new token, so any PC paired before stops working — one PC is one
    terminal. A wrong PIN changes nothing but the count of wrong PINs at that terminal.
    Returns the terminal and its new token.
    """
    terminal = Terminal.objects.filter(pk=terminal_id, is_active=True).first()
    if terminal is None:
        raise PairingRejected(_("La caja elegida no existe o está inactiva."))
    # Granted in its own transaction, before the pairing's: a wrong PIN stays counted.
    approval = approval_grant(
        pin=pin,
        action=ApprovalAction.PAIR_TERMINAL,
        requested_by=user,
        terminal=terminal,
        detail=_("Vinculación de %(terminal)s") % {"terminal": terminal.name},
    )
    return _pair(user=user, terminal_id=terminal_id, approval_id=approval.pk)


@transaction.atomic
def _pair(*, user: User, terminal_id: int, approval_id: int) -> tuple[Terminal, str]:
    # Locked so two PCs pairing the same terminal at once end with exactly one token.
    terminal = Terminal.objects.select_for_update().filter(pk=terminal_id, is_active=True).first()
    if terminal is None:
        raise PairingRejected(_("La caja elegida no existe o está inactiva."))
    approval_consume(
        approval_id=approval_id,
        action=ApprovalAction.PAIR_TERMINAL,
        requested_by=user,
        terminal=terminal,
    )
    return terminal, terminal_rotate_token(terminal=terminal)
