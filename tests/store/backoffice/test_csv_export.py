import csv
import io

from tests.factories import make_customer, make_product, make_sale, make_user


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))


def test_product_list_exports_what_the_search_shows(client, db):
    client.force_login(make_user(role="administrador"))
    make_product(name="Plátano", sku="FRU-1", price_clp=1290)
    make_product(name="Leche", sku="LAC-1", price_clp=1190)

    response = client.get("/admin/catalog/product/exportar.csv", {"q": "platano"})

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    assert rows[0][:2] == ["SKU", "nombre"]
    assert [r[:2] for r in rows[1:]] == [["FRU-1", "Plátano"]]


def test_sales_export_has_totals_and_local_dates(client, terminal, cashier, product):
    make_sale(terminal=terminal, cashier=cashier, products=[product])
    client.force_login(make_user(role="administrador"))

    rows = _csv(client.get("/admin/sales/sale/exportar.csv"))

    header, (row,) = rows[0], rows[1:]
    assert row[header.index("total")] == "1190"
    assert row[header.index("fecha")].count(":") == 2  # local time, to the second


def test_cashier_cannot_export(client, db):
    client.force_login(make_user(role="cajero"))
    response = client.get("/admin/sales/sale/exportar.csv")
    assert response.status_code in (302, 403)


def test_changelist_shows_the_export_button(client, db):
    client.force_login(make_user(role="administrador"))
    page = client.get("/admin/sales/sale/").content.decode()
    assert "exportar.csv" in page and "Exportar CSV" in page


def test_a_customer_named_like_a_formula_is_exported_as_text(client, db):
    # The attack: a customer created at the till with a formula for a name.
    client.force_login(make_user(role="administrador"))
    evil = '=HYPERLINK("http://malo.example/pagar","Pagar")'
    make_customer(name=evil, giro="@SUM(A1:A9)")

    rows = _csv(client.get("/admin/customers/customer/exportar.csv", {"q": "HYPERLINK"}))

    row = rows[1]
    assert "'" + evil in row and "'@SUM(A1:A9)" in row
    assert evil not in row
