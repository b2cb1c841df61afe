"""``itplus setup store``: the same service as the first-run page, from the console."""

import io

import pytest
from django.core.management import CommandError, call_command

from itplus.store.config import get_config

ARGS = [
    "--name",
    "Ferretería El Perno",
    "--rut",
    "77.123.456-9",
    "--giro",
    "Ferretería",
    "--address",
    "Gran Avenida 5000",
    "--comuna",
    "San Miguel",
]


def test_setup_store_with_every_argument(no_identity):
    out = io.StringIO()

    call_command(
        "setup", "store", *ARGS, "--phone", "+56 2 2555 0000", "--footer", "Gracias", stdout=out
    )

    store = get_config().store
    assert store.is_complete
    assert (store.name, store.rut, store.phone, store.receipt_footer) == (
        "Ferretería El Perno",
        "77.123.456-9",
        "+56 2 2555 0000",
        "Gracias",
    )
    assert "Datos de la tienda guardados" in out.getvalue()


def test_missing_arguments_without_a_terminal_are_named(no_identity):
    with pytest.raises(CommandError, match="--giro, --address, --comuna"):
        call_command("setup", "store", "--name", "X", "--rut", "77.123.456-9", "--no-input")

    assert not get_config().store.is_complete


def test_a_wrong_rut_is_refused_in_spanish(no_identity):
    args = [*ARGS]
    args[3] = "77.123.456-1"

    with pytest.raises(CommandError, match="dígito verificador"):
        call_command("setup", "store", *args, "--no-input")

    assert not get_config().store.is_complete


def test_interactive_prompts_ask_for_what_is_missing(no_identity, monkeypatch):
    # name, RUT (wrong), giro, address, commune, phone, footer, then the RUT again
    answers = iter(
        [
            "Almacén Rosita",
            "77.123.456-0",
            "Almacén",
            "Pasaje 2",
            "La Granja",
            "",
            "",
            "77.123.456-9",
        ]
    )
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt: next(answers))
    err = io.StringIO()

    call_command("setup", "store", stdout=io.StringIO(), stderr=err)

    store = get_config().store
    assert (store.name, store.rut, store.comuna) == ("Almacén Rosita", "77.123.456-9", "La Granja")
    assert "dígito verificador" in err.getvalue()  # asked again for the RUT only


def test_one_field_changes_the_rest_stays(no_identity):
    call_command("setup", "store", *ARGS, "--no-input", stdout=io.StringIO())

    call_command("setup", "store", "--phone", "+56 9 1234 5678", "--no-input", stdout=io.StringIO())

    store = get_config().store
    assert (store.name, store.phone) == ("Ferretería El Perno", "+56 9 1234 5678")
