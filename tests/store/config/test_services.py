"""The store's identity: set once through one service; no receipt without it."""

import pytest

from itplus.store.config import (
    InvalidStoreIdentity,
    StoreIdentityMissing,
    config_path,
    config_section_set,
    get_config,
    require_store_identity,
    save_config,
    store_identity_missing,
    store_identity_set,
)
from tests.store.conftest import STORE_IDENTITY


def test_the_tests_run_with_a_store_identity():
    assert store_identity_missing() == ()
    assert require_store_identity().name == STORE_IDENTITY["name"]


def test_without_identity_receipts_are_refused(settings):
    save_config(settings.ITPLUS_HOME, {})

    with pytest.raises(StoreIdentityMissing) as raised:
        require_store_identity()

    assert "No se pueden imprimir boletas" in raised.value.message
    assert "(nombre, RUT, giro, dirección, comuna)" in raised.value.message
    assert store_identity_missing() == ("name", "rut", "giro", "address", "comuna")


def test_set_cleans_the_values_and_keeps_the_rest_of_the_file(settings):
    config_section_set(settings.ITPLUS_HOME, "printer", {"kind": "network", "host": "10.0.0.2"})
    config_section_set(settings.ITPLUS_HOME, "store", {"receipt_footer": "Vuelva pronto"})

    identity = store_identity_set(
        name="  Ferretería   El Perno ",
        rut="771234569",
        giro="Ferretería",
        address="Av. Vicuña Mackenna 1500",
        comuna="santiago centro",
    )

    assert identity.name == "Ferretería El Perno"
    assert identity.rut == "77.123.456-9"
    assert identity.comuna == "Santiago"
    assert identity.receipt_footer == "Vuelva pronto"  # kept when not given
    config = get_config()
    assert config.store == identity
    assert config.printer.host == "10.0.0.2"


def test_every_wrong_field_is_named_and_nothing_is_written(settings):
    before = config_path(settings.ITPLUS_HOME).read_bytes()

    with pytest.raises(InvalidStoreIdentity) as raised:
        store_identity_set(name="", rut="76.354.721-0", giro="Almacén", address="", comuna="Narnia")

    errors = raised.value.errors
    assert set(errors) == {"name", "rut", "address", "comuna"}
    assert "dígito verificador" in errors["rut"]
    assert "comuna" in errors["comuna"]
    assert config_path(settings.ITPLUS_HOME).read_bytes() == before
