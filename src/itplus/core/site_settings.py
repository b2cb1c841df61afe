"""Settings pieces both sites build the same way: the secret key and the database."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url

SECRET_KEY_FILENAME = "secret.key"


def secret_key(home: Path, env_var: str) -> str:
    """The key from ``env_var``, else this install's key file in ``home`` (read only;
    ``""`` when there is none yet — ``secret_key_ensure`` creates it)."""
    if key := os.environ.get(env_var):
        return key
    try:
        return (home / SECRET_KEY_FILENAME).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return ""


def secret_key_ensure(home: Path) -> None:
    """Create the install's random key file in ``home`` if it does not exist yet."""
    path = home / SECRET_KEY_FILENAME
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50), encoding="ascii")


def database(sqlite_path: Path, *, url: str = "") -> dict[str, Any]:
    """DATABASE_URL (PostgreSQL) if set, else ``url`` (the store's configured database),
    else the SQLite file tuned for a small server.

    WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at
    BEGIN so two writers never deadlock upgrading a read lock.
    """
    config = dj_database_url.config(
        default=url or f"sqlite:///{sqlite_path.as_posix()}", conn_max_age=60
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["OPTIONS"] = {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            ),
        }
        config["CONN_MAX_AGE"] = 0
    return config


# Defaults both sites share: a Chilean, Spanish-speaking Django site served by WhiteNoise.
# A settings module takes them with ``from itplus.core.site_settings import ...``.
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# es-cl must be the language in LANGUAGES too: with only "es" there, LocaleMiddleware
# activates "es" and Django formats numbers and dates the Spanish way ("35 000"). The
# translations still come from Django's "es" catalogue (gettext falls back es_CL → es);
# the formats from itplus.core.formats.es_CL ("35.000", "31-12-2025").
LANGUAGE_CODE = "es-cl"
LANGUAGES = [("es-cl", "Español (Chile)")]
FORMAT_MODULE_PATH = ["itplus.core.formats"]
TIME_ZONE = "America/Santiago"
USE_I18N = True
USE_TZ = True
# Amounts and counts grouped by thousands ("35.000") wherever Django localizes a number
# (admin lists, {{ value }} in templates); ids in links go through {% url %} or |unlocalize.
USE_THOUSAND_SEPARATOR = True
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "itplus.core.csp.content_security_policy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before anything reads the request: NUL / lone surrogates / oversized bodies refused.
    "itplus.core.input_hygiene.refuse_bad_input",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"itplus": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
