"""itplus.toml's schema: defaults, types, and Spanish messages that name the key."""

from decimal import Decimal

import pytest

from itplus.store.accounts.models import Role
from itplus.store.config import DEFAULTS, ConfigError, config_from_dict
from itplus.store.config.schema import ROLES


def test_an_empty_file_gives_the_defaults_and_no_store_identity():
    config = config_from_dict({})

    assert config.store.name == config.store.rut == ""
    assert not config.store.is_complete
    assert config.store.missing == ("name", "rut", "giro", "address", "comuna")
    assert config.printer.kind == "none" and config.printer.port == 9100
    assert dict(config.discount_limits_percent) == DEFAULTS["discount_limits_percent"]
    assert [p.prefix for p in config.scale_barcodes] == ["20", "21", "25"]
    assert config.inventory.allow_negative_stock is True
    assert config.approvals.lifetime_minutes == 5
    assert config.install.role == "server"
    assert (config.scale.min_weight_kg, config.scale.max_weight_kg) == (
        Decimal("0.005"),
        Decimal("30"),
    )


def test_the_config_is_frozen():
    config = config_from_dict({})

    with pytest.raises(AttributeError):
        config.store.name = "Otra"  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.discount_limits_percent["cajero"] = 90  # type: ignore[index]


def test_a_section_overrides_only_the_keys_it_gives():
    config = config_from_dict(
        {
            "printer": {"kind": "network", "host": "10.0.0.9"},
            "discount_limits_percent": {"cajero": 10},
        }
    )

    assert (config.printer.kind, config.printer.host, config.printer.port) == (
        "network",
        "10.0.0.9",
        9100,
    )
    assert config.discount_limit_percent("cajero") == 10
    assert config.discount_limit_percent("supervisor") == 30
    assert config.discount_limit_percent("desconocido") == 0


def test_store_rut_and_commune_are_normalised():
    store = config_from_dict({"store": {"rut": "763547213", "comuna": "nunoa"}}).store

    assert store.rut == "76.354.721-3"
    assert store.comuna == "Ñuñoa"


@pytest.mark.parametrize(
    "raw, key, words",
    [
        ({"store": {"rut": "76.354.721-4"}}, "[store] rut", "dígito verificador"),
        ({"store": {"rut": "hola"}}, "[store] rut", "no es un RUT válido"),
        ({"store": {"comuna": "Gotham"}}, "[store] comuna", "no es una comuna conocida"),
        ({"store": {"name": 5}}, "[store] name", "texto"),
        ({"printer": {"kind": "usb"}}, "[printer] kind", "none, network"),
        ({"printer": {"port": 70000}}, "[printer] port", "entre 1 y 65535"),
        ({"printer": {"port": "9100"}}, "[printer] port", "número entero"),
        ({"printer": {"width_chars": 10}}, "[printer] width_chars", "entre 24 y 80"),
        ({"printer": {"kind": "network", "host": ""}}, "[printer] host", "dirección"),
        (
            {"printer": {"kick_drawer_on_cash": "sí"}},
            "[printer] kick_drawer_on_cash",
            "true o false",
        ),
        (
            {"discount_limits_percent": {"cajero": 120}},
            "[discount_limits_percent] cajero",
            "0 y 100",
        ),
        (
            {"discount_limits_percent": {"cajeros": 5}},
            "[discount_limits_percent] cajeros",
            "uno de",
        ),
        (
            {"scale_barcodes": [{"prefix": "2x", "item_digits": 5, "embeds": "price"}]},
            "prefix",
            "dígitos",
        ),
        (
            {"scale_barcodes": [{"prefix": "20", "item_digits": 5, "embeds": "peso"}]},
            "embeds",
            "price, weight",
        ),
        (
            {"inventory": {"allow_negative_stock": 1}},
            "[inventory] allow_negative_stock",
            "true o false",
        ),
        ({"approvals": {"lifetime_minutes": 0}}, "[approvals] lifetime_minutes", "entre 1 y 1440"),
        ({"scale": {"min_weight_kg": 0}}, "[scale] min_weight_kg", "mayor que 0"),
        ({"scale": {"min_weight_kg": 0.0005}}, "[scale] min_weight_kg", "3 decimales"),
        ({"scale": {"max_weight_kg": "mucho"}}, "[scale] max_weight_kg", "peso en kg"),
        ({"scale": {"max_weight_kg": True}}, "[scale] max_weight_kg", "peso en kg"),
        ({"scale": {"max_weight_kg": 5000}}, "[scale] max_weight_kg", "hasta 1000"),
        (
            {"scale": {"min_weight_kg": 2, "max_weight_kg": 1}},
            "[scale] max_weight_kg",
            "mayor que min_weight_kg (2)",
        ),
        (
            # Two weight digits (at most 99 g) and a 100 g minimum: every label implausible.
            {
                "scale_barcodes": [{"prefix": "21", "item_digits": 8, "embeds": "weight"}],
                "scale": {"min_weight_kg": 0.1},
            },
            "[[scale_barcodes]] n.º 1 item_digits",
            "a lo más 0,099 kg, menos que [scale] min_weight_kg (0,1)",
        ),
        ({"backup": {"hour": "25:00"}}, "[backup] hour", "HH:MM"),
        ({"backup": {"keep_daily": -1}}, "[backup] keep_daily", "entre 0"),
        ({"install": {"role": "cliente"}}, "[install] role", "server, terminal"),
        ({"printer": "red"}, "[printer]", "sección"),
    ],
)
def test_a_wrong_value_is_refused_naming_its_key(raw, key, words):
    with pytest.raises(ConfigError) as raised:
        config_from_dict(raw)

    assert key in raised.value.message
    assert words in raised.value.message
    assert raised.value.message.startswith("itplus.toml")


@pytest.mark.parametrize(
    "given, expected",
    [(0.25, Decimal("0.25")), (2, Decimal("2")), ("0,5", Decimal("0.5")), ("1.5", Decimal("1.5"))],
)
def test_scale_weights_are_read_as_exact_kilograms(given, expected):
    assert config_from_dict({"scale": {"min_weight_kg": given}}).scale.min_weight_kg == expected


def test_unknown_keys_are_ignored_with_a_warning(caplog):
    config = config_from_dict({"printer": {"colour": "rojo"}})

    assert config.printer == config_from_dict({}).printer
    assert "colour" in caplog.text


def test_backup_accepts_the_toml_style_spelling():
    config = config_from_dict({"backup": {"passphrase-file": "/clave.txt"}})

    assert config.backup.passphrase_file == "/clave.txt"


def test_discount_roles_are_the_accounts_roles():
    assert set(ROLES) == set(Role.values)
