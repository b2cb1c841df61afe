"""The "Mantención" page: access by role, backups (create, verify, download), audit."""

import pytest
from django.db.models import F
from django.urls import reverse

from itplus.store.config import config_section_set, save_config
from itplus.store.maintenance.backup import backup_create
from itplus.store.maintenance.backup_folder import backup_list
from itplus.store.sales.models import Sale
from tests.factories import make_product, make_sale, make_terminal, make_user
from tests.store.conftest import STORE_IDENTITY

INDEX = reverse("maintenance:index")


@pytest.fixture
def home(settings, tmp_path):
    """A store home of its own whose backups go to tmp_path/respaldos."""
    settings.ITPLUS_HOME = tmp_path / "home"
    settings.BACKUPS_DIR = settings.ITPLUS_HOME / "backups"
    settings.ITPLUS_HOME.mkdir()
    folder = tmp_path / "respaldos"
    save_config(settings.ITPLUS_HOME, {"store": STORE_IDENTITY, "backup": {"folder": str(folder)}})
    return folder


@pytest.fixture
def sales(db):
    terminal = make_terminal()
    cashier = make_user(role="cajero")
    product = make_product(price_clp=1500)
    return [make_sale(terminal=terminal, cashier=cashier, products=[product]) for _ in range(3)]


def login(client, role):
    user = make_user(role=role)
    client.force_login(user)
    return user


# --- access -----------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, db, home):
    response = client.get(INDEX)

    assert response.status_code == 302
    assert response.url.startswith("/login/")


@pytest.mark.parametrize(
    "url",
    [
        INDEX,
        reverse("maintenance:audit"),
        reverse("maintenance:guide"),
        reverse("maintenance:backup_download", args=["x.itpbak"]),
    ],
)
def test_cashier_is_refused(client, db, home, url):
    login(client, "cajero")

    assert client.get(url).status_code == 403


def test_cashier_cannot_create_a_backup(client, db, home):
    login(client, "cajero")

    assert client.post(reverse("maintenance:backup_create")).status_code == 403
    assert not home.exists()


def test_supervisor_sees_the_page_read_only(client, db, home):
    login(client, "supervisor")

    response = client.get(INDEX)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Respaldos" in content and "Auditoría" in content
    assert "Crear respaldo ahora" not in content
    assert client.post(reverse("maintenance:backup_create")).status_code == 403
    assert not home.exists()


def test_admin_sees_the_actions_and_the_admin_index_links_here(client, db, home):
    login(client, "administrador")

    page = client.get(INDEX).content.decode()
    admin_index = client.get(reverse("admin:index")).content.decode()

    assert "Crear respaldo ahora" in page
    assert "Todavía no hay respaldos" in page
    assert f'href="{INDEX}"' in admin_index and "Mantención" in admin_index


def test_create_needs_post(client, db, home):
    login(client, "administrador")

    assert client.get(reverse("maintenance:backup_create")).status_code == 405


# --- audit --------------------------------------------------------------------------------


def test_audit_of_a_clean_store(client, sales, home):
    login(client, "supervisor")

    response = client.get(reverse("maintenance:audit"))

    content = response.content.decode()
    assert "Sin problemas" in content
    assert "3 documentos revisados" in content


def test_audit_names_a_tampered_document(client, sales, home):
    Sale.objects.filter(pk=sales[1].pk).update(
        total_clp=F("total_clp") + 990, net_clp=F("net_clp") + 990
    )
    login(client, "administrador")

    content = client.get(reverse("maintenance:audit")).content.decode()

    assert "Sin problemas" not in content
    label = f"Boleta {sales[1].series.code} N° 2"
    assert f"{label}: el total no coincide con la suma de sus líneas" in content


def test_the_index_does_not_run_the_audit(client, sales, home, django_assert_max_num_queries):
    login(client, "administrador")

    with django_assert_max_num_queries(10):
        content = client.get(INDEX).content.decode()

    assert "Ejecutar auditoría" in content and "Sin problemas" not in content


# --- backups (the real backup helper) ------------------------------------------------------


@pytest.fixture
def live(transactional_db, scratch_aliases, home):
    """Backups read the database from their own connections: real commits needed."""
    return home


def test_admin_creates_a_backup_and_sees_it_listed(client, live):
    terminal = make_terminal()
    make_sale(terminal=terminal, cashier=make_user(), products=[make_product()])
    login(client, "administrador")

    response = client.post(reverse("maintenance:backup_create"), follow=True)

    files = sorted(live.glob("*.itpbak"))
    assert len(files) == 1
    content = response.content.decode()
    assert f"Respaldo creado: {files[0].name}" in content
    assert files[0].name in content
    # the prune after it had no good backup to protect yet, so it verified this one
    assert "mnt-status-ok" in content


def test_verify_marks_the_backup_good(client, live):
    result = backup_create(to=live)
    login(client, "administrador")

    response = client.post(
        reverse("maintenance:backup_verify", args=[result.path.name]), follow=True
    )

    content = response.content.decode()
    assert "verificado, el respaldo está bueno" in content
    assert "verificado el " in content
    assert "Bueno" in content
    assert [info.status for info in backup_list(folder=live)] == ["ok"]


def test_verify_reports_a_damaged_backup(client, live):
    result = backup_create(to=live)
    data = bytearray(result.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    result.path.write_bytes(bytes(data))
    login(client, "administrador")

    response = client.post(
        reverse("maintenance:backup_verify", args=[result.path.name]), follow=True
    )

    content = response.content.decode()
    assert "el respaldo NO está bueno" in content
    assert "Dañado" in content


def test_download(client, live):
    result = backup_create(to=live)
    login(client, "administrador")

    response = client.get(reverse("maintenance:backup_download", args=[result.path.name]))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert result.path.name in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == result.path.read_bytes()


def test_supervisor_cannot_download(client, live):
    result = backup_create(to=live)
    login(client, "supervisor")

    assert (
        client.get(reverse("maintenance:backup_download", args=[result.path.name])).status_code
        == 403
    )
    assert (
        client.post(reverse("maintenance:backup_verify", args=[result.path.name])).status_code
        == 403
    )


@pytest.mark.parametrize("name", ["no-existe.itpbak", "..", "secret.key", "itplus.toml"])
def test_download_only_serves_listed_backups(client, db, home, settings, name):
    home.mkdir()
    (home / "secret.key").write_text("no")
    login(client, "administrador")

    response = client.get(reverse("maintenance:backup_download", args=[name]))

    assert response.status_code == 404


def test_a_failed_backup_shows_its_reason(client, db, home, settings):
    config_section_set(
        settings.ITPLUS_HOME,
        "backup",
        {"folder": str(home), "passphrase_file": str(home.parent / "falta.txt")},
    )
    login(client, "administrador")

    response = client.post(reverse("maintenance:backup_create"), follow=True)

    content = response.content.decode()
    assert "No se pudo crear el respaldo" in content
    assert "frase de paso" in content


# --- guide --------------------------------------------------------------------------------


def test_guide_page(client, db, home):
    login(client, "supervisor")

    response = client.get(reverse("maintenance:guide"))

    content = response.content.decode()
    assert response.status_code == 200
    assert "backup verify --all" in content and "reinstall --from" in content
