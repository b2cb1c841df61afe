"""Staff: users with a role and a PIN (approvals are in ``accounts.approvals``, role
checks in ``accounts.permissions``).

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

from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from itplus.store.accounts.models import Role, StaffProfile

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
