"""Settings of the store site (the shop's POS and back office).

Reads two environment variables:
- ITPLUS_HOME: the data folder (SQLite database, itplus.toml, reports, backups, media).
  Defaults to ./var under the current directory.
- DATABASE_URL: PostgreSQL for server mode (postgres://user@host:port/db); defaults to
  an SQLite file inside ITPLUS_HOME.
"""

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
ITPLUS_HOME = Path(os.environ.get("ITPLUS_HOME", Path.cwd() / "var")).resolve()
ITPLUS_HOME.mkdir(parents=True, exist_ok=True)
REPORTS_DIR = ITPLUS_HOME / "reports"
BACKUPS_DIR = ITPLUS_HOME / "backups"
MEDIA_ROOT = ITPLUS_HOME / "media"
MEDIA_URL = "/media/"


def _secret_key() -> str:
    """One random key per install, kept in ITPLUS_HOME so sessions survive restarts."""
    if key := os.environ.get("ITPLUS_SECRET_KEY"):
        return key
    path = ITPLUS_HOME / "secret.key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="ascii")
    return path.read_text(encoding="ascii").strip()


SECRET_KEY = _secret_key()
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
    "itplus.store.accounts",
    "itplus.store.terminals",
    "itplus.store.catalog",
    "itplus.store.cash",
    "itplus.store.inventory",
    "itplus.store.customers",
    "itplus.store.purchases",
    "itplus.store.sales",
    "itplus.store.till",
    "itplus.store.demo",
    "itplus.store.maintenance",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

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

_sqlite_path = ITPLUS_HOME / "itplus.sqlite3"
DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{_sqlite_path.as_posix()}", conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the till read while another terminal writes; IMMEDIATE takes the write
    # lock at BEGIN so two sales never deadlock upgrading a read lock.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

LANGUAGE_CODE = "es-cl"
LANGUAGES = [("es", "Español")]
LOCALE_PATHS = [BASE_DIR.parent / "locale"]
TIME_ZONE = "America/Santiago"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
STATIC_ROOT = ITPLUS_HOME / "static"
# Static files are served by WhiteNoise straight from the installed package (no
# collectstatic step), so a reinstall needs nothing but the wheel.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns when it is missing
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_AGE = 60 * 60 * 14  # one long shift

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"itplus": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
