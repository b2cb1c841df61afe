"""Test settings of the help desk site: its settings with a throwaway HELPDESK_HOME.

SQLite (a real file, WAL) unless DATABASE_URL points at PostgreSQL.
Run: pytest tests/helpdesk tests/core/test_chile.py --ds=tests.helpdesk_settings
"""

import os
import tempfile

from itplus.helpdesk.company import company_example_write

os.environ.setdefault("HELPDESK_HOME", tempfile.mkdtemp(prefix="itplus-helpdesk-test-"))
# The example company of `itplus-helpdesk demo`: the pages' tests read its channels.
company_example_write(os.environ["HELPDESK_HOME"])
# Tests start their own emulator and point the SDK at it per test.
os.environ.pop("HELPDESK_WEBPAY_EMULATOR_URL", None)

from itplus.helpdesk.settings import *  # noqa: E402,F403
from itplus.helpdesk.settings import DATABASES, HELPDESK_HOME  # noqa: E402

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(HELPDESK_HOME / "test.sqlite3")}

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Short enough that the "commit without answer" test runs fast.
WEBPAY_TIMEOUT_SECONDS = 2
