"""The store's configuration file (``ITPLUS_HOME/itplus.toml``).

Settings a shop owner or technician edits (store identity, printer, discount limits,
scale barcode patterns, approvals, backups) live in one human-readable file inside
ITPLUS_HOME, so a backup of that folder carries them and a reinstall brings them back
identical. ``get_config()`` returns them typed and validated (``schema.StoreConfig``).
"""

from itplus.store.config.loading import (
    CONFIG_FILENAME,
    config_path,
    config_read,
    config_section_set,
    get_config,
    load_config,
    save_config,
)
from itplus.store.config.schema import (
    DEFAULTS,
    ConfigError,
    StoreConfig,
    StoreIdentity,
    config_from_dict,
)
from itplus.store.config.services import (
    InvalidStoreIdentity,
    StoreIdentityMissing,
    require_store_identity,
    store_identity_missing,
    store_identity_set,
)

__all__ = [
    "CONFIG_FILENAME",
    "DEFAULTS",
    "ConfigError",
    "InvalidStoreIdentity",
    "StoreConfig",
    "StoreIdentity",
    "StoreIdentityMissing",
    "config_from_dict",
    "config_path",
    "config_read",
    "config_section_set",
    "get_config",
    "load_config",
    "require_store_identity",
    "save_config",
    "store_identity_missing",
    "store_identity_set",
]
