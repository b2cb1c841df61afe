import pytest

from itplus.store.config import save_config


@pytest.fixture
def no_identity(settings):
    """A first run: itplus.toml says nothing (the store conftest puts the file back)."""
    save_config(settings.ITPLUS_HOME, {})
