"""Store fixtures: a terminal with an open cash session, staff, a product, an API client."""

import pytest

from itplus.store.config import config_path, store_identity_set
from tests.factories import make_product, make_terminal, make_user

# A valid identity (the RUT's check digit is right, the commune is known), set through
# the same service as the first-run page: without it the till and the back office lead
# to that page and receipts are refused.
STORE_IDENTITY = {
    "name": "Almacén La Prueba",
    "rut": "76.354.721-3",
    "giro": "Venta al por menor de alimentos",
    "address": "Av. Irarrázaval 2450",
    "comuna": "Ñuñoa",
    "phone": "+56 2 2274 5120",
}


@pytest.fixture(autouse=True)
def _config_file_restored(settings):
    """Every test starts on a config with the store's identity set; tests that write
    itplus.toml get it put back, so no test sees another's config."""
    path = config_path(settings.ITPLUS_HOME)
    before = path.read_bytes() if path.exists() else None
    store_identity_set(**STORE_IDENTITY)
    yield
    if before is None:
        path.unlink(missing_ok=True)
    else:  # replaced, not rewritten in place: a new file is what the config cache notices
        tmp = path.with_suffix(".toml.restore")
        tmp.write_bytes(before)
        tmp.replace(path)


@pytest.fixture
def terminal(db):
    return make_terminal()


@pytest.fixture
def cashier(db):
    return make_user(role="cajero")


@pytest.fixture
def supervisor(db):
    return make_user(role="supervisor", pin="4321")


@pytest.fixture
def product(db):
    return make_product(name="Leche Entera 1 L", price_clp=1190)


@pytest.fixture
def api_client(client, terminal, cashier):
    """A Django test client logged in as a cashier, sending the terminal's token."""
    client.force_login(cashier)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {terminal.token}"
    return client
