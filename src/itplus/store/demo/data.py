"""The demo store: a Santiago minimarket's identity, staff and catalogue.

Plain data, no Django. Prices are tax-included CLP as a Ñuñoa minimarket would charge
them; products sold by weight carry a price per kg and a deli-scale code. Barcodes are
derived from the product name (see ``demo_ean13``) so they never change between runs,
which keeps screenshots and tests stable.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from itplus.core.barcodes import with_check_digit

STORE = {
    "name": "Minimarket Don Pepe",
    "rut": "76.354.721-3",  # módulo-11 check digit verified in the tests
    "giro": (
        "Venta al por menor en comercios no especializados, con predominio de alimentos, "
        "bebidas o tabaco"
    ),
    "address": "Av. Irarrázaval 2450",
    "comuna": "Ñuñoa",
    "phone": "+56 2 2274 5120",
    "receipt_footer": "¡Gracias por preferir su almacén de barrio!",
}

# (code, name, kind)
SERIES = [
    ("B1", "Boletas B1", "boleta"),
    ("F1", "Facturas F1", "factura"),
    ("NC1", "Notas de crédito NC1", "nota_credito"),
]

# Fixed tokens so a browser till can be paired without reading a one-time secret.
# Demo only: a real store creates terminals with random tokens.
TERMINALS = [
    ("caja-1", "Caja 1", "demo-caja-1"),
    ("caja-2", "Caja 2", "demo-caja-2"),
]


# Businesses that ask for a factura (RUT stored clean, as the customers app keeps it).
CUSTOMERS = [
    (
        "77123456-9",
        "Restaurante El Rincón de Ñuñoa SpA",
        "Restaurantes",
        "Av. Grecia 1820",
        "Ñuñoa",
    ),
    (
        "76987321-K",
        "Jardín Infantil Los Aromos Ltda.",
        "Educación parvularia",
        "Los Aromos 455",
        "Ñuñoa",
    ),
    (
        "65043812-4",
        "Junta de Vecinos Villa Los Jardines",
        "Organización comunitaria",
        "Pasaje Uno 12",
        "Ñuñoa",
    ),
]


@dataclass(frozen=True)
class Neighbour:
    """A neighbourhood customer who buys on credit ("fiado") and pays once a week."""

    rut: str
    name: str
    address: str
    phone: str
    credit_limit_clp: int
    # Debt carried over from the paper notebook when the shop started using itplus.
    opening_debt_clp: int
    pays_on_weekday: int  # Monday = 0


NEIGHBOURS = [
    Neighbour(
        "12876543-3",
        "María Soto Pérez",
        "Pasaje Los Olmos 1234",
        "+56 9 8123 4455",
        50_000,
        21_400,
        0,
    ),
    Neighbour(
        "9345678-5",
        "Luis Contreras Muñoz",
        "Av. Irarrázaval 2511, depto. 32",
        "+56 9 7654 1290",
        30_000,
        12_800,
        2,
    ),
    Neighbour(
        "15234987-4", "Carmen Rojas Díaz", "Los Jazmines 870", "+56 9 6234 7781", 20_000, 6_500, 4
    ),
    Neighbour(
        "17654321-3",
        "Pedro Fuentes Araya",
        "Pasaje Las Camelias 45",
        "+56 9 5512 9034",
        40_000,
        18_900,
        5,
    ),
]


@dataclass(frozen=True)
class DemoSupplier:
    rut: str
    name: str
    giro: str
    address: str
    comuna: str
    contact_name: str
    phone: str
    email: str
    payment_terms_days: int
    categories: tuple[str, ...]  # what the shop buys from it; empty = everything else
    delivers_on_weekday: int  # Monday = 0: one order a week, delivered that morning
    first_invoice_folio: int


SUPPLIERS = [
    DemoSupplier(
        "77310468-9",
        "Comercial de Bebidas del Maipo SpA",
        "Venta al por mayor de bebidas alcohólicas y no alcohólicas",
        "Camino Lo Espejo 01450",
        "San Bernardo",
        "Claudio Vera",
        "+56 2 2859 3300",
        "pedidos@bebidasdelmaipo.cl",
        30,
        ("Bebidas y jugos", "Vinos y cervezas", "Licores"),
        3,
        10_532,
    ),
    DemoSupplier(
        "76482915-8",
        "Distribuidora Mayorista Los Andes Ltda.",
        "Venta al por mayor de abarrotes, alimentos y artículos de aseo",
        "Av. Lo Espejo 1450",
        "Lo Espejo",
        "Patricia Núñez",
        "+56 2 2548 7100",
        "ventas@distlosandes.cl",
        30,
        (),
        0,
        48_211,
    ),
]

# The second warehouse: boxes that do not fit on the shelves wait in the back room.
BACK_ROOM = ("trasera", "Bodega trasera")


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str
    role: str
    first_name: str
    pin: str = ""


# Passwords equal to the username: for trying the demo only.
USERS = [
    DemoUser("admin", "admin", "administrador", "José (Don Pepe)", pin="9999"),
    DemoUser("supervisor", "supervisor", "supervisor", "Rosa", pin="1234"),
    DemoUser("cajero", "cajero", "cajero", "Juan"),
    DemoUser("cajero2", "cajero2", "cajero", "Camila"),
]


@dataclass(frozen=True)
class DemoProduct:
    name: str
    price_clp: int
    unit: str = "unidad"
    ila_tax: str = ""
    is_exempt: bool = False
    weighed_label: str = ""  # "price" or "weight": how the deli scale labels it


@dataclass
class DemoCategory:
    name: str
    sku_prefix: str
    # Relative share of the lines sold (the history generator's basket mix).
    popularity: int
    products: list[DemoProduct] = field(default_factory=list)
    scale_block: int = 0  # scale codes of this category start at scale_block * 100


def _p(name: str, price: int, **kwargs) -> DemoProduct:
    return DemoProduct(name, price, **kwargs)


def _variants(template: str, names: list[str], price: int, **kwargs) -> list[DemoProduct]:
    return [DemoProduct(template.format(v), price, **kwargs) for v in names]


def _kg(name: str, price_per_kg: int, label: str = "") -> DemoProduct:
    return DemoProduct(f"{name} (kg)", price_per_kg, unit="kg", weighed_label=label)


def _ila(code: str, items: list[tuple[str, int]]) -> list[DemoProduct]:
    return [DemoProduct(name, price, ila_tax=code) for name, price in items]


CATEGORIES: list[DemoCategory] = [
    DemoCategory(
        "Lácteos",
        "LAC",
        14,
        [
            _p("Leche Colun Entera 1 L", 1190),
            _p("Leche Colun Semidescremada 1 L", 1190),
            _p("Leche Colun Descremada 1 L", 1190),
            _p("Leche Soprole Entera 1 L", 1250),
            _p("Leche Soprole Semidescremada 1 L", 1250),
            _p("Leche Loncoleche Sin Lactosa 1 L", 1390),
            _p("Leche Colun Chocolate 1 L", 1490),
            _p("Leche Soprole Chocolate 200 ml", 550),
            _p("Leche Soprole Frutilla 200 ml", 550),
            _p("Leche en Polvo Nido 800 g", 8990),
            *_variants(
                "Yoghurt Soprole {} 165 g",
                ["Frutilla", "Vainilla", "Durazno", "Mora", "Plátano", "Piña"],
                390,
            ),
            *_variants("Yoghurt Colun Batido {} 125 g", ["Frutilla", "Vainilla", "Frambuesa"], 350),
            _p("Yoghurt Griego Soprole Natural 110 g", 690),
            _p("Quesillo Colun 350 g", 2490),
            _p("Queso Chanco Colun Laminado 250 g", 3290),
            _p("Queso Gauda Soprole Laminado 250 g", 3390),
            _p("Queso Crema Colun 227 g", 2190),
            _p("Mantequilla Colun con Sal 250 g", 2790),
            _p("Mantequilla Soprole sin Sal 250 g", 2890),
            _p("Margarina Dorina Pote 500 g", 2290),
            _p("Crema de Leche Colun 200 ml", 990),
            _p("Leche Condensada Nestlé 397 g", 2190),
            _p("Manjar Colun 400 g", 1890),
            _p("Leche Evaporada Ideal 400 g", 1490),
            _p("Postre Soprole Sémola con Leche 130 g", 490),
            _p("Leche Cultivada Colun Frutilla 1 L", 1790),
        ],
    ),
    DemoCategory(
        "Huevos",
        "HUE",
        3,
        [
            _p("Huevos Blancos Extra 12 un", 3290),
            _p("Huevos Color Grande 12 un", 3490),
            _p("Huevos Color Extra Bandeja 30 un", 7990),
            _p("Huevos Color 6 un", 1790),
        ],
    ),
    DemoCategory(
        "Panadería",
        "PAN",
        14,
        [
            _kg("Marraqueta", 2190, "weight"),
            _kg("Hallulla", 2190, "weight"),
            _kg("Pan Amasado", 2690, "weight"),
            _kg("Dobladita", 2690, "weight"),
            _kg("Pan Integral", 2890, "weight"),
            _p("Pan de Molde Ideal Blanco 600 g", 2990),
            _p("Pan de Molde Ideal Integral 600 g", 3290),
            _p("Pan para Completos Ideal 8 un", 1890),
            _p("Pan para Hamburguesa Ideal 6 un", 2190),
            _p("Pan Pita Ideal 6 un", 1990),
            _p("Pan Tostado Ideal Clásico 150 g", 1690),
            _p("Queque Marmoleado Casero", 2490),
            _p("Berlín de Manjar", 690),
            _p("Calzones Rotos 6 un", 1490),
            _p("Empanada de Pino", 2290),
            _p("Empanada de Queso", 1790),
        ],
        scale_block=2,
    ),
    DemoCategory(
        "Abarrotes",
        "ABA",
        18,
        [
            _p("Arroz Tucapel Grado 1 1 kg", 1590),
            _p("Arroz Tucapel Integral 1 kg", 1890),
            _p("Arroz Miraflores Grado 1 1 kg", 1390),
            _p("Arroz Tucapel Grado 1 5 kg", 6990),
            _p("Aceite Belmont 1 L", 2790),
            _p("Aceite Chef Maravilla 1 L", 2590),
            _p("Aceite de Oliva Talliani Extra Virgen 500 ml", 5990),
            _p("Azúcar Iansa 1 kg", 1390),
            _p("Azúcar Flor Iansa 500 g", 1290),
            _p("Endulzante Líquido Iansa Cero K 270 ml", 2490),
            _p("Sal Lobos Fina 1 kg", 590),
            _p("Harina Selecta sin Polvos 1 kg", 1290),
            _p("Harina Selecta con Polvos 1 kg", 1390),
            *_variants(
                "Fideos Carozzi {} 400 g",
                [
                    "Spaghetti N°5",
                    "Corbatas",
                    "Espirales",
                    "Tallarín N°87",
                    "Quifaros",
                    "Cabello de Ángel",
                    "Mostachón",
                    "Rigati",
                ],
                990,
            ),
            *_variants(
                "Fideos Lucchetti {} 400 g",
                ["Spaghetti N°5", "Espirales", "Corbatas", "Tallarín"],
                890,
            ),
            _p("Salsa de Tomate Pomarola Italiana 200 g", 550),
            _p("Salsa de Tomate Pomarola Champiñón 200 g", 590),
            _p("Tomate en Cubitos Pomarola 400 g", 990),
            _p("Lentejas Banquete 1 kg", 2490),
            _p("Porotos Tórtola Banquete 1 kg", 2990),
            _p("Garbanzos Banquete 1 kg", 2790),
            _p("Atún Van Camp's Lomitos en Agua 160 g", 1690),
            _p("Atún Van Camp's Lomitos en Aceite 160 g", 1690),
            _p("Jurel San José 425 g", 1490),
            _p("Choclo Amarillo Wasil 300 g", 990),
            _p("Arvejas Wasil 300 g", 890),
            _p("Duraznos en Mitades Wasil 590 g", 1890),
            _p("Piña en Rodajas Dos Caballos 565 g", 2190),
            _p("Mayonesa Hellmann's 372 g", 2390),
            _p("Mayonesa Hellmann's Doypack 1 kg", 5290),
            _p("Kétchup Hellmann's 500 g", 1990),
            _p("Mostaza Hellmann's 250 g", 1290),
            _p("Ají Color Marco Polo 100 g", 690),
            _p("Merkén Marco Polo 25 g", 1190),
            _p("Orégano Marco Polo 15 g", 590),
            _p("Comino Marco Polo 15 g", 590),
            _p("Café Nescafé Tradición 170 g", 5990),
            _p("Café Nescafé Tradición 50 g", 2290),
            _p("Café Haití Molido 250 g", 4290),
            _p("Té Supremo Ceylán 100 bolsitas", 3290),
            _p("Té Club 100 bolsitas", 2890),
            _p("Manzanilla Supremo 20 bolsitas", 990),
            _p("Milo 400 g", 3990),
            _p("Nesquik 400 g", 3490),
            _p("Avena Quaker 900 g", 2990),
            _p("Cereal Chocapic 400 g", 3490),
            _p("Corn Flakes Kellogg's 500 g", 3590),
            *_variants(
                "Sopa Maggi {} 75 g", ["Pollo con Fideos", "Verduras", "Carne", "Costilla"], 590
            ),
            _p("Caldo Maggi Gallina 8 cubos", 990),
            _p("Puré de Papas Maggi 125 g", 990),
            _p("Mermelada Watt's Damasco 250 g", 1490),
            _p("Mermelada Watt's Frutilla 250 g", 1490),
            *_variants(
                "Jugo en Polvo Zuko {} 25 g",
                ["Naranja", "Piña", "Durazno", "Frutilla", "Limón", "Mango"],
                290,
            ),
            *_variants("Jalea Yely {} 150 g", ["Frutilla", "Piña", "Frambuesa"], 690),
            _p("Polvos de Hornear Royal 100 g", 890),
            _p("Levadura Instantánea Collico 10 g", 350),
            _p("Vinagre de Vino Tinto Traverso 500 ml", 890),
        ],
    ),
    # ILA (DL 825 art. 42): 18% sugary drinks, 10% low-sugar; plain water has none.
    DemoCategory(
        "Bebidas y jugos",
        "BEB",
        16,
        [
            *_ila(
                "ila_18",
                [
                    ("Coca-Cola 1,5 L", 2190),
                    ("Coca-Cola 3 L", 3290),
                    ("Coca-Cola 2,5 L Retornable", 2490),
                    ("Coca-Cola Lata 350 ml", 990),
                ],
            ),
            *_ila(
                "ila_10",
                [
                    ("Coca-Cola Sin Azúcar 1,5 L", 2190),
                    ("Coca-Cola Sin Azúcar 3 L", 3290),
                    ("Coca-Cola Sin Azúcar Lata 350 ml", 990),
                ],
            ),
            *_ila(
                "ila_18",
                [
                    ("Fanta Naranja 1,5 L", 1990),
                    ("Fanta Naranja 3 L", 2990),
                    ("Sprite 1,5 L", 1990),
                    ("Pepsi 1,5 L", 1890),
                    ("Pepsi 3 L", 2790),
                    ("Bilz 1,5 L", 1790),
                    ("Pap 1,5 L", 1790),
                    ("Kem Piña 1,5 L", 1790),
                    ("Limón Soda 1,5 L", 1790),
                    ("Canada Dry Ginger Ale 1,5 L", 1890),
                    ("Néctar Watt's Durazno 1,5 L", 1790),
                    ("Néctar Watt's Naranja 1,5 L", 1790),
                    ("Néctar Watt's Piña 1,5 L", 1790),
                    ("Jugo Andina del Valle Naranja 1,5 L", 1890),
                    ("Red Bull 250 ml", 1990),
                    ("Monster Energy 473 ml", 1990),
                ],
            ),
            *_ila(
                "ila_10",
                [
                    ("Fanta Zero 1,5 L", 1990),
                    ("Sprite Zero 1,5 L", 1990),
                    ("Pepsi Zero 1,5 L", 1890),
                    ("Bilz Zero 1,5 L", 1790),
                    ("Pap Zero 1,5 L", 1790),
                    ("Néctar Watt's Durazno Light 1,5 L", 1790),
                    ("Agua Cachantun Más Limón 1,6 L", 1290),
                    ("Gatorade Naranja 500 ml", 1290),
                    ("Gatorade Frutas Tropicales 500 ml", 1290),
                    ("Té Frío Lipton Durazno 1,5 L", 1590),
                ],
            ),
            _p("Agua Mineral Cachantun Sin Gas 1,6 L", 1190),
            _p("Agua Mineral Cachantun Con Gas 1,6 L", 1190),
            _p("Agua Mineral Cachantun Sin Gas 500 ml", 690),
            _p("Agua Mineral Vital Con Gas 1,6 L", 1090),
            _p("Agua Purificada Benedictino 3 L", 1390),
        ],
    ),
    DemoCategory(
        "Vinos y cervezas",
        "VYC",
        8,
        _ila(
            "ila_205",
            [
                ("Cerveza Escudo Lata 470 ml", 1090),
                ("Cerveza Escudo Retornable 1 L", 1690),
                ("Cerveza Escudo Pack 6 Latas 470 ml", 5990),
                ("Cerveza Cristal Lata 470 ml", 990),
                ("Cerveza Cristal Lata 350 ml", 790),
                ("Cerveza Cristal Retornable 1 L", 1590),
                ("Cerveza Becker Lata 470 ml", 1090),
                ("Cerveza Royal Guard Lata 470 ml", 1190),
                ("Cerveza Heineken Lata 470 ml", 1390),
                ("Cerveza Corona Botella 355 ml", 1390),
                ("Cerveza Stella Artois Lata 470 ml", 1390),
                ("Cerveza Kunstmann Torobayo 330 ml", 1690),
                ("Cerveza Austral Calafate 330 ml", 1690),
                ("Vino Casillero del Diablo Cabernet Sauvignon 750 ml", 6990),
                ("Vino Casillero del Diablo Carmenere 750 ml", 6990),
                ("Vino Casillero del Diablo Merlot 750 ml", 6990),
                ("Vino Casillero del Diablo Sauvignon Blanc 750 ml", 6990),
                ("Vino Gato Negro Cabernet Sauvignon 750 ml", 3490),
                ("Vino Gato Negro Merlot 750 ml", 3490),
                ("Vino Santa Rita 120 Cabernet Sauvignon 750 ml", 3990),
                ("Vino Santa Rita 120 Carmenere 750 ml", 3990),
                ("Vino Concha y Toro Reservado Cabernet Sauvignon 750 ml", 3790),
                ("Vino Santa Carolina Reservado Carmenere 750 ml", 3990),
                ("Vino Frontera Cabernet Sauvignon 750 ml", 2990),
                ("Vino Gato Tinto Tetra 1 L", 2490),
                ("Vino Gato Blanco Tetra 1 L", 2490),
                ("Vino Clos de Pirque Tinto Tetra 2 L", 3990),
                ("Espumante Valdivieso Brut 750 ml", 5990),
            ],
        ),
    ),
    DemoCategory(
        "Licores",
        "LIC",
        2,
        _ila(
            "ila_315",
            [
                ("Pisco Alto del Carmen 35° 700 ml", 7990),
                ("Pisco Alto del Carmen 35° 1 L", 10490),
                ("Pisco Alto del Carmen 40° 750 ml", 10990),
                ("Pisco Mistral 35° 750 ml", 8490),
                ("Pisco Mistral Nobel 40° 700 ml", 16990),
                ("Pisco Capel 35° 700 ml", 6990),
                ("Pisco Control C 35° 1 L", 9990),
                ("Pisco Campanario 35° 700 ml", 6490),
                ("Ron Havana Club Añejo Especial 750 ml", 11990),
                ("Ron Bacardí Carta Blanca 750 ml", 9990),
                ("Vodka Eristoff 750 ml", 7990),
                ("Vodka Absolut 750 ml", 13990),
                ("Whisky Johnnie Walker Red Label 750 ml", 16990),
                ("Whisky Ballantine's Finest 750 ml", 13990),
                ("Whisky Jack Daniel's 750 ml", 24990),
                ("Tequila José Cuervo Especial 750 ml", 16990),
                ("Gin Beefeater 750 ml", 17990),
                ("Licor Araucano 700 ml", 7490),
                ("Fernet Branca 750 ml", 14990),
            ],
        ),
    ),
    # The deli scale prints an EAN-13 with the price embedded (prefix 20).
    DemoCategory(
        "Fiambrería",
        "FIA",
        6,
        [
            _kg("Jamón Pierna San Jorge", 9990, "price"),
            _kg("Jamón Acaramelado PF", 10990, "price"),
            _kg("Jamón de Pavo Sopraval", 8990, "price"),
            _kg("Jamón Serrano Laminado", 29990, "price"),
            _kg("Pechuga de Pavo Sopraval", 11990, "price"),
            _kg("Queso Gauda", 11990, "price"),
            _kg("Queso Mantecoso", 12490, "price"),
            _kg("Queso Chanco", 11490, "price"),
            _kg("Salame Italiano", 15990, "price"),
            _kg("Salame Cervecero", 13990, "price"),
            _kg("Mortadela Lisa", 5990, "price"),
            _kg("Mortadela con Pistacho", 7990, "price"),
            _kg("Arrollado de Huaso", 12990, "price"),
            _kg("Longaniza Chillaneja", 8990, "price"),
            _kg("Aceitunas Azapa", 6990, "price"),
        ],
        scale_block=1,
    ),
    # Weighed at the till: the cashier types or reads the weight.
    DemoCategory(
        "Frutas y verduras",
        "FYV",
        10,
        [
            _kg("Palta Hass", 4990),
            _kg("Tomate", 1990),
            _kg("Plátano", 1490),
            _kg("Manzana Royal Gala", 1690),
            _kg("Manzana Verde", 1790),
            _kg("Naranja", 1290),
            _kg("Mandarina", 1990),
            _kg("Limón", 2490),
            _kg("Pera Packham", 1690),
            _kg("Uva Red Globe", 2490),
            _kg("Kiwi", 1990),
            _kg("Frutilla", 3490),
            _kg("Papa", 990),
            _kg("Cebolla", 1190),
            _kg("Zanahoria", 990),
            _kg("Zapallo Italiano", 1490),
            _kg("Zapallo Camote Trozado", 1290),
            _kg("Pepino Ensalada", 1490),
            _kg("Pimentón Rojo", 2990),
            _kg("Betarraga", 1190),
            _p("Ajo Malla 3 un", 990),
            _p("Lechuga Costina", 990),
            _p("Cilantro Atado", 490),
            _p("Perejil Atado", 490),
            _p("Choclo Unidad", 590),
            _p("Repollo Unidad", 1490),
            _p("Apio Unidad", 1290),
            _p("Brócoli Unidad", 1290),
        ],
        scale_block=3,
    ),
    DemoCategory(
        "Carnes y congelados",
        "CYC",
        3,
        [
            _p("Vienesas San Jorge 20 un", 2990),
            _p("Vienesas de Pavo Sopraval 10 un", 1790),
            _p("Hamburguesas de Pavo Sopraval 4 un", 2490),
            _p("Hamburguesas de Vacuno San Jorge 4 un", 2990),
            _p("Trutro Entero de Pollo Super Pollo 1 kg", 3490),
            _p("Pechuga de Pollo Deshuesada Super Pollo 1 kg", 6490),
            _p("Nuggets de Pollo Super Pollo 500 g", 3990),
            _p("Papas Fritas Congeladas McCain 1 kg", 3490),
            _p("Helado Savory Vainilla 1 L", 3990),
            _p("Helado Savory Chocolate 1 L", 3990),
            _p("Helado Savory Frutilla Crema 1 L", 3990),
            _p("Hielo en Cubos 2 kg", 1290),
        ],
    ),
    DemoCategory(
        "Limpieza",
        "LIM",
        4,
        [
            _p("Detergente Líquido Omo 3 L", 8990),
            _p("Detergente en Polvo Omo 800 g", 3490),
            _p("Detergente Líquido Ariel 1,9 L", 6990),
            _p("Cloro Clorinda 1 L", 990),
            _p("Cloro Gel Clorinda 900 ml", 1690),
            _p("Lavalozas Quix Limón 500 ml", 1490),
            _p("Lavalozas Quix Limón 1,5 L", 3290),
            _p("Papel Higiénico Confort Doble Hoja 4 rollos", 2990),
            _p("Papel Higiénico Elite Doble Hoja 12 rollos", 7990),
            _p("Toalla de Papel Nova 2 rollos", 2190),
            _p("Limpiapisos Poett Lavanda 900 ml", 1490),
            _p("Limpiador Cif Crema 500 ml", 1990),
            _p("Desinfectante Lysoform Aerosol 360 ml", 4490),
            _p("Esponja Virutex 3 un", 1290),
            _p("Guantes de Látex Virutex Talla M", 1490),
            _p("Bolsas de Basura 70x90 10 un", 990),
            _p("Suavizante Downy 1 L", 3490),
            _p("Fósforos Copihue 10 cajas", 990),
        ],
    ),
    DemoCategory(
        "Higiene personal",
        "HIG",
        3,
        [
            _p("Pasta Dental Colgate Total 12 90 g", 2990),
            _p("Pasta Dental Pepsodent 90 g", 1290),
            _p("Cepillo Dental Colgate Medio", 990),
            _p("Shampoo Sedal Rizos 340 ml", 2990),
            _p("Shampoo Head & Shoulders 375 ml", 4990),
            _p("Acondicionador Sedal Rizos 340 ml", 2990),
            _p("Jabón Dove 90 g", 1190),
            _p("Desodorante Rexona Aerosol 150 ml", 2990),
            _p("Desodorante Axe Aerosol 150 ml", 3490),
            _p("Toallas Higiénicas Ladysoft 10 un", 1490),
            _p("Pañales Babysec Premium G 30 un", 9990),
            _p("Afeitadora Gillette Prestobarba 2 un", 1990),
            _p("Alcohol Gel 250 ml", 1490),
        ],
    ),
    DemoCategory(
        "Confites y snacks",
        "CNF",
        9,
        [
            _p("Chocolate Sahne-Nuss 30 g", 890),
            _p("Chocolate Sahne-Nuss 250 g", 4990),
            _p("Super 8 29 g", 350),
            _p("Trencito 25 g", 450),
            _p("Bon o Bon 16 g", 250),
            _p("Chocolate Costa Leche Almendras 120 g", 1890),
            *_variants("Galletas Tritón {} 126 g", ["Vainilla", "Chocolate", "Limón"], 790),
            _p("Galletas Frac Clásica 130 g", 890),
            _p("Galletas Niza McKay 150 g", 990),
            _p("Galletas Criollitas McKay 100 g", 790),
            _p("Galletas de Agua McKay 210 g", 890),
            _p("Galletas Oreo 118 g", 990),
            _p("Papas Fritas Lay's Clásicas 230 g", 2690),
            _p("Papas Fritas Lay's Corte Americano 230 g", 2690),
            _p("Ramitas Evercrisp 180 g", 1290),
            _p("Doritos Queso 185 g", 2490),
            _p("Cheetos 160 g", 1790),
            _p("Maní Salado Evercrisp 200 g", 1690),
            _p("Chicle Trident Menta 18 g", 690),
        ],
    ),
    DemoCategory(
        "Mascotas",
        "MAS",
        2,
        [
            _p("Alimento Perro Master Dog Adulto 3 kg", 8990),
            _p("Alimento Perro Master Dog Cachorro 1,5 kg", 4990),
            _p("Alimento Perro Champion Dog Adulto 3 kg", 7990),
            _p("Alimento Perro Pedigree Adulto 3 kg", 10990),
            _p("Alimento Gato Whiskas Carne 1 kg", 4290),
            _p("Alimento Gato Whiskas Pescado 1 kg", 4290),
            _p("Alimento Gato Cat Chow Adulto 1,5 kg", 6990),
            _p("Sobre Whiskas Pollo 85 g", 690),
            _p("Sobre Pedigree Carne 100 g", 690),
            _p("Arena Sanitaria 4 kg", 3990),
        ],
    ),
    # Passenger transport is exempt from IVA (DL 825 art. 13), so a Bip! top-up is too.
    DemoCategory(
        "Servicios",
        "SER",
        1,
        [
            _p("Carga Tarjeta Bip! $2.000", 2000, is_exempt=True),
            _p("Carga Tarjeta Bip! $5.000", 5000, is_exempt=True),
        ],
    ),
]


def demo_ean13(name: str) -> str:
    """A stable EAN-13 for a product name: Chile's GS1 prefix 780, nine digits from the
    name's hash, and the GS1 check digit."""
    digest = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big")
    return with_check_digit(f"780{digest % 10**9:09d}")
