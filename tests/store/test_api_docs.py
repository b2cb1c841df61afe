"""/api/docs: Swagger UI from the package's static files, also without internet."""

from tests.local_assets import assert_page_assets_are_local


def test_the_api_docs_load_swagger_from_this_server(client, db):
    urls = assert_page_assets_are_local(client, "/api/docs")

    assert any(url.endswith("swagger-ui-bundle.js") for url in urls)
