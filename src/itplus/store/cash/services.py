"""Cash writes: open a session (closing, movements and Z report come with their own use cases)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.core.errors import BusinessError
from itplus.store.cash.models import CashSession
from itplus.store.terminals.models import Terminal


class CashSessionError(BusinessError):
    code = "caja"
    status = 409


class SessionClosed(CashSessionError):
    code = "caja_cerrada"


def cash_session_open(*, terminal: Terminal, user: User, opening_float_clp: int = 0) -> CashSession:
    """Open the terminal's cash session with its float. One open session per terminal,
    enforced by the database (a conditional unique constraint), so two supervisors
    opening at once get one session and a clear message."""
    if opening_float_clp < 0:
        raise CashSessionError(_("El fondo inicial no puede ser negativo."))
    try:
        with transaction.atomic():
            return CashSession.objects.create(
                terminal=terminal,
                opened_by=user,
                opened_at=timezone.now(),
                opening_float_clp=opening_float_clp,
            )
    except IntegrityError:
        raise CashSessionError(
            _("La caja %(terminal)s ya tiene una sesión abierta.") % {"terminal": terminal.name}
        )
