"""The help desk's identity and bank account come from HELPDESK_HOME/helpdesk.toml."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

import itplus.helpdesk.settings as site_settings
from itplus.helpdesk.company import FILENAME, company_example_write, company_load
from itplus.helpdesk.orders.services import order_choose_transfer

OTHER = """\
[company]
company = "Soporte Andes SpA"
rut = "761234528"
phone = "+56 2 2999 0000"
whatsapp = "+56 9 5555 1234"
email = "ayuda@andes.cl"
hours = "Lunes a sábado de 10:00 a 20:00"

[bank]
holder = "Soporte Andes SpA"
rut = "76.123.452-8"
bank = "BancoEstado"
kind = "Cuenta vista"
number = "123456789"
email = "pagos@andes.cl"
"""


def _write(folder: Path, text: str) -> Path:
    (folder / FILENAME).write_text(text, encoding="utf-8")
    return folder


def test_the_settings_hold_no_company_data():
    source = Path(site_settings.__file__).read_text(encoding="utf-8")
    for value in ("Itplusnet", "76.543.210-3", "Banco de Chile", "00-123", "09:00", "2345 6789"):
        assert value not in source


def test_company_and_bank_account_are_read_from_the_file(tmp_path, monkeypatch):
    for variable in ("HELPDESK_PHONE", "HELPDESK_WHATSAPP", "HELPDESK_EMAIL"):
        monkeypatch.delenv(variable, raising=False)
    contact, bank = company_load(_write(tmp_path, OTHER))

    assert contact["company"] == "Soporte Andes SpA"
    assert contact["rut"] == "76.123.452-8"  # written as the RUT is usually shown
    assert contact["hours"] == "Lunes a sábado de 10:00 a 20:00"
    assert (bank["bank"], bank["number"], bank["email"]) == (
        "BancoEstado",
        "123456789",
        "pagos@andes.cl",
    )

    monkeypatch.setenv("HELPDESK_PHONE", "+56 2 2111 1111")
    assert company_load(tmp_path)[0]["phone"] == "+56 2 2111 1111"


def test_a_missing_file_leaves_every_value_empty(tmp_path):
    contact, bank = company_load(tmp_path)
    assert not any(bank.values()) and contact["company"] == ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[bank]\nrut = "76.123.450-0"\n', "rut"),
        ('[company]\nempresa = "x"\n', "claves desconocidas"),
        ("[company\n", "helpdesk.toml"),
    ],
)
def test_a_wrong_file_stops_the_site_with_a_reason(tmp_path, text, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        company_load(_write(tmp_path, text))


def test_demo_writes_the_example_once(tmp_path, settings, db):
    settings.HELPDESK_HOME = tmp_path
    call_command("demo", stdout=io.StringIO())
    assert company_load(tmp_path)[0]["company"] == "Itplusnet Ltda."

    _write(tmp_path, OTHER)
    assert company_example_write(tmp_path) is None
    assert company_load(tmp_path)[0]["company"] == "Soporte Andes SpA"


def test_the_transfer_page_shows_the_configured_account(client, settings, order, tmp_path):
    settings.HELPDESK_CONTACT, settings.HELPDESK_BANK_ACCOUNT = company_load(
        _write(tmp_path, OTHER)
    )
    order_choose_transfer(order=order)

    page = client.get(f"/pedidos/{order.access_key}/").content.decode()

    for value in (
        "Soporte Andes SpA",
        "76.123.452-8",
        "BancoEstado",
        "Cuenta vista",
        "pagos@andes.cl",
    ):
        assert value in page
    assert "Banco de Chile" not in page
