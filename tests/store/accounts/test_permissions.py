"""One role check for services, views, the API and commands."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User

from itplus.store.accounts.models import Role
from itplus.store.accounts.permissions import PermissionRefused, require_role, role_at_least
from tests.factories import make_user


@pytest.mark.parametrize(
    ("role", "supervisor", "admin"),
    [("cajero", False, False), ("supervisor", True, False), ("administrador", True, True)],
)
def test_roles_rank(db, role, supervisor, admin):
    user = make_user(role=role)
    assert role_at_least(user, Role.CASHIER)
    assert role_at_least(user, Role.SUPERVISOR) is supervisor
    assert role_at_least(user, Role.ADMIN) is admin


def test_nobody_logged_in_or_inactive_ranks_nothing(db):
    assert not role_at_least(None, Role.CASHIER)
    assert not role_at_least(AnonymousUser(), Role.CASHIER)
    boss = make_user(role="administrador")
    User.objects.filter(pk=boss.pk).update(is_active=False)
    assert not role_at_least(User.objects.get(pk=boss.pk), Role.SUPERVISOR)


def test_a_superuser_without_profile_is_an_administrator(db):
    assert role_at_least(User.objects.create_superuser("dueno", password="x"), Role.ADMIN)


def test_require_role_refuses_in_spanish(db):
    cashier = make_user(role="cajero")
    with pytest.raises(PermissionRefused) as error:
        require_role(cashier, Role.SUPERVISOR, what="ajustar el stock")
    assert error.value.message == "Solo un supervisor o un administrador puede ajustar el stock."
    assert error.value.status == 403
    with pytest.raises(PermissionRefused, match="Solo un administrador puede restaurar"):
        require_role(make_user(role="supervisor"), Role.ADMIN, what="restaurar")
    require_role(make_user(role="supervisor"), Role.SUPERVISOR, what="ajustar el stock")
