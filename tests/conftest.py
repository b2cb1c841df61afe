import pytest

from tests.factories import make_product, make_terminal, make_user


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
