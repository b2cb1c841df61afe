"""Staff and approvals."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils.translation import gettext as _

from itplus.core.errors import BusinessError
from itplus.store.accounts.models import Approval, ApprovalAction, Role, StaffProfile


class ApprovalDenied(BusinessError):
    code = "aprobacion_denegada"
    status = 403


@transaction.atomic
def staff_create(
    *, username: str, password: str, role: str, first_name: str = "", pin: str = ""
) -> User:
    """A staff user with a role (and its Django group) and, for approvers, a PIN."""
    user = User.objects.create_user(
        username=username,
        password=password,
        first_name=first_name,
        is_staff=role != Role.CASHIER,
        is_superuser=role == Role.ADMIN,
    )
    group, _created = Group.objects.get_or_create(name=role)
    user.groups.add(group)
    profile = StaffProfile(user=user, role=role)
    if pin:
        profile.set_pin(pin)
    profile.save()
    return user


def staff_role(user: User) -> str:
    profile = getattr(user, "staff", None)
    if profile is not None:
        return profile.role
    return Role.ADMIN if user.is_superuser else Role.CASHIER


def find_approver(*, pin: str) -> StaffProfile | None:
    """The supervisor or administrator whose PIN this is.

    PINs are hashed, so each approver's hash is checked; stores have a handful of them.
    """
    if not pin or not pin.isdigit():
        return None
    approvers = StaffProfile.objects.select_related("user").filter(
        role__in=[Role.SUPERVISOR, Role.ADMIN], user__is_active=True
    ).exclude(pin_hash="")
    for profile in approvers:
        if profile.check_pin(pin):
            return profile
    return None


@transaction.atomic
def approval_grant(
    *,
    pin: str,
    action: str,
    requested_by: User | None,
    terminal=None,
    max_percent: int | None = None,
    detail: str = "",
) -> Approval:
    """A supervisor authorises an action by PIN. The approval is recorded (who, when,
    for whom, at which terminal) and can be used once."""
    if action not in ApprovalAction.values:
        raise BusinessError(_("Acción desconocida: %(action)s.") % {"action": action})
    if max_percent is not None and not 0 < max_percent <= 100:
        # Checked here: the column is a small positive integer, and a bad value would
        # otherwise reach the database as an error instead of a message.
        raise BusinessError(_("El porcentaje aprobado debe estar entre 1 y 100."))
    approver = find_approver(pin=pin)
    if approver is None:
        raise ApprovalDenied(_("PIN de supervisor incorrecto."))
    return Approval.objects.create(
        action=action,
        approved_by=approver.user,
        requested_by=requested_by,
        terminal=terminal,
        max_percent=max_percent,
        detail=detail[:200],
    )
