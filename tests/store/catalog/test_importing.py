"""Price-list import: parsing CSV/XLSX, row-level errors, dry run and all-or-nothing apply."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from itplus.store.catalog.importing import (
    TEMPLATE_CSV,
    PriceListError,
    PriceListHasErrors,
    price_list_import,
    price_list_parse,
)
from itplus.store.catalog.models import Barcode, Category, Product
from tests.factories import CategoryFactory, make_product, next_ean13

pytestmark = pytest.mark.django_db


def csv_bytes(text: str, encoding: str = "utf-8") -> bytes:
    return text.replace("\n", "\r\n").encode(encoding)


def parse_csv(text: str, encoding: str = "utf-8") -> list[dict]:
    return price_list_parse(file_bytes=csv_bytes(text, encoding), filename="lista.csv")


def xlsx_bytes(rows: list[list]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def snapshot() -> tuple:
    """Everything an import can touch, to prove that nothing changed."""
    return (
        list(Product.objects.order_by("pk").values()),
        list(Barcode.objects.order_by("pk").values()),
        list(Category.objects.order_by("pk").values()),
    )


def errors_of(result) -> list[str]:
    return [str(error) for error in result.errors]


# --- Parsing ------------------------------------------------------------------------


def test_parses_semicolon_csv_with_bom_and_spanish_headers():
    data = "\ufeffSKU;Nombre;Precio;Código de Barras;Categoría\nA-1;Plátano;$1.490;7801234567894;Frutas\n"

    rows = price_list_parse(file_bytes=data.encode("utf-8"), filename="LISTA.CSV")

    assert rows == [
        {
            "fila": 2,
            "sku": "A-1",
            "nombre": "Plátano",
            "precio": "$1.490",
            "codigo_barras": "7801234567894",
            "categoria": "Frutas",
        }
    ]


def test_parses_comma_csv_with_quoted_fields():
    rows = parse_csv('sku,nombre,precio,codigo_barras\nB-1,"Vino Tinto, 750 ml",4990,"A1|B2,C3"\n')

    assert rows[0]["nombre"] == "Vino Tinto, 750 ml"
    assert rows[0]["codigo_barras"] == "A1|B2,C3"


def test_parses_latin1_csv_as_excel_writes_it():
    rows = parse_csv("sku;nombre;categoria\nC-1;Ñandú Pequeño;Lácteos\n", encoding="cp1252")

    assert rows[0]["nombre"] == "Ñandú Pequeño"
    assert rows[0]["categoria"] == "Lácteos"


def test_row_numbers_follow_the_spreadsheet_and_blank_rows_are_skipped():
    rows = parse_csv("sku;nombre\nA;Uno\n;\nB;Dos\n")

    assert [row["fila"] for row in rows] == [2, 4]


def test_unknown_columns_are_ignored_and_missing_cells_are_empty():
    rows = parse_csv("sku;color;precio\nA;rojo\n")

    assert rows == [{"fila": 2, "sku": "A", "precio": ""}]


def test_parses_xlsx_with_numbers_and_text():
    data = xlsx_bytes(
        [
            ["SKU", "Nombre", "Precio", "Costo", "Codigo_barras", "ILA", "Exento"],
            ["X-1", "Cerveza Lager", 990, 520.0, 7802345678905, 20.5, False],
            ["X-2", "Agua", "1.290", None, "036000291452", 0, "no"],
        ]
    )

    rows = price_list_parse(file_bytes=data, filename="precios.xlsx")

    assert rows[0] == {
        "fila": 2,
        "sku": "X-1",
        "nombre": "Cerveza Lager",
        "precio": "990",
        "costo": "520",
        "codigo_barras": "7802345678905",
        "ila": "20,5",
        "exento": "no",
    }
    assert rows[1]["precio"] == "1.290"
    assert rows[1]["costo"] == ""


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"nombre;precio\nLeche;100\n", "a.csv", "Falta la columna obligatoria «sku»"),
        (b"", "a.csv", "El archivo est\u00e1 vac\u00edo"),
        (b"sku;SKU\nA;B\n", "a.csv", "La columna «sku» está repetida"),
        (b"sku\nA\n", "a.pdf", "Formato no soportado"),
        (b"not a zip", "a.xlsx", "No se pudo leer el archivo Excel"),
    ],
)
def test_unreadable_files_are_rejected_with_a_reason(data, filename, message):
    with pytest.raises(PriceListError) as exc:
        price_list_parse(file_bytes=data, filename=filename)

    assert message in exc.value.message


def test_too_many_rows_are_rejected(monkeypatch):
    monkeypatch.setattr("itplus.store.catalog.importing.MAX_ROWS", 3)

    with pytest.raises(PriceListError) as exc:
        parse_csv("sku\nA\nB\nC\nD\n")

    assert "más de 3 filas" in exc.value.message


def test_template_csv_is_a_valid_price_list():
    rows = price_list_parse(file_bytes=TEMPLATE_CSV.encode("utf-8-sig"), filename="plantilla.csv")

    result = price_list_import(rows=rows, dry_run=True)

    assert not result.has_errors, errors_of(result)
    assert result.counts["crear"] == 3


# --- Planning (dry run) -------------------------------------------------------------


def test_dry_run_reports_create_update_and_unchanged_and_changes_nothing():
    code = next_ean13()
    make_product(name="Leche Entera", sku="LECHE", price_clp=1190, barcodes=[code])
    make_product(name="Pan", sku="PAN", price_clp=2490)
    before = snapshot()

    result = price_list_import(
        rows=parse_csv(
            "sku;nombre;precio\nLECHE;Leche Entera;1.290\nPAN;Pan;$2.490\nNUEVO;Yogur;450\n"
        ),
        dry_run=True,
    )

    assert [(r.row, r.sku, r.action) for r in result.rows] == [
        (2, "LECHE", "actualizar"),
        (3, "PAN", "sin cambios"),
        (4, "NUEVO", "crear"),
    ]
    assert result.rows[0].changes == ["precio: $1.190 → $1.290"]
    assert not result.applied
    assert snapshot() == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1990", 1990),
        ("1.990", 1990),
        ("$1.990", 1990),
        ("$ 1.990", 1990),
        ("1990,00", 1990),
        ("1.234.567", 1234567),
        ("0", 0),
    ],
)
def test_price_formats(text, expected):
    result = price_list_import(
        rows=parse_csv(f"sku;nombre;precio\nP;Producto;{text}\n"), dry_run=True
    )

    assert result.rows[0].values["price_clp"] == expected
    assert isinstance(result.rows[0].values["price_clp"], int)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("P;Producto;100;0", ""),
        ("P;Producto;100;10", "ila_10"),
        ("P;Producto;100;18%", "ila_18"),
        ("P;Producto;100;20,5", "ila_205"),
        ("P;Producto;100;20.5", "ila_205"),
        ("P;Producto;100;31,5", "ila_315"),
    ],
)
def test_ila_rates(line, expected):
    result = price_list_import(rows=parse_csv(f"sku;nombre;precio;ila\n{line}\n"), dry_run=True)

    assert not result.has_errors, errors_of(result)
    assert result.rows[0].values["ila_tax"] == expected


HEADER = "sku;nombre;precio;costo;codigo_barras;unidad;exento;ila;activo"


@pytest.mark.parametrize(
    ("line", "column", "message"),
    [
        (
            "A;Producto;100;;7801234567890;;;;",
            "codigo_barras",
            "Fila 2: el código 7801234567890 no es un EAN válido (dígito verificador)",
        ),
        (
            "A;Producto;100;;73513538;;;;",
            "codigo_barras",
            "Fila 2: el código 73513538 no es un EAN válido (dígito verificador)",
        ),
        (
            "A;Producto;100;;AB-12;;;;",
            "codigo_barras",
            "Fila 2: el código «AB-12» solo puede tener letras y números",
        ),
        ("A;Producto;-100;;;;;;", "precio", "Fila 2: no admite valores negativos"),
        ("A;Producto;12,5;;;;;;", "precio", "Fila 2: los pesos no llevan decimales"),
        ("A;Producto;mil;;;;;;", "precio", "Fila 2: «mil» no es un número"),
        ("A;Producto;;;;;;;", "precio", "Fila 2: falta el precio"),
        ("A;Producto;100;-5;;;;;", "costo", "Fila 2: no admite valores negativos"),
        ("A;;100;;;;;;", "nombre", "Fila 2: el nombre está vacío"),
        (";Producto;100;;;;;;", "sku", "Fila 2: falta el SKU"),
        (
            "A;Producto;100;;;;;15;",
            "ila",
            "Fila 2: tasa de ILA desconocida «15» (use 0, 10, 18, 20,5 o 31,5)",
        ),
        (
            "A;Producto;100;;;;si;20,5;",
            "ila",
            "Fila 2: un producto exento de IVA no puede llevar ILA",
        ),
        (
            "A;Producto;100;;;litro;;;",
            "unidad",
            "Fila 2: unidad desconocida «litro» (use unidad o kg)",
        ),
        ("A;Producto;100;;;;quizas;;", "exento", "Fila 2: «quizas» no es «si» ni «no»"),
        ("A;Producto;100;;;;;;tal vez", "activo", "Fila 2: «tal vez» no es «si» ni «no»"),
    ],
)
def test_row_errors_name_the_row_column_and_reason(line, column, message):
    result = price_list_import(rows=parse_csv(f"{HEADER}\n{line}\n"), dry_run=True)

    row = result.rows[0]
    assert row.action == "error"
    assert [(e.column, str(e)) for e in row.errors] == [(column, message)]


@pytest.mark.parametrize(
    "text",
    [
        "sku;nombre;precio;unidad\nJAMON;Jamón Serrano;0;kg\n",  # a new product by kg
        "sku;precio\nJAMON;0\n",  # an existing one sold by kg
        "sku;precio\nPAN;0\n",  # sold by unit, but with a scale code
        "sku;unidad\nCERO;kg\n",  # priced $0 already, now sold by kg
    ],
)
def test_a_zero_price_per_kg_is_refused(text):
    make_product(name="Jamón Serrano", sku="JAMON", price_clp=29990, unit="kg")
    make_product(name="Pan amasado", sku="PAN", price_clp=250, scale_code="00300")
    make_product(name="Bolsa", sku="CERO", price_clp=0)
    before = snapshot()

    result = price_list_import(rows=parse_csv(text), dry_run=True)

    assert [e.column for e in result.errors] == ["precio"]
    assert "etiquetas de balanza valdrían $0" in errors_of(result)[0]
    with pytest.raises(PriceListHasErrors):
        price_list_import(rows=parse_csv(text), dry_run=False)
    assert snapshot() == before


def test_a_zero_price_by_unit_is_still_accepted():
    result = price_list_import(rows=parse_csv("sku;nombre;precio\nBOLSA;Bolsa;0\n"), dry_run=False)

    assert result.applied and Product.objects.get(sku="BOLSA").price_clp == 0


@pytest.mark.parametrize("name", ["Leche\x00", "Leche\ud800"])
def test_a_nul_or_surrogate_in_a_file_cell_is_a_row_error_not_a_database_error(name):
    # The attack: a price list whose cell carries a NUL (PostgreSQL refuses to store it).
    before = snapshot()
    rows = [{"fila": "2", "sku": "NUEVO", "nombre": name, "precio": "990"}]

    result = price_list_import(rows=rows, dry_run=True)
    with pytest.raises(PriceListHasErrors):
        price_list_import(rows=rows, dry_run=False)

    assert result.rows[0].action == "error"
    assert errors_of(result)[0].startswith("Fila 2: la columna «nombre» contiene un carácter")
    assert snapshot() == before


def test_new_product_needs_name_and_price():
    result = price_list_import(rows=parse_csv("sku;costo\nNUEVO;100\n"), dry_run=True)

    assert errors_of(result) == [
        "Fila 2: falta el nombre del producto nuevo NUEVO",
        "Fila 2: falta el precio del producto nuevo NUEVO",
    ]


def test_barcode_of_another_product_is_an_error():
    code = next_ean13()
    make_product(name="Azúcar Iansa", sku="AZU", barcodes=[code])

    result = price_list_import(
        rows=parse_csv(
            f"sku;nombre;precio;codigo_barras\nSAL;Sal;500;{code}\nAZU;Azúcar Iansa;1000;{code}\n"
        ),
        dry_run=True,
    )

    assert errors_of(result) == [
        f"Fila 2: el código {code} ya pertenece a «Azúcar Iansa» (SKU AZU)"
    ]
    assert result.rows[1].action == "sin cambios"


def test_duplicates_within_the_file_are_errors_on_the_later_row():
    code = next_ean13()

    result = price_list_import(
        rows=parse_csv(
            "sku;nombre;precio;codigo_barras\n"
            f"A;Uno;100;{code}\n"
            "B;Dos;200;\n"
            f"C;Tres;300;{code}\n"
            "A;Uno otra vez;100;\n"
        ),
        dry_run=True,
    )

    assert errors_of(result) == [
        f"Fila 4: el código {code} se repite en la fila 2",
        "Fila 5: el SKU A ya aparece en la fila 2",
    ]
    assert [r.action for r in result.rows] == ["crear", "crear", "error", "error"]


def test_exempt_in_the_file_clashes_with_the_ila_already_on_the_product():
    make_product(sku="VINO", ila_tax="ila_205")

    result = price_list_import(rows=parse_csv("sku;exento\nVINO;si\n"), dry_run=True)

    assert errors_of(result) == ["Fila 2: un producto exento de IVA no puede llevar ILA"]


def test_several_barcodes_and_a_leading_zero_lost_by_excel():
    first = next_ean13()

    result = price_list_import(
        rows=parse_csv(
            f'sku;nombre;precio;codigo_barras\nA;Uno;100;"{first} | 36000291452,INT7"\n'
        ),
        dry_run=True,
    )

    assert not result.has_errors, errors_of(result)
    assert result.rows[0].new_codes == [first, "036000291452", "INT7"]


def test_absent_columns_and_empty_cells_leave_fields_untouched():
    category = CategoryFactory(name="Bebidas")
    make_product(
        name="Jugo", sku="JUGO", price_clp=990, cost_clp=500, category=category, ila_tax="ila_10"
    )

    result = price_list_import(
        rows=parse_csv("sku;precio;costo;categoria;ila\nJUGO;990;;;\n"), dry_run=True
    )

    assert result.rows[0].action == "sin cambios"


def test_category_match_ignores_case_and_accents():
    category = CategoryFactory(name="Lácteos")
    make_product(sku="LECHE", category=category)

    result = price_list_import(rows=parse_csv("sku;categoria\nLECHE;LACTEOS\n"), dry_run=True)

    assert result.rows[0].action == "sin cambios"


# --- Applying -----------------------------------------------------------------------


def test_apply_creates_and_updates_in_one_go():
    old_code, new_code = next_ean13(), next_ean13()
    make_product(name="Leche Entera", sku="LECHE", price_clp=1190, barcodes=[old_code])
    CategoryFactory(name="Frutas")

    result = price_list_import(
        rows=parse_csv(
            f"{HEADER};categoria\n"
            f"LECHE;Leche Entera Colun;1.290;800;{new_code};;;;;Lácteos\n"
            "PLAT;Plátano;1.490;900;;kg;si;0;si;frutas\n"
            "PISCO;Pisco 35°;6.990;4000;PISCO35;unidad;no;31,5;no;Licores\n"
        ),
        dry_run=False,
    )

    assert result.applied
    assert result.counts == {"crear": 2, "actualizar": 1, "sin cambios": 0, "error": 0}
    milk = Product.objects.get(sku="LECHE")
    assert (milk.name, milk.price_clp, milk.cost_clp) == ("Leche Entera Colun", 1290, 800)
    assert milk.search_text == "leche entera colun leche"
    assert milk.category.name == "Lácteos"
    assert set(milk.barcodes.values_list("code", flat=True)) == {old_code, new_code}
    banana = Product.objects.get(sku="PLAT")
    assert (banana.unit, banana.is_exempt, banana.price_clp) == ("kg", True, 1490)
    assert banana.category.name == "Frutas"
    pisco = Product.objects.get(sku="PISCO")
    assert (pisco.ila_tax, pisco.is_active) == ("ila_315", False)
    assert list(pisco.barcodes.values_list("code", flat=True)) == ["PISCO35"]
    assert Category.objects.filter(name__iexact="frutas").count() == 1


def test_applied_products_are_found_by_the_till():
    from itplus.store.catalog.selectors import product_resolve_code, product_search

    code = next_ean13()
    price_list_import(
        rows=parse_csv(f"sku;nombre;precio;codigo_barras\nP1;Plátano;1490;{code}\n"), dry_run=False
    )

    assert product_resolve_code(code=code).product.sku == "P1"
    assert [p.sku for p in product_search(query="platano")] == ["P1"]


def test_apply_is_refused_while_any_row_has_an_error():
    make_product(sku="LECHE", price_clp=1190)
    before = snapshot()

    with pytest.raises(PriceListHasErrors) as exc:
        price_list_import(
            rows=parse_csv(
                "sku;nombre;precio;categoria\nLECHE;Leche;1290;Nueva\nNUEVO;;100;Otra\n"
            ),
            dry_run=False,
        )

    assert "1 fila con errores" in exc.value.message
    assert errors_of(exc.value.result) == ["Fila 3: el nombre está vacío"]
    assert snapshot() == before


def test_apply_xlsx():
    code = next_ean13()
    data = xlsx_bytes(
        [
            ["sku", "nombre", "precio", "codigo_barras", "ila", "unidad"],
            ["CERV", "Cerveza", 990, int(code), 20.5, "unidad"],
            ["QUESO", "Queso Gauda", "$9.990", None, None, "kg"],
        ]
    )

    result = price_list_import(
        rows=price_list_parse(file_bytes=data, filename="p.xlsx"), dry_run=False
    )

    assert result.applied
    beer = Product.objects.get(sku="CERV")
    assert (beer.price_clp, beer.ila_tax) == (990, "ila_205")
    assert beer.barcodes.get().code == code
    assert Product.objects.get(sku="QUESO").unit == "kg"


def test_reapplying_the_same_file_changes_nothing():
    rows = parse_csv("sku;nombre;precio\nA;Uno;100\nB;Dos;200\n")
    price_list_import(rows=rows, dry_run=False)
    before = snapshot()

    result = price_list_import(rows=rows, dry_run=False)

    assert result.counts["sin cambios"] == 2
    assert snapshot() == before


def test_large_file_is_checked_with_few_queries(django_assert_max_num_queries):
    lines = "".join(f"S{n};Producto {n};{n}\n" for n in range(2000))
    rows = parse_csv("sku;nombre;precio\n" + lines)

    with django_assert_max_num_queries(12):
        result = price_list_import(rows=rows, dry_run=True)

    assert result.counts["crear"] == 2000
    price_list_import(rows=rows, dry_run=False)
    assert Product.objects.filter(sku__startswith="S").count() == 2000
    assert Product.objects.get(sku="S1999").price_clp == 1999


# --- Command ------------------------------------------------------------------------


def test_command_is_a_dry_run_by_default_and_applies_with_flag(tmp_path, capsys):
    path = tmp_path / "lista.csv"
    path.write_bytes(csv_bytes("sku;nombre;precio\nA;Uno;100\n"))

    call_command("import_prices", str(path))
    assert "Fila 2: crear A Uno" in capsys.readouterr().out
    assert not Product.objects.filter(sku="A").exists()

    call_command("import_prices", str(path), "--apply")
    assert "Lista de precios aplicada." in capsys.readouterr().out
    assert Product.objects.filter(sku="A").exists()


def test_command_reports_errors_and_exits_with_1(tmp_path, capsys):
    path = tmp_path / "lista.csv"
    path.write_bytes(csv_bytes("sku;nombre;precio\nA;Uno;-100\n"))

    with pytest.raises(CommandError) as exc:
        call_command("import_prices", str(path), "--apply")

    assert exc.value.returncode == 1
    assert "Fila 2: no admite valores negativos [precio]" in capsys.readouterr().out
    assert not Product.objects.exists()
