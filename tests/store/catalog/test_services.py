"""Catalog writes: validation errors in Spanish, nothing written on failure."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from itplus.store.accounts.models import Role, StaffProfile
from itplus.store.accounts.services import staff_set_role
from itplus.store.catalog.models import Barcode, Product
from itplus.store.catalog.services import product_create, product_update, products_set_active
from tests.factories import CategoryFactory, make_product, make_user, next_ean13

pytestmark = pytest.mark.django_db


def messages(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def test_create_stores_product_barcodes_and_search_text():
    category = CategoryFactory(name="Frutas")
    codes = [next_ean13(), "INT001"]

    product = product_create(
        name="  Plátano Ecuador ", sku="PLAT-1", price_clp=1490, barcodes=codes, category=category
    )

    product.refresh_from_db()
    assert product.name == "Plátano Ecuador"
    assert product.search_text == "platano ecuador plat-1"
    assert sorted(product.barcodes.values_list("code", flat=True)) == sorted(codes)


def test_create_rejects_a_bad_check_digit_and_writes_nothing():
    good = next_ean13()
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)

    with pytest.raises(ValidationError) as exc:
        product_create(name="Galletas", sku="GAL-1", price_clp=990, barcodes=[bad])

    assert f"El código «{bad}» no es un EAN/UPC válido" in messages(exc.value)
    assert not Product.objects.filter(sku="GAL-1").exists()


def test_create_rejects_a_barcode_of_another_product():
    code = next_ean13()
    make_product(name="Leche Entera", sku="LECHE-1", barcodes=[code])

    with pytest.raises(ValidationError) as exc:
        product_create(name="Leche Descremada", sku="LECHE-2", price_clp=990, barcodes=[code])

    assert f"El código «{code}» ya pertenece a «Leche Entera» (SKU LECHE-1)." in messages(exc.value)
    assert not Product.objects.filter(sku="LECHE-2").exists()


def test_create_rejects_exempt_with_ila():
    with pytest.raises(ValidationError) as exc:
        product_create(name="Vino", sku="VINO-1", price_clp=4990, is_exempt=True, ila_tax="ila_205")

    assert "Un producto exento de IVA no puede llevar ILA." in messages(exc.value)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"price_clp": -1}, "mayor o igual a 0"),
        ({"name": ""}, "no puede estar vacío"),
        ({"ila_tax": "ila_99"}, "no es una opción válida"),
        ({"unit": "litro"}, "no es una opción válida"),
        ({"price_clp": 0, "scale_code": "00104"}, "código de balanza necesita un precio"),
    ],
)
def test_create_rejects_invalid_fields_in_spanish(fields, message):
    data = {"name": "Producto", "sku": "X-1", "price_clp": 100} | fields

    with pytest.raises(ValidationError) as exc:
        product_create(**data)

    assert message in messages(exc.value)


def test_create_rejects_a_duplicate_sku():
    make_product(sku="DUP-1")

    with pytest.raises(ValidationError) as exc:
        product_create(name="Otro", sku="DUP-1", price_clp=100)

    assert "Ya existe" in messages(exc.value)


def test_update_changes_fields_and_keeps_search_text_in_sync():
    product = make_product(name="Bebida Cola", sku="COLA-1")

    product_update(product=product, name="Refresco Limón", price_clp=1290)

    product.refresh_from_db()
    assert (product.name, product.price_clp) == ("Refresco Limón", 1290)
    assert product.search_text == "refresco limon cola-1"


def test_update_replaces_barcodes_when_given_and_keeps_them_otherwise():
    keep, drop, new = next_ean13(), next_ean13(), next_ean13()
    product = make_product(barcodes=[keep, drop])

    product_update(product=product, price_clp=500)
    assert set(product.barcodes.values_list("code", flat=True)) == {keep, drop}

    product_update(product=product, barcodes=[keep, new, new])
    assert set(product.barcodes.values_list("code", flat=True)) == {keep, new}
    assert not Barcode.objects.filter(code=drop).exists()


def test_update_rejects_bad_barcode_and_leaves_everything_as_it_was():
    code = next_ean13()
    product = make_product(name="Arroz", price_clp=1000, barcodes=[code])
    bad = code[:-1] + str((int(code[-1]) + 5) % 10)

    with pytest.raises(ValidationError):
        product_update(product=product, price_clp=2000, barcodes=[code, bad])

    product = Product.objects.get(pk=product.pk)
    assert product.price_clp == 1000
    assert list(product.barcodes.values_list("code", flat=True)) == [code]


def test_update_rejects_a_barcode_used_by_another_product():
    taken = next_ean13()
    make_product(name="Azúcar", sku="AZ-1", barcodes=[taken])
    product = make_product(sku="SAL-1")

    with pytest.raises(ValidationError) as exc:
        product_update(product=product, barcodes=[taken])

    assert "ya pertenece a «Azúcar» (SKU AZ-1)" in messages(exc.value)


def test_update_rejects_exempt_plus_ila():
    product = make_product(ila_tax="ila_205")

    with pytest.raises(ValidationError) as exc:
        product_update(product=product, is_exempt=True)

    assert "Un producto exento de IVA no puede llevar ILA." in messages(exc.value)
    assert Product.objects.get(pk=product.pk).is_exempt is False


def test_update_refuses_unknown_fields():
    product = make_product()

    with pytest.raises(TypeError):
        product_update(product=product, search_text="hack")


def test_set_active_in_bulk_counts_only_changes():
    a, b = make_product(), make_product()
    product_update(product=b, is_active=False)

    assert products_set_active(product_ids=[a.pk, b.pk], is_active=False) == 1
    assert products_set_active(product_ids=[a.pk, b.pk], is_active=True) == 2
    assert Product.objects.filter(pk__in=[a.pk, b.pk], is_active=True).count() == 2


# Roles and their back-office permissions (accounts.services, used by the admin).


def test_roles_get_access_and_permissions():
    cashier = make_user(role="cajero")
    supervisor = make_user(role="supervisor")
    admin = make_user(role="administrador")

    assert not cashier.is_staff and not cashier.is_superuser
    assert supervisor.is_staff and not supervisor.is_superuser
    assert supervisor.has_perms(
        ["catalog.change_product", "sales.view_sale", "accounts.view_approval"]
    )
    assert not supervisor.has_perm("sales.delete_sale")
    assert not supervisor.has_perm("auth.change_user")
    assert admin.is_superuser


def test_staff_set_role_moves_group_access_and_pin():
    user = make_user(role="cajero")

    profile = staff_set_role(user=user, role=Role.SUPERVISOR, pin="2468")

    user.refresh_from_db()
    assert user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == ["supervisor"]
    assert profile.check_pin("2468")

    staff_set_role(user=user, role=Role.CASHIER)

    user = type(user).objects.get(pk=user.pk)
    assert not user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == ["cajero"]
    assert StaffProfile.objects.get(user=user).check_pin("2468")  # unchanged without a new PIN
    assert not Group.objects.get(name="cajero").permissions.exists()


@pytest.mark.parametrize("pin", ["123", "1234567", "12a4", " 1234"])
def test_staff_set_role_rejects_bad_pins(pin):
    user = make_user(role="supervisor", pin="1111")

    with pytest.raises(ValidationError) as exc:
        staff_set_role(user=user, role=Role.SUPERVISOR, pin=pin)

    assert "El PIN debe tener entre 4 y 6 dígitos." in messages(exc.value)
    assert StaffProfile.objects.get(user=user).check_pin("1111")
