"""Who may do what: one role check for services, views, the API and commands.

A rule that depends on the role is checked here, and by the service itself where the
action is a write, so the till, a terminal's API token, the back office and the command
line get the same answer for the same person.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.utils.translation import gettext as _

from itplus.core.errors import BusinessError
from itplus.store.accounts.models import ROLE_RANK, Role


class PermissionRefused(BusinessError):
    code = "sin_permiso"
    status = 403


def staff_role(user: User | AnonymousUser) -> str:
    """The user's role: the staff profile's, or administrator for a superuser without
    one, or cashier."""
    profile = getattr(user, "staff", None)
    if profile is not None:
        return profile.role
    return Role.ADMIN if user.is_superuser else Role.CASHIER


def role_at_least(user: User | AnonymousUser | None, role: str) -> bool:
    """True for an active, logged-in user whose role ranks at least ``role``."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return ROLE_RANK[Role(staff_role(user))] >= ROLE_RANK[Role(role)]


def require_role(
    user: User | AnonymousUser | None,
    role: str,
    *,
    what: str,
    error: type[PermissionRefused] = PermissionRefused,
) -> None:
    """Refuse (``error``, HTTP 403) unless ``user`` ranks at least ``role``; ``what``
    completes the Spanish message ("Solo un supervisor o un administrador puede …")."""
    if role_at_least(user, role):
        return
    if Role(role) == Role.ADMIN:
        message = _("Solo un administrador puede %(what)s.")
    else:
        message = _("Solo un supervisor o un administrador puede %(what)s.")
    raise error(message % {"what": what})
