"""Staff and approvals.

Back-office permissions per role are kept by ``role_group_sync``, called by
``staff_create`` and ``staff_set_role`` (not a data migration: Django creates the
permission rows after migrations, and new models get their permissions picked up the
next time a role is assigned). Roles:

- cajero: sells at the till; no back office (``is_staff`` False).
- supervisor: back office to view sales and approvals and to edit the catalog.
- administrador: superuser, everything (the admin still never deletes fiscal documents).
"""

from __future__ import annotations

import re
from datetime import timedelta

from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from itplus.core.errors import BusinessError
from itplus.store.accounts.models import Approval, ApprovalAction, PinFailure, Role, StaffProfile


class ApprovalDenied(BusinessError):
    code = "aprobacion_denegada"
    status = 403


# Back-office permissions of each role's group, as (app_label, codename) pairs.
# administrador is a superuser, so its group needs none.
ROLE_PERMISSIONS: dict[str, tuple[tuple[str, str], ...]] = {
    Role.CASHIER: (),
    Role.SUPERVISOR: (
        ("catalog", "view_category"),
        ("catalog", "add_category"),
        ("catalog", "change_category"),
        ("catalog", "view_product"),
        ("catalog", "add_product"),
        ("catalog", "change_product"),
        ("catalog", "view_barcode"),
        ("catalog", "add_barcode"),
        ("catalog", "change_barcode"),
        ("catalog", "delete_barcode"),
        ("sales", "view_sale"),
        ("sales", "view_saleline"),
        ("sales", "view_payment"),
        ("sales", "view_documentseries"),
        ("sales", "view_creditnote"),
        ("sales", "add_creditnote"),
        ("sales", "view_creditnoteline"),
        ("sales", "view_refund"),
        ("accounts", "view_approval"),
        ("terminals", "view_terminal"),
        ("customers", "view_customer"),
        ("customers", "add_customer"),
        ("customers", "change_customer"),
        ("customers", "view_accountentry"),
        ("purchases", "view_supplier"),
        ("purchases", "add_supplier"),
        ("purchases", "change_supplier"),
        ("purchases", "view_purchaseorder"),
        ("purchases", "add_purchaseorder"),
        ("purchases", "change_purchaseorder"),
        ("purchases", "view_purchaseorderline"),
        ("purchases", "view_goodsreceipt"),
        ("purchases", "add_goodsreceipt"),
        ("purchases", "view_goodsreceiptline"),
        ("purchases", "view_supplierinvoice"),
        ("purchases", "add_supplierinvoice"),
        ("purchases", "view_productcost"),
    ),
    Role.ADMIN: (),
}

PIN_RE = re.compile(r"[0-9]{4,6}")


def role_group_sync(*, role: str) -> Group:
    """The Django group of a role, with exactly the role's permissions."""
    group, _created = Group.objects.get_or_create(name=role)
    wanted = ROLE_PERMISSIONS[Role(role)]
    if wanted:
        query = Permission.objects.none()
        for app_label, codename in wanted:
            query |= Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        group.permissions.set(query)
    else:
        group.permissions.clear()
    return group


def _apply_role(user: User, role: str) -> None:
    user.is_staff = role != Role.CASHIER
    user.is_superuser = role == Role.ADMIN
    user.save(update_fields=["is_staff", "is_superuser"])
    user.groups.remove(*Group.objects.filter(name__in=Role.values).exclude(name=role))
    user.groups.add(role_group_sync(role=role))


def validate_pin(pin: str) -> None:
    if not PIN_RE.fullmatch(pin or ""):
        raise ValidationError(_("El PIN debe tener entre 4 y 6 dígitos."), code="pin")


@transaction.atomic
def staff_create(
    *, username: str, password: str, role: str, first_name: str = "", pin: str = ""
) -> User:
    """A staff user with a role (its Django group and back-office access) and, for
    approvers, a PIN."""
    if role not in Role.values:
        raise ValidationError(_("Rol desconocido: %(role)s.") % {"role": role})
    if pin:
        validate_pin(pin)
    user = User.objects.create_user(username=username, password=password, first_name=first_name)
    _apply_role(user, role)
    profile = StaffProfile(user=user, role=role)
    if pin:
        profile.set_pin(pin)
    profile.save()
    return user


@transaction.atomic
def staff_set_role(*, user: User, role: str, pin: str | None = None) -> StaffProfile:
    """Give an existing user a role (creating the staff profile if missing) and
    optionally a new PIN. Keeps ``is_staff``, ``is_superuser`` and the role group in
    step with the role, so the back office and the till agree on what they may do."""
    if role not in Role.values:
        raise ValidationError(_("Rol desconocido: %(role)s.") % {"role": role})
    if pin:
        validate_pin(pin)
    profile, _created = StaffProfile.objects.select_for_update().get_or_create(user=user)
    profile.role = role
    if pin:
        profile.set_pin(pin)
    profile.save()
    _apply_role(user, role)
    return profile


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
    approvers = (
        StaffProfile.objects.select_related("user")
        .filter(role__in=[Role.SUPERVISOR, Role.ADMIN], user__is_active=True)
        .exclude(pin_hash="")
    )
    for profile in approvers:
        if profile.check_pin(pin):
            return profile
    return None


# Five wrong PINs within ten minutes (per terminal, or per user without a terminal)
# lock PIN approvals there until the window has passed.
MAX_PIN_FAILURES = 5
PIN_FAILURE_WINDOW = timedelta(minutes=10)


def _recent_pin_failures(*, terminal, requested_by: User | None) -> int:
    since = timezone.now() - PIN_FAILURE_WINDOW
    failures = PinFailure.objects.filter(created_at__gte=since)
    if terminal is not None:
        failures = failures.filter(terminal=terminal)
    elif requested_by is not None:
        failures = failures.filter(requested_by=requested_by, terminal__isnull=True)
    else:
        return 0
    return failures.count()


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
    if _recent_pin_failures(terminal=terminal, requested_by=requested_by) >= MAX_PIN_FAILURES:
        raise ApprovalDenied(
            _(
                "Demasiados PIN incorrectos en esta caja: espere %(minutes)s minutos o pida "
                "al supervisor que venga a la caja."
            )
            % {"minutes": int(PIN_FAILURE_WINDOW.total_seconds() // 60)},
            code="pin_bloqueado",
        )
    approver = find_approver(pin=pin)
    if approver is None:
        # Recorded in its own statement, outside any transaction of this call, so the
        # refusal does not roll the record back.
        PinFailure.objects.create(terminal=terminal, requested_by=requested_by)
        raise ApprovalDenied(_("PIN de supervisor incorrecto."))
    return Approval.objects.create(
        action=action,
        approved_by=approver.user,
        requested_by=requested_by,
        terminal=terminal,
        max_percent=max_percent,
        detail=detail[:200],
    )
