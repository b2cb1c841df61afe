"""A synthetic 100,000-product catalogue that reads like a Chilean supermarket's.

The demo minimarket's real products come first (so "leche col" finds Leche Colun), then
deterministic combinations of product type, brand, variant and size. Every product has a
valid EAN-13 (GS1 prefix 780) and a unique SKU.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

from itplus.core.barcodes import is_valid_gs1, with_check_digit
from itplus.store.demo.data import CATEGORIES

TYPES = [
    "Leche",
    "Yoghurt",
    "Queso",
    "Mantequilla",
    "Arroz",
    "Fideos",
    "Aceite",
    "Azúcar",
    "Harina",
    "Galletas",
    "Chocolate",
    "Bebida",
    "Jugo",
    "Néctar",
    "Agua Mineral",
    "Cerveza",
    "Vino",
    "Pisco",
    "Detergente",
    "Lavalozas",
    "Cloro",
    "Shampoo",
    "Jabón",
    "Pasta Dental",
    "Papel Higiénico",
    "Toalla de Papel",
    "Café",
    "Té",
    "Cereal",
    "Mermelada",
    "Salsa",
    "Atún",
    "Jurel",
    "Porotos",
    "Lentejas",
    "Sopa",
    "Caldo",
    "Helado",
    "Vienesas",
    "Jamón",
    "Salame",
    "Pan",
    "Queque",
    "Alfajor",
    "Caramelos",
    "Papas Fritas",
    "Maní",
    "Alimento Perro",
    "Alimento Gato",
    "Pañales",
    "Desodorante",
    "Cepillo Dental",
    "Esponja",
    "Bolsas",
    "Servilletas",
    "Vinagre",
    "Mayonesa",
    "Kétchup",
    "Mostaza",
    "Avena",
    "Manjar",
    "Crema",
    "Postre",
    "Flan",
    "Gelatina",
    "Hamburguesa",
    "Nuggets",
    "Empanadas",
    "Pizza",
    "Lasaña",
    "Pollo",
    "Huevos",
    "Margarina",
    "Endulzante",
    "Sal",
    "Orégano",
    "Ají",
    "Aceitunas",
    "Duraznos",
    "Piña",
]
BRANDS = [
    "Colun",
    "Soprole",
    "Nestlé",
    "Carozzi",
    "Lucchetti",
    "Tucapel",
    "Belmont",
    "Iansa",
    "Costa",
    "McKay",
    "Watt's",
    "Andina",
    "CCU",
    "Cachantun",
    "Escudo",
    "Cristal",
    "Concha y Toro",
    "Santa Rita",
    "Capel",
    "Omo",
    "Quix",
    "Clorinda",
    "Sedal",
    "Dove",
    "Colgate",
    "Confort",
    "Elite",
    "Nova",
    "Nescafé",
    "Supremo",
    "Kellogg's",
    "Pomarola",
    "Van Camp's",
    "San José",
    "Banquete",
    "Maggi",
    "Savory",
    "San Jorge",
    "PF",
    "Sopraval",
    "Ideal",
    "Castaño",
    "Evercrisp",
    "Marco Polo",
    "Master Dog",
    "Whiskas",
    "Babysec",
    "Rexona",
    "Virutex",
    "Traverso",
    "Hellmann's",
    "Quaker",
    "Loncoleche",
    "Dorina",
    "Super Pollo",
    "Ariztía",
    "Wasil",
    "Dos Caballos",
    "Líder",
    "Jumbo",
    "Tottus",
    "Unimarc",
    "Frutos del Maipo",
    "Minuto Verde",
    "Fruna",
    "Ambrosoli",
    "Arcor",
    "Calaf",
    "Talliani",
    "Chef",
]
VARIANTS = [
    "Clásico",
    "Light",
    "Sin Azúcar",
    "Original",
    "Premium",
    "Familiar",
    "Integral",
    "Natural",
    "Frutilla",
    "Vainilla",
    "Chocolate",
    "Durazno",
    "Limón",
    "Naranja",
    "Piña",
    "Manzana",
    "Mora",
    "Coco",
    "Menta",
    "Tradicional",
    "Extra",
    "Suave",
    "Intenso",
    "Casero",
    "Gourmet",
    "Económico",
    "Orgánico",
    "Sin Lactosa",
    "Descremado",
    "Entero",
]
SIZES = [
    "100 g",
    "150 g",
    "200 g",
    "250 g",
    "400 g",
    "500 g",
    "750 g",
    "1 kg",
    "2 kg",
    "3 kg",
    "5 kg",
    "200 ml",
    "350 ml",
    "500 ml",
    "750 ml",
    "1 L",
    "1,5 L",
    "2 L",
    "3 L",
    "6 un",
    "10 un",
    "12 un",
    "20 un",
    "Pack 3",
    "Pack 6",
]


@dataclass(frozen=True, slots=True)
class BenchProduct:
    name: str
    sku: str
    price_clp: int
    barcode: str


def bench_ean13(n: int) -> str:
    """The n-th bench barcode: 780 + 9 digits + check digit, validated before use."""
    code = with_check_digit(f"780{n:09d}")
    if not is_valid_gs1(code):  # a bug here would fill the catalogue with bad codes
        raise AssertionError(code)
    return code


def bench_products(count: int, *, seed: int = 100_000) -> Iterator[BenchProduct]:
    rng = random.Random(seed)
    names = [p.name for c in CATEGORIES for p in c.products][:count]
    seen = set(names)
    while len(names) < count:
        name = (
            f"{rng.choice(TYPES)} {rng.choice(BRANDS)} {rng.choice(VARIANTS)} {rng.choice(SIZES)}"
        )
        if name not in seen:
            seen.add(name)
            names.append(name)
    for n, name in enumerate(names, start=1):
        yield BenchProduct(
            name=name,
            sku=f"B{n:06d}",
            price_clp=rng.randrange(290, 25_000, 10),
            barcode=bench_ean13(n),
        )
