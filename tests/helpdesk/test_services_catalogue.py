import pytest

from itplus.helpdesk.services.services import service_upsert, services_install_defaults
from tests.local_assets import assert_page_assets_are_local


def test_five_published_services(catalogue):
    assert [s.code for s in catalogue] == [
        "reinstalacion-remota",
        "reinstalacion-domicilio",
        "soporte-online",
        "servicio-tecnico",
        "asistencia-terreno",
    ]
    on_site = {s.code for s in catalogue if s.on_site}
    assert on_site == {"reinstalacion-domicilio", "asistencia-terreno"}
    remote = catalogue[0]
    assert remote.duration_minutes == 90 and isinstance(remote.price_clp, int)
    assert catalogue[1].remote_alternative == remote


def test_installing_again_keeps_staff_edits(catalogue):
    remote = catalogue[0]
    remote.price_clp = 39_990
    remote.save()
    services_install_defaults()
    remote.refresh_from_db()
    assert remote.price_clp == 39_990


def test_price_must_be_integer_pesos(db):
    with pytest.raises(ValueError):
        service_upsert(code="x", name="X", description="", price_clp=1.5, duration_minutes=10)


def test_public_api_lists_services_as_json(client, catalogue):
    response = client.get("/api/v1/services")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert len(data) == 5
    first = data[0]
    assert first["code"] == "reinstalacion-remota"
    assert first["name"] == "Reinstalación remota del software"
    assert first["price_clp"] == 35_000 and first["duration_minutes"] == 90
    assert first["on_site"] is False
    assert first["buy_url"] == "http://testserver/comprar/reinstalacion-remota/"


def test_inactive_services_are_not_listed(client, catalogue):
    catalogue[4].active = False
    catalogue[4].save()
    assert "asistencia-terreno" not in {s["code"] for s in client.get("/api/v1/services").json()}
    assert client.get("/comprar/asistencia-terreno/").status_code == 404


def test_openapi_documents_the_endpoint(client, db):
    schema = client.get("/api/openapi.json").json()
    assert "/api/v1/services" in schema["paths"]
    assert client.get("/api/docs").status_code == 200


def test_catalogue_page_has_a_buy_button_per_service(client, catalogue):
    page = client.get("/").content.decode()
    for service in catalogue:
        assert f'href="/comprar/{service.code}/"' in page
    assert page.count(">Comprar</a>") == 5
    assert "$35.000" in page and "IVA incluido" in page
    assert "solo Santiago" in page


def test_the_api_docs_load_swagger_from_this_server(client, db):
    urls = assert_page_assets_are_local(client, "/api/docs")

    assert any(url.endswith("swagger-ui-bundle.js") for url in urls)
