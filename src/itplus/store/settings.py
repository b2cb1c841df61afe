"""Settings of the store site (the shop's POS and back office).

Reads two environment variables:
- ITPLUS_HOME: the data folder (SQLite database, itplus.toml, reports, backups, media).
  Else the folder recorded when the store was created (config.home).
- DATABASE_URL: PostgreSQL (postgres://user@host:port/db); else ``[database] url`` of
  itplus.toml (written by ``itplus setup server``); else an SQLite file in ITPLUS_HOME.

Importing this module writes nothing: the ``itplus`` command, the WSGI entry point and
the test settings call ``config.home.home_prepare`` first (folder, static folder,
secret key).
"""

import os
from pathlib import Path

from itplus.core import site_settings
from itplus.core.site_settings import (  # noqa: F401  (shared defaults of both sites)
    AUTH_PASSWORD_VALIDATORS,
    DEFAULT_AUTO_FIELD,
    FORMAT_MODULE_PATH,
    LANGUAGE_CODE,
    LANGUAGES,
    LOGGING,
    TIME_ZONE,
    USE_I18N,
    USE_THOUSAND_SEPARATOR,
    USE_TZ,
    database,
    secret_key,
)
from itplus.store.config.home import DATABASE_FILENAME, database_url_configured, itplus_home

BASE_DIR = Path(__file__).resolve().parent
ITPLUS_HOME = itplus_home()
# A backup after every cash-session close (maintenance.scheduling); off in the tests.
ITPLUS_BACKUP_AFTER_SESSION_CLOSE = True
REPORTS_DIR = ITPLUS_HOME / "reports"
BACKUPS_DIR = ITPLUS_HOME / "backups"
MEDIA_ROOT = ITPLUS_HOME / "media"
MEDIA_URL = "/media/"


SECRET_KEY = secret_key(ITPLUS_HOME, "ITPLUS_SECRET_KEY")
DEBUG = os.environ.get("ITPLUS_DEBUG", "") == "1"
# Terminals reach the server by its LAN address, which we cannot know in advance.
ALLOWED_HOSTS = os.environ.get("ITPLUS_ALLOWED_HOSTS", "*").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "template_partials",
    "ninja",  # the API docs page with its own Swagger UI files, no CDN
    "itplus.store.accounts",
    "itplus.store.terminals",
    "itplus.store.catalog",
    "itplus.store.printing",
    "itplus.store.cash",
    "itplus.store.inventory",
    "itplus.store.customers",
    "itplus.store.purchases",
    "itplus.store.sales",
    "itplus.store.till",
    "itplus.store.setup",
    "itplus.store.home",
    "itplus.store.demo",
    "itplus.store.maintenance",
]


# Staff reaching the till or the back office before the store's identity is set are
# sent to the first-run page (after authentication: it depends on the user's role).
MIDDLEWARE = [*site_settings.MIDDLEWARE, "itplus.store.setup.middleware.store_identity_required"]

ROOT_URLCONF = "itplus.store.urls"
WSGI_APPLICATION = "itplus.store.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# DATABASE_URL wins; else [database] url of itplus.toml (server mode); else SQLite.
DATABASES = {
    "default": database(ITPLUS_HOME / DATABASE_FILENAME, url=database_url_configured(ITPLUS_HOME))
}

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LOCALE_PATHS = [BASE_DIR.parent / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = ITPLUS_HOME / "static"
# Static files are served by WhiteNoise straight from the installed package (no
# collectstatic step), so a reinstall needs nothing but the wheel.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_AGE = 60 * 60 * 14  # one long shift
