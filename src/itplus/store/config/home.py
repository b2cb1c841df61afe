"""The data folder, ITPLUS_HOME: where it is, and making it ready to run.

Importing the settings reads this folder and writes nothing; ``home_prepare`` — called
by the ``itplus`` command, the WSGI entry point and the test settings before Django
starts — creates the folder, the static folder WhiteNoise expects and the install's
secret key.
"""

from __future__ import annotations

import os
from pathlib import Path

from itplus.core.site_settings import secret_key_ensure


def itplus_home() -> Path:
    """ITPLUS_HOME from the environment, else ./var under the current directory."""
    return Path(os.environ.get("ITPLUS_HOME", Path.cwd() / "var")).resolve()


def home_prepare(home: Path | None = None) -> Path:
    """Create what a run needs in ITPLUS_HOME (idempotent) and return the folder."""
    home = Path(home) if home is not None else itplus_home()
    home.mkdir(parents=True, exist_ok=True)
    (home / "static").mkdir(exist_ok=True)  # STATIC_ROOT: WhiteNoise warns when missing
    if not os.environ.get("ITPLUS_SECRET_KEY"):
        secret_key_ensure(home)
    return home
