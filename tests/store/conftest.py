"""Store fixtures: a terminal with an open cash session, staff, a product, an API client."""

import pytest

from itplus.store.config import config_path
from tests.factories import make_product, make_terminal, make_user


@pytest.fixture(autouse=True)
def _config_file_restored():
    """Tests that write itplus.toml get it put back, so no test sees another's config."""
    from django.conf import settings

    path = config_path(settings.ITPLUS_HOME)
    before = path.read_bytes() if path.exists() else None
    yield
    if before is None:
        path.unlink(missing_ok=True)
    else:
        path.write_bytes(before)


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
