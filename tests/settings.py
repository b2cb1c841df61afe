"""Test settings: the store's settings with a throwaway ITPLUS_HOME.

The database is SQLite (a real file, WAL, as in production) unless DATABASE_URL points
at PostgreSQL; `make test` runs the suite once on each.
"""

import os
import tempfile

from itplus.store.config.home import home_prepare

os.environ.setdefault("ITPLUS_HOME", tempfile.mkdtemp(prefix="itplus-test-"))
home_prepare()

from itplus.store.settings import *  # noqa: E402,F403
from itplus.store.settings import DATABASES, ITPLUS_HOME  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(ITPLUS_HOME / "test.sqlite3")}

# Fast hashing: tests create many users; production keeps Django's default.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# No automatic backup per closed cash session: tests that test it turn it on.
ITPLUS_BACKUP_AFTER_SESSION_CLOSE = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
