"""Price-list import: a CSV or XLSX file from the shop's spreadsheet or a supplier,
checked row by row (dry run) and then applied all at once.

Two steps, so the back office and ``itplus import_prices`` can show a preview first:

- ``price_list_parse`` reads the file into row dicts keyed by canonical column names;
- ``price_list_import`` validates every row against the catalog and, unless it is a dry
  run, applies all of them in one transaction, and only when no row has an error.

Column semantics: a column absent from the file leaves that field untouched on existing
products (a file with only ``sku;precio`` changes prices). Barcodes listed are added to
the product; the import never removes a barcode (do that in the product's page).
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from itplus.core.barcodes import is_valid_gs1
from itplus.core.errors import BusinessError
from itplus.core.input_hygiene import text_problem
from itplus.core.money import format_clp
from itplus.core.numbers import InvalidNumber, parse_amount_clp
from itplus.core.text import fold
from itplus.store.catalog.models import (
    Barcode,
    Category,
    IlaTax,
    Product,
    SaleUnit,
    validate_barcode,
)
from itplus.store.catalog.services import catalog_changes_record, product_search_text

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
ROW_KEY = "fila"  # spreadsheet row number in each parsed row dict (header is row 1)

COLUMNS = (
    "sku",
    "nombre",
    "precio",
    "costo",
    "codigo_barras",
    "categoria",
    "unidad",
    "exento",
    "ila",
    "activo",
)
# Header spellings accepted besides the canonical names (compared folded: lower case,
# no accents, spaces and dashes as underscores).
HEADER_ALIASES = {
    "codigo_de_barras": "codigo_barras",
    "codigos_de_barras": "codigo_barras",
    "codigos_barras": "codigo_barras",
    "ean": "codigo_barras",
    "descripcion": "nombre",
    "producto": "nombre",
    "precio_venta": "precio",
    "costo_neto": "costo",
    "unidad_de_venta": "unidad",
    "exento_iva": "exento",
    "exento_de_iva": "exento",
}

TEMPLATE_CSV = (
    "sku;nombre;precio;costo;codigo_barras;categoria;unidad;exento;ila;activo\r\n"
    "LECHE-1L;Leche Entera 1 L;1.190;850;7801234567894;Lácteos;unidad;no;0;si\r\n"
    "PLATANO;Plátano;1.490;900;;Frutas y verduras;kg;si;0;si\r\n"
    "CERV-350;Cerveza Lager 350 ml;990;520;7802345678905|7802345678912;Cervezas;unidad;no;20,5;si\r\n"
)

ILA_BY_RATE = {
    Decimal("0"): IlaTax.NONE,
    Decimal("10"): IlaTax.ILA_10,
    Decimal("18"): IlaTax.ILA_18,
    Decimal("20.5"): IlaTax.ILA_205,
    Decimal("31.5"): IlaTax.ILA_315,
}
UNIT_WORDS = {
    "unidad": SaleUnit.UNIT,
    "unidades": SaleUnit.UNIT,
    "un": SaleUnit.UNIT,
    "u": SaleUnit.UNIT,
    "und": SaleUnit.UNIT,
    "kg": SaleUnit.KILO,
    "kilo": SaleUnit.KILO,
    "kilos": SaleUnit.KILO,
    "kilogramo": SaleUnit.KILO,
    "granel": SaleUnit.KILO,
}
YES = {"si", "s", "1", "x", "true", "verdadero", "yes"}
NO = {"no", "n", "0", "false", "falso"}
MAX_PRICE_CLP = 999_999_999
BATCH = 500


class PriceListError(BusinessError):
    """The file as a whole cannot be read (format, size, missing column)."""

    code = "lista_de_precios_invalida"


class PriceListHasErrors(BusinessError):
    """Applying was refused: some rows have errors. ``result`` holds the report."""

    code = "lista_de_precios_con_errores"
    status = 422

    def __init__(self, result: ImportResult):
        super().__init__(
            ngettext(
                "No se aplicó la lista: %(count)d fila con errores.",
                "No se aplicó la lista: %(count)d filas con errores.",
                result.counts["error"],
            )
            % {"count": result.counts["error"]}
        )
        self.result = result


class RowAction:
    CREATE = "crear"
    UPDATE = "actualizar"
    UNCHANGED = "sin cambios"
    ERROR = "error"

    LABELS = {
        CREATE: gettext_lazy("crear"),
        UPDATE: gettext_lazy("actualizar"),
        UNCHANGED: gettext_lazy("sin cambios"),
        ERROR: gettext_lazy("error"),
    }


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return _("Fila %(row)d: %(message)s") % {"row": self.row, "message": self.message}


@dataclass
class ImportRow:
    row: int
    sku: str
    name: str = ""
    action: str = RowAction.ERROR
    errors: list[RowError] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # Spanish "campo: antes → después"
    # Parsed values for the fields present in the file (model field names).
    values: dict[str, Any] = field(default_factory=dict)
    new_codes: list[str] = field(default_factory=list)
    category_name: str | None = None  # set when the "categoria" column is present

    @property
    def action_label(self) -> str:
        return str(RowAction.LABELS[self.action])

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.row, column, message))


@dataclass
class ImportResult:
    rows: list[ImportRow]
    applied: bool = False

    @property
    def counts(self) -> dict[str, int]:
        counts = {
            RowAction.CREATE: 0,
            RowAction.UPDATE: 0,
            RowAction.UNCHANGED: 0,
            RowAction.ERROR: 0,
        }
        for row in self.rows:
            counts[row.action] += 1
        return counts

    @property
    def has_errors(self) -> bool:
        return any(row.errors for row in self.rows)

    @property
    def errors(self) -> list[RowError]:
        return [error for row in self.rows for error in row.errors]

    def report_lines(self, *, verbose: bool = False) -> list[str]:
        """The plain-text report the CLI prints (errors, then planned changes)."""
        lines = [str(error) + f" [{error.column}]" for error in self.errors]
        for row in self.rows:
            if row.action in (RowAction.CREATE, RowAction.UPDATE) or (
                verbose and row.action == RowAction.UNCHANGED
            ):
                detail = "; ".join(row.changes)
                lines.append(
                    _("Fila %(row)d: %(action)s %(sku)s %(name)s")
                    % {"row": row.row, "action": row.action_label, "sku": row.sku, "name": row.name}
                    + (f" ({detail})" if detail else "")
                )
        counts = self.counts
        lines.append(
            _(
                "Filas: %(total)d — crear: %(create)d, actualizar: %(update)d, "
                "sin cambios: %(unchanged)d, con errores: %(error)d."
            )
            % {
                "total": len(self.rows),
                "create": counts[RowAction.CREATE],
                "update": counts[RowAction.UPDATE],
                "unchanged": counts[RowAction.UNCHANGED],
                "error": counts[RowAction.ERROR],
            }
        )
        return lines


# --- Reading the file -------------------------------------------------------------


def _header_key(text: str) -> str:
    key = re.sub(r"[\s\-./]+", "_", fold(str(text or ""))).strip("_")
    return HEADER_ALIASES.get(key, key)


def _decode(file_bytes: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 as Excel in Chile writes it."""
    if file_bytes.startswith(b"\xef\xbb\xbf"):
        return file_bytes[3:].decode("utf-8", errors="replace")
    try:
        return file_bytes.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return file_bytes.decode("cp1252")
    except UnicodeDecodeError:
        return file_bytes.decode("latin-1")  # every byte decodes


def _csv_rows(file_bytes: bytes) -> Iterator[list[str]]:
    text = _decode(file_bytes)
    first_line = text.split("\n", 1)[0]
    # Headers never contain the delimiter, so the most frequent candidate wins.
    delimiter = max((";", ",", "\t"), key=first_line.count)
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _cell_text(value: Any) -> str:
    """A spreadsheet cell as the text a person would type (Chilean decimal comma)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "si" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        number = Decimal(repr(value)) if isinstance(value, float) else value
        if number == number.to_integral_value():
            return str(int(number))
        return format(number.normalize(), "f").replace(".", ",")
    return str(value).strip()


def _xlsx_rows(file_bytes: bytes) -> Iterator[list[str]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(file_bytes), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise PriceListError(_("No se pudo leer el archivo Excel: %(error)s") % {"error": exc})
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in values]
    finally:
        workbook.close()


def price_list_parse(*, file_bytes: bytes, filename: str) -> list[dict[str, str]]:
    """Read a price list into one dict per data row: canonical column name → text, plus
    ``fila`` (the spreadsheet row number). Only columns present in the file appear.

    Raises PriceListError for an unreadable file, an unknown format, a missing ``sku``
    column, repeated columns or too many rows/bytes.
    """
    if len(file_bytes) > MAX_FILE_BYTES:
        raise PriceListError(
            _("El archivo pesa más de %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    name = filename.lower()
    if name.endswith(".xlsx"):
        source = _xlsx_rows(file_bytes)
    elif name.endswith((".csv", ".txt")):
        source = _csv_rows(file_bytes)
    else:
        raise PriceListError(_("Formato no soportado: suba un archivo .csv o .xlsx."))

    header: list[str | None] | None = None
    rows: list[dict[str, str]] = []
    for number, cells in enumerate(source, start=1):
        if not any((cell or "").strip() for cell in cells):
            continue
        if header is None:
            header = _read_header(cells)
            continue
        if len(rows) >= MAX_ROWS:
            raise PriceListError(
                _("El archivo tiene más de %(max)s filas; divídalo en partes.")
                % {"max": f"{MAX_ROWS:,}".replace(",", ".")}
            )
        row = {ROW_KEY: number}
        for index, column in enumerate(header):
            if column is not None:
                row[column] = (cells[index] if index < len(cells) else "").strip()
        rows.append(row)
    if header is None:
        raise PriceListError(_("El archivo está vacío."))
    return rows


def _read_header(cells: list[str]) -> list[str | None]:
    header: list[str | None] = []
    for cell in cells:
        key = _header_key(cell)
        if key in COLUMNS:
            if key in header:
                raise PriceListError(_("La columna «%(column)s» está repetida.") % {"column": key})
            header.append(key)
        else:
            header.append(None)  # unknown columns are ignored
    if "sku" not in header:
        raise PriceListError(
            _("Falta la columna obligatoria «sku». Columnas reconocidas: %(columns)s.")
            % {"columns": ", ".join(COLUMNS)}
        )
    return header


# --- Validating rows ----------------------------------------------------------------


def _parse_bool(text: str) -> bool:
    word = fold(text)
    if word in YES:
        return True
    if word in NO:
        return False
    raise ValueError(_("«%(value)s» no es «si» ni «no»") % {"value": text})


def _parse_ila(text: str) -> str:
    cleaned = text.replace("%", "").replace(" ", "").replace(",", ".")
    try:
        rate = Decimal(cleaned)
    except InvalidOperation:
        rate = None
    if rate is not None and Decimal("0") < rate < Decimal("1"):
        rate *= 100  # written as a fraction: 0,205
    if rate is None or rate not in ILA_BY_RATE:
        raise ValueError(
            _("tasa de ILA desconocida «%(value)s» (use 0, 10, 18, 20,5 o 31,5)") % {"value": text}
        )
    return ILA_BY_RATE[rate]


def _split_codes(text: str) -> list[str]:
    codes = []
    for part in re.split(r"[|,]", text):
        code = part.strip().replace(" ", "")
        # Excel drops a UPC-A's leading zero when the column is numeric.
        if (
            len(code) == 11
            and code.isdigit()
            and not is_valid_gs1(code)
            and is_valid_gs1("0" + code)
        ):
            code = "0" + code
        if code and code not in codes:
            codes.append(code)
    return codes


def _barcode_problem(code: str) -> str | None:
    try:
        validate_barcode(code)
    except ValidationError:
        if code.isdigit() and len(code) in (8, 12, 13):
            return _("el código %(code)s no es un EAN válido (dígito verificador)") % {"code": code}
        return _("el código «%(code)s» solo puede tener letras y números") % {"code": code}
    if len(code) > Barcode._meta.get_field("code").max_length:
        return _("el código «%(code)s» es demasiado largo") % {"code": code}
    return None


def _parse_row(raw: dict[str, str]) -> ImportRow:
    """Turn one row's text into typed values, recording every problem found."""
    row = ImportRow(row=int(raw[ROW_KEY]), sku=raw.get("sku", ""))
    # A file is input like any request: a NUL or a lone surrogate cannot be stored.
    for column, text in raw.items():
        if column != ROW_KEY and (reason := text_problem(text)):
            row.error(
                column,
                _("la columna «%(column)s» %(reason)s") % {"column": column, "reason": reason},
            )
    if row.errors:
        return row
    values = row.values
    if not row.sku:
        row.error("sku", _("falta el SKU"))
    elif len(row.sku) > Product._meta.get_field("sku").max_length:
        row.error("sku", _("el SKU «%(sku)s» es demasiado largo") % {"sku": row.sku})
    if "nombre" in raw:
        row.name = raw["nombre"]
        if not row.name:
            row.error("nombre", _("el nombre está vacío"))
        elif len(row.name) > Product._meta.get_field("name").max_length:
            row.error("nombre", _("el nombre es demasiado largo (máximo 120 caracteres)"))
        else:
            values["name"] = row.name
    for column, field_name, required in (
        ("precio", "price_clp", True),
        ("costo", "cost_clp", False),
    ):
        if column not in raw:
            continue
        text = raw[column]
        if not text:
            if required:
                row.error(column, _("falta el precio"))
            continue
        try:
            values[field_name] = parse_amount_clp(text, field=column, maximum=MAX_PRICE_CLP)
        except InvalidNumber as exc:
            row.error(column, exc.detail.rstrip("."))  # the row's message names the column
    if raw.get("unidad"):
        unit = UNIT_WORDS.get(fold(raw["unidad"]))
        if unit is None:
            row.error(
                "unidad",
                _("unidad desconocida «%(value)s» (use unidad o kg)") % {"value": raw["unidad"]},
            )
        else:
            values["unit"] = unit
    for column, field_name in (("exento", "is_exempt"), ("activo", "is_active")):
        if raw.get(column):
            try:
                values[field_name] = _parse_bool(raw[column])
            except ValueError as exc:
                row.error(column, str(exc))
    if raw.get("ila"):
        try:
            values["ila_tax"] = _parse_ila(raw["ila"])
        except ValueError as exc:
            row.error("ila", str(exc))
    if raw.get("categoria"):
        row.category_name = raw["categoria"][: Category._meta.get_field("name").max_length]
    if raw.get("codigo_barras"):
        for code in _split_codes(raw["codigo_barras"]):
            problem = _barcode_problem(code)
            if problem:
                row.error("codigo_barras", problem)
            else:
                row.new_codes.append(code)
    return row


def _chunks(items: list, size: int = BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


FIELD_LABELS = {
    "name": gettext_lazy("nombre"),
    "price_clp": gettext_lazy("precio"),
    "cost_clp": gettext_lazy("costo"),
    "unit": gettext_lazy("unidad"),
    "is_exempt": gettext_lazy("exento"),
    "ila_tax": gettext_lazy("ILA"),
    "is_active": gettext_lazy("activo"),
    "category": gettext_lazy("categoría"),
}


def _show(field_name: str, value: Any) -> str:
    if field_name in ("price_clp", "cost_clp"):
        return format_clp(value)
    if isinstance(value, bool):
        return _("sí") if value else _("no")
    if field_name == "ila_tax":
        return str(IlaTax(value).label)
    return str(value) if value not in (None, "") else "—"


def _plan(rows: list[dict[str, str]]) -> list[ImportRow]:
    """Validate every row against the file itself and the catalog, and decide what
    each row would do. Reads only; the same plan is then applied or shown."""
    parsed = [_parse_row(raw) for raw in rows]

    skus = [row.sku for row in parsed if row.sku]
    existing: dict[str, Product] = {}
    for chunk in _chunks(skus):
        for product in Product.objects.filter(sku__in=chunk).select_related("category"):
            existing[product.sku] = product
    codes = [code for row in parsed for code in row.new_codes]
    owners: dict[str, tuple[str, str]] = {}  # code → (sku, name) of its product today
    for chunk in _chunks(codes):
        for code, sku, name in Barcode.objects.filter(code__in=chunk).values_list(
            "code", "product__sku", "product__name"
        ):
            owners[code] = (sku, name)
    categories = {fold(c.name): c for c in Category.objects.all()}

    sku_rows: dict[str, int] = {}
    code_rows: dict[str, int] = {}
    for row in parsed:
        if row.sku:
            if row.sku in sku_rows:
                row.error(
                    "sku",
                    _("el SKU %(sku)s ya aparece en la fila %(other)d")
                    % {"sku": row.sku, "other": sku_rows[row.sku]},
                )
            else:
                sku_rows[row.sku] = row.row
        product = existing.get(row.sku)
        if product is None:
            if "name" not in row.values and not any(e.column == "nombre" for e in row.errors):
                row.error(
                    "nombre", _("falta el nombre del producto nuevo %(sku)s") % {"sku": row.sku}
                )
            if "price_clp" not in row.values and not any(e.column == "precio" for e in row.errors):
                row.error(
                    "precio", _("falta el precio del producto nuevo %(sku)s") % {"sku": row.sku}
                )
        else:
            row.name = row.values.get("name", product.name)
        new_codes = []
        for code in row.new_codes:
            owner = owners.get(code)
            if owner and owner[0] != row.sku:
                row.error(
                    "codigo_barras",
                    _("el código %(code)s ya pertenece a «%(name)s» (SKU %(sku)s)")
                    % {"code": code, "name": owner[1], "sku": owner[0]},
                )
            elif code in code_rows:
                row.error(
                    "codigo_barras",
                    _("el código %(code)s se repite en la fila %(other)d")
                    % {"code": code, "other": code_rows[code]},
                )
            else:
                code_rows[code] = row.row
                if not owner:
                    new_codes.append(code)
        row.new_codes = new_codes

        _check_scale_price(row, product)
        exempt = row.values.get("is_exempt", product.is_exempt if product else False)
        ila = row.values.get("ila_tax", product.ila_tax if product else "")
        if exempt and ila:
            row.error("ila", _("un producto exento de IVA no puede llevar ILA"))

        if row.errors:
            row.action = RowAction.ERROR
            continue
        if product is None:
            row.action = RowAction.CREATE
            continue
        for field_name, value in row.values.items():
            before = getattr(product, field_name)
            if before != value:
                row.changes.append(
                    f"{FIELD_LABELS[field_name]}: {_show(field_name, before)} → {_show(field_name, value)}"
                )
        if row.category_name is not None:
            category = categories.get(fold(row.category_name))
            if category is None or category.pk != product.category_id:
                before = product.category.name if product.category else "—"
                row.changes.append(f"{FIELD_LABELS['category']}: {before} → {row.category_name}")
        if row.new_codes:
            row.changes.append(_("códigos nuevos: %(codes)s") % {"codes": ", ".join(row.new_codes)})
        row.action = RowAction.UPDATE if row.changes else RowAction.UNCHANGED
    return parsed


def _check_scale_price(row: ImportRow, product: Product | None) -> None:
    """A price of $0 for a product sold by kg (or with a deli-scale code) would make
    every scale label for it worth $0, and the till refuses those: refuse it here."""
    price = row.values.get("price_clp", product.price_clp if product else None)
    unit = row.values.get("unit", product.unit if product else SaleUnit.UNIT)
    weighed = unit == SaleUnit.KILO or bool(product and product.scale_code)
    if price == 0 and weighed and not any(e.column == "precio" for e in row.errors):
        row.error(
            "precio",
            _(
                "un producto por kg o con código de balanza no puede tener precio $0: "
                "sus etiquetas de balanza valdrían $0"
            ),
        )


def price_list_import(*, rows: list[dict[str, str]], dry_run: bool) -> ImportResult:
    """Check a parsed price list and, unless ``dry_run``, apply it.

    Guarantees: a dry run writes nothing. Applying happens in one transaction — every
    row or none — and is refused with PriceListHasErrors while any row has an error.
    Categories named in the file are created when missing.
    """
    if dry_run:
        return ImportResult(rows=_plan(rows))
    with transaction.atomic():
        # Planned inside the transaction: on SQLite (IMMEDIATE) nobody can change the
        # catalog between the check and the write; on PostgreSQL the unique
        # constraints still turn a concurrent clash into a rolled-back import.
        planned = _plan(rows)
        result = ImportResult(rows=planned)
        if result.has_errors:
            raise PriceListHasErrors(result)
        _apply(planned)
        result.applied = True
    counts = result.counts
    logger.info(
        "price list applied: %s created, %s updated",
        counts[RowAction.CREATE],
        counts[RowAction.UPDATE],
    )
    return result


def _categories_for(rows: Iterable[ImportRow]) -> dict[str, Category]:
    categories = {fold(c.name): c for c in Category.objects.all()}
    for row in rows:
        name = row.category_name
        if name and fold(name) not in categories:
            categories[fold(name)] = Category.objects.create(name=name)
    return categories


def _apply(planned: list[ImportRow]) -> None:
    now = timezone.now()
    changing = [row for row in planned if row.action in (RowAction.CREATE, RowAction.UPDATE)]
    categories = _categories_for(changing)

    existing: dict[str, Product] = {}
    for chunk in _chunks([row.sku for row in changing if row.action == RowAction.UPDATE]):
        existing.update((p.sku, p) for p in Product.objects.filter(sku__in=chunk))

    to_create: list[Product] = []
    to_update: list[Product] = []
    update_fields: set[str] = {"search_text", "updated_at"}
    for row in changing:
        values = dict(row.values)
        if row.category_name is not None:
            values["category"] = categories[fold(row.category_name)]
        if row.action == RowAction.CREATE:
            product = Product(sku=row.sku, **values)
        else:
            product = existing[row.sku]
            for field_name, value in values.items():
                setattr(product, field_name, value)
            update_fields.update(values)
            product.updated_at = now
        product.search_text = product_search_text(name=product.name, sku=product.sku)
        # Already validated by _plan; this guards the model's own field rules. The
        # category is excluded because validating a foreign key costs a query per row.
        product.full_clean(exclude=["category"], validate_unique=False, validate_constraints=False)
        (to_create if row.action == RowAction.CREATE else to_update).append(product)

    Product.objects.bulk_create(to_create, batch_size=BATCH)
    if to_update:
        Product.objects.bulk_update(to_update, sorted(update_fields), batch_size=BATCH)

    ids = {}
    for chunk in _chunks([row.sku for row in changing]):
        ids.update(Product.objects.filter(sku__in=chunk).values_list("sku", "pk"))
    Barcode.objects.bulk_create(
        [Barcode(product_id=ids[row.sku], code=code) for row in changing for code in row.new_codes],
        batch_size=BATCH,
    )
    # Created, repriced or newly coded: the offline tills fetch them again.
    catalog_changes_record(ids.values())
