"""The back office (Django admin) and the price-list import page, through the test client."""

import re

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from itplus.core.money import format_clp
from itplus.store.accounts.models import Approval, StaffProfile
from itplus.store.catalog.models import Barcode, Product
from itplus.store.catalog.views import SESSION_KEY
from itplus.store.sales.models import Sale
from itplus.store.terminals.models import Terminal, hash_token
from itplus.store.terminals.services import terminal_authenticate
from tests.factories import (
    CategoryFactory,
    make_product,
    make_sale,
    make_series,
    make_terminal,
    make_user,
    next_ean13,
)

pytestmark = pytest.mark.django_db

IMPORT_URL = "/gestion/catalogo/importar/"
APPLY_URL = "/gestion/catalogo/importar/aplicar/"


@pytest.fixture
def admin_client(client):
    client.force_login(make_user(role="administrador"))
    return client


@pytest.fixture
def supervisor_client(client):
    client.force_login(make_user(role="supervisor"))
    return client


def text_of(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Catalog ------------------------------------------------------------------------


def test_product_changelist_search_and_filters_render_for_an_administrador(admin_client):
    category = CategoryFactory(name="Frutas")
    code = next_ean13()
    make_product(name="Plátano", sku="PLAT-1", price_clp=1490, category=category, barcodes=[code])
    make_product(name="Manzana", sku="MANZ-1", price_clp=1990)
    url = reverse("admin:catalog_product_changelist")

    page = admin_client.get(url)
    assert page.status_code == 200
    html = text_of(page)
    assert "$1.490" in html and "$1.990" in html
    assert "Importar lista de precios" in html and IMPORT_URL in html
    for title in (
        "categoría",
        "unidad de venta",
        "exento de IVA",
        "impuesto adicional (ILA)",
        "activo",
    ):
        assert f"Por {title}" in html

    def found(params):
        response = admin_client.get(url, params)
        assert response.status_code == 200
        return [p.sku for p in response.context["cl"].result_list]

    assert found({"q": "platano"}) == ["PLAT-1"]  # without the accent
    assert found({"q": "MANZ"}) == ["MANZ-1"]
    assert found({"q": code}) == ["PLAT-1"]
    assert found({"category__id__exact": category.pk}) == ["PLAT-1"]
    assert found({"is_active__exact": "0"}) == []
    assert found({"ila_tax__exact": "ila_205"}) == []


def test_saving_a_product_in_the_admin_goes_through_the_service(admin_client):
    kept = next_ean13()
    product = make_product(name="Bebida", sku="BEB-1", price_clp=990, barcodes=[kept])
    barcode = product.barcodes.get()
    added = next_ean13()
    url = reverse("admin:catalog_product_change", args=[product.pk])

    response = admin_client.post(
        url,
        {
            "name": "Refresco Limón",
            "sku": "BEB-1",
            "category": "",
            "is_active": "on",
            "price_clp": "1290",
            "cost_clp": "600",
            "unit": "unidad",
            "scale_code": "",
            "ila_tax": "ila_18",
            "barcodes-TOTAL_FORMS": "2",
            "barcodes-INITIAL_FORMS": "1",
            "barcodes-MIN_NUM_FORMS": "0",
            "barcodes-MAX_NUM_FORMS": "1000",
            "barcodes-0-id": str(barcode.pk),
            "barcodes-0-product": str(product.pk),
            "barcodes-0-code": kept,
            "barcodes-1-product": str(product.pk),
            "barcodes-1-code": added,
        },
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    product.refresh_from_db()
    assert (product.name, product.price_clp, product.ila_tax) == ("Refresco Limón", 1290, "ila_18")
    assert product.search_text == "refresco limon beb-1"
    assert set(product.barcodes.values_list("code", flat=True)) == {kept, added}


def test_adding_a_product_with_a_bad_check_digit_shows_the_error(admin_client):
    good = next_ean13()
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    data = {
        "name": "Galletas",
        "sku": "GAL-1",
        "is_active": "on",
        "price_clp": "990",
        "cost_clp": "0",
        "unit": "unidad",
        "ila_tax": "",
        "barcodes-TOTAL_FORMS": "1",
        "barcodes-INITIAL_FORMS": "0",
        "barcodes-MIN_NUM_FORMS": "0",
        "barcodes-MAX_NUM_FORMS": "1000",
        "barcodes-0-code": bad,
    }

    response = admin_client.post(reverse("admin:catalog_product_add"), data)

    assert response.status_code == 200
    assert "el dígito verificador no calza" in text_of(response)
    assert not Product.objects.filter(sku="GAL-1").exists()

    data["barcodes-0-code"] = good
    response = admin_client.post(reverse("admin:catalog_product_add"), data)

    assert response.status_code == 302
    product = Product.objects.get(sku="GAL-1")
    assert product.search_text == "galletas gal-1"
    assert product.barcodes.get().code == good


def test_deactivate_action(admin_client):
    a, b = make_product(), make_product()

    admin_client.post(
        reverse("admin:catalog_product_changelist"),
        {"action": "deactivate", "_selected_action": [a.pk, b.pk]},
    )

    assert not Product.objects.filter(pk__in=[a.pk, b.pk], is_active=True).exists()


# --- Roles --------------------------------------------------------------------------


def test_cajero_has_no_admin_access(client):
    client.force_login(make_user(role="cajero"))

    for url in (
        reverse("admin:index"),
        reverse("admin:catalog_product_changelist"),
        reverse("admin:sales_sale_changelist"),
        IMPORT_URL,
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


def test_supervisor_edits_products_and_views_sales_but_not_users(supervisor_client):
    product = make_product()

    assert supervisor_client.get(reverse("admin:catalog_product_changelist")).status_code == 200
    change = supervisor_client.get(reverse("admin:catalog_product_change", args=[product.pk]))
    assert change.context["has_change_permission"]
    assert supervisor_client.get(reverse("admin:sales_sale_changelist")).status_code == 200
    assert supervisor_client.get(reverse("admin:accounts_approval_changelist")).status_code == 200
    assert supervisor_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert supervisor_client.get(reverse("admin:terminals_terminal_add")).status_code == 403
    assert supervisor_client.get(IMPORT_URL).status_code == 200


def test_staff_inline_sets_role_group_and_pin(admin_client):
    user = make_user(role="cajero", username="maria")
    profile = user.staff
    url = reverse("admin:auth_user_change", args=[user.pk])
    form = {
        "username": "maria",
        "first_name": "María",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "staff-TOTAL_FORMS": "1",
        "staff-INITIAL_FORMS": "1",
        "staff-MIN_NUM_FORMS": "0",
        "staff-MAX_NUM_FORMS": "1",
        "staff-0-id": str(profile.pk),
        "staff-0-user": str(user.pk),
        "staff-0-role": "supervisor",
        "staff-0-pin": "12",
    }

    response = admin_client.post(url, form)
    assert response.status_code == 200
    assert "El PIN debe tener entre 4 y 6 dígitos." in text_of(response)

    form["staff-0-pin"] = "5678"
    response = admin_client.post(url, form)

    assert response.status_code == 302
    user = User.objects.get(pk=user.pk)
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == ["supervisor"]
    assert StaffProfile.objects.get(user=user).check_pin("5678")
    assert user.first_name == "María"


def test_adding_a_user_with_a_role_and_pin(admin_client):
    response = admin_client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "pedro",
            "usable_password": "true",
            "password1": "una-clave-larga-9",
            "password2": "una-clave-larga-9",
            "staff-TOTAL_FORMS": "1",
            "staff-INITIAL_FORMS": "0",
            "staff-MIN_NUM_FORMS": "0",
            "staff-MAX_NUM_FORMS": "1",
            "staff-0-role": "supervisor",
            "staff-0-pin": "246810",
        },
    )

    assert response.status_code == 302
    user = User.objects.get(username="pedro")
    assert user.is_staff and user.check_password("una-clave-larga-9")
    assert user.staff.role == "supervisor" and user.staff.check_pin("246810")
    assert user.has_perm("catalog.change_product")


def test_untouched_inline_leaves_a_superuser_alone(admin_client):
    root = User.objects.create_superuser("root", password="x-secret-1")
    url = reverse("admin:auth_user_change", args=[root.pk])

    response = admin_client.post(
        url,
        {
            "username": "root",
            "is_active": "on",
            "staff-TOTAL_FORMS": "1",
            "staff-INITIAL_FORMS": "0",
            "staff-MIN_NUM_FORMS": "0",
            "staff-MAX_NUM_FORMS": "1",
            "staff-0-role": "cajero",
            "staff-0-pin": "",
        },
    )

    assert response.status_code == 302
    root.refresh_from_db()
    assert root.is_superuser and root.is_staff
    assert not StaffProfile.objects.filter(user=root).exists()


# --- Terminals ----------------------------------------------------------------------


def test_creating_a_terminal_shows_its_token_once(admin_client):
    series = make_series()

    response = admin_client.post(
        reverse("admin:terminals_terminal_add"),
        {"code": "caja-9", "name": "Caja 9", "is_active": "on", "boleta_series": series.pk},
        follow=True,
    )

    [message] = [m for m in messages_of(response) if "Token" in m]
    token = re.search(r"Token de la terminal «Caja 9»: (\S+) —", message).group(1)
    terminal = Terminal.objects.get(code="caja-9")
    assert terminal.token_hash == hash_token(token)
    assert terminal_authenticate(token=token) == terminal
    # Not shown again.
    page = admin_client.get(reverse("admin:terminals_terminal_change", args=[terminal.pk]))
    assert token not in text_of(page)


def test_rotating_a_token_invalidates_the_old_one(admin_client, terminal):
    old_token = terminal.token

    response = admin_client.post(
        reverse("admin:terminals_terminal_changelist"),
        {"action": "rotate_token", "_selected_action": [terminal.pk]},
        follow=True,
    )

    [message] = [m for m in messages_of(response) if "Token" in m]
    new_token = re.search(r": (\S+) —", message).group(1)
    assert terminal_authenticate(token=old_token) is None
    assert terminal_authenticate(token=new_token) == terminal


# --- Sales and approvals: read only, never deleted -----------------------------------


@pytest.fixture
def sale(terminal, cashier, product):
    return make_sale(terminal=terminal, cashier=cashier, products=[product])


def test_sale_is_read_only_and_cannot_be_deleted(admin_client, sale):
    change_url = reverse("admin:sales_sale_change", args=[sale.pk])

    page = admin_client.get(change_url)
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert not page.context["has_delete_permission"]
    assert "Leche Entera 1 L" in text_of(page)  # the line inline
    assert format_clp(sale.total_clp) in text_of(page)

    assert admin_client.get(reverse("admin:sales_sale_delete", args=[sale.pk])).status_code == 403
    assert (
        admin_client.post(
            reverse("admin:sales_sale_delete", args=[sale.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    response = admin_client.post(
        reverse("admin:sales_sale_changelist"),
        {"action": "delete_selected", "_selected_action": [sale.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    admin_client.post(change_url, {"total_clp": "1"})
    assert Sale.objects.filter(pk=sale.pk, total_clp=sale.total_clp).exists()


def test_sale_changelist_search_and_filters(admin_client, sale):
    make_terminal()  # a second terminal and series: filters with one choice are hidden
    url = reverse("admin:sales_sale_changelist")

    html = text_of(admin_client.get(url))
    assert "$1.190" in html
    for title in ("serie", "terminal", "cajero", "fecha", "estado"):
        assert f"Por {title}" in html

    def found(params):
        return list(admin_client.get(url, params).context["cl"].result_list)

    assert found({"q": str(sale.number)}) == [sale]
    assert found({"q": "no-es-numero"}) == []
    assert found({"series__id__exact": sale.series_id}) == [sale]
    assert found({"terminal__id__exact": sale.terminal_id}) == [sale]
    assert found({"cashier__id__exact": sale.cashier_id}) == [sale]


def test_approvals_are_listed_read_only(admin_client, supervisor, cashier):
    from itplus.store.accounts.approvals import approval_grant

    approval = approval_grant(
        pin="4321", action="reimpresion", requested_by=cashier, detail="Boleta 15"
    )
    url = reverse("admin:accounts_approval_changelist")

    html = text_of(admin_client.get(url))
    assert "Boleta 15" in html and supervisor.username in html
    assert admin_client.get(url, {"action__exact": "descuento"}).context["cl"].result_count == 0
    assert admin_client.get(reverse("admin:accounts_approval_add")).status_code == 403
    assert (
        admin_client.get(reverse("admin:accounts_approval_delete", args=[approval.pk])).status_code
        == 403
    )
    assert Approval.objects.filter(pk=approval.pk).exists()


def test_document_series_number_is_read_only_once_created(admin_client):
    series = make_series()

    page = admin_client.get(reverse("admin:sales_documentseries_change", args=[series.pk]))

    assert "next_number" not in page.context["adminform"].form.fields
    assert (
        admin_client.get(reverse("admin:sales_documentseries_delete", args=[series.pk])).status_code
        == 403
    )


# --- Price-list import page ---------------------------------------------------------


def upload(client, content: str, name: str = "lista.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    file = SimpleUploadedFile(name, content.encode("utf-8"), content_type="text/csv")
    return client.post(IMPORT_URL, {"file": file})


def test_import_page_preview_then_apply(admin_client):
    make_product(name="Leche", sku="LECHE", price_clp=1190)
    page = admin_client.get(IMPORT_URL)
    assert page.status_code == 200
    assert "Importar lista de precios" in text_of(page)

    preview = upload(admin_client, "sku;nombre;precio\nLECHE;Leche;1.290\nPAN;Pan Amasado;2490\n")

    html = text_of(preview)
    assert preview.context["counts"] == {
        "create": 1,
        "update": 1,
        "unchanged": 0,
        "error": 0,
        "total": 2,
    }
    assert "precio: $1.190 → $1.290" in html
    assert 'value="Aplicar"' in html
    assert not Product.objects.filter(sku="PAN").exists()
    token = admin_client.session[SESSION_KEY]["token"]

    response = admin_client.post(APPLY_URL, {"token": token}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:catalog_product_changelist")
    assert any("1 productos creados, 1 actualizados" in m for m in messages_of(response))
    assert Product.objects.get(sku="LECHE").price_clp == 1290
    assert Product.objects.filter(sku="PAN").exists()
    assert SESSION_KEY not in admin_client.session


def test_import_page_shows_errors_and_offers_no_apply(admin_client):
    code = next_ean13()
    bad = code[:-1] + str((int(code[-1]) + 1) % 10)

    preview = upload(admin_client, f"sku;nombre;precio;codigo_barras\nA;Uno;100;{bad}\nB;Dos;-5;\n")

    html = text_of(preview)
    assert preview.context["counts"]["error"] == 2
    assert f"el código {bad} no es un EAN válido (dígito verificador)" in html
    assert "no admite valores negativos" in html
    assert "import-error" in html
    assert 'value="Aplicar"' not in html

    # Posting the apply form anyway is refused and changes nothing.
    token = admin_client.session[SESSION_KEY]["token"]
    response = admin_client.post(APPLY_URL, {"token": token})
    assert response.status_code == 200
    assert any("2 filas con errores" in m for m in messages_of(response))
    assert not Product.objects.exists()
    assert not Barcode.objects.exists()


def test_import_page_rejects_an_unreadable_file(admin_client):
    response = upload(admin_client, "nombre;precio\nLeche;100\n")

    assert response.status_code == 200
    assert "Falta la columna obligatoria «sku»" in text_of(response)
    assert SESSION_KEY not in admin_client.session


def test_apply_needs_the_previewed_token(admin_client):
    upload(admin_client, "sku;nombre;precio\nA;Uno;100\n")

    response = admin_client.post(APPLY_URL, {"token": "otro"}, follow=True)

    assert any("La vista previa expiró" in m for m in messages_of(response))
    assert not Product.objects.exists()
    assert admin_client.get(APPLY_URL).status_code == 405


def test_template_csv_download(admin_client):
    response = admin_client.get(IMPORT_URL + "plantilla.csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.startswith(b"\xef\xbb\xbfsku;nombre;precio")


def test_import_page_needs_product_permission(client):
    staff_without_perms = make_user(role="cajero")
    staff_without_perms.is_staff = True
    staff_without_perms.save()
    client.force_login(staff_without_perms)

    assert client.get(IMPORT_URL).status_code == 403
    assert client.post(APPLY_URL, {"token": "x"}).status_code == 403
