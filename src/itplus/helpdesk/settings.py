"""Settings of the help desk site (the vendor's "mesa de ayuda" that sells support online).

Environment variables:
- HELPDESK_HOME: the data folder (SQLite database, secret key, outgoing mail in dev).
  Defaults to ./var/helpdesk under the current directory.
- DATABASE_URL: PostgreSQL (postgres://user@host:port/db); defaults to SQLite in
  HELPDESK_HOME. Give the help desk its own database name.
- HELPDESK_WEBPAY_EMULATOR_URL: when set (e.g. http://127.0.0.1:8002), the Transbank SDK
  talks to the local Webpay emulator instead of Transbank (development, tests).
- HELPDESK_WEBPAY_ENVIRONMENT: "integration" (default, Transbank's test servers with the
  public integration credentials) or "production" (then HELPDESK_WEBPAY_COMMERCE_CODE
  and HELPDESK_WEBPAY_API_KEY are required).
- HELPDESK_WEBPAY_FORM_MINUTES: how long a second "pay" resumes the open Webpay form
  (default 10); past it a new transaction replaces the open one.
- HELPDESK_HOME/helpdesk.toml: company, RUT, phone, WhatsApp, e-mail, hours and the bank
  account for transfers (itplus.helpdesk.company; `itplus-helpdesk demo` writes an example).
- HELPDESK_EMAIL_HOST (+ _PORT, _USER, _PASSWORD): SMTP for outgoing mail; without it
  each message is written as a file in HELPDESK_HOME/mail.
"""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from transbank.common.integration_api_keys import IntegrationApiKeys
from transbank.common.integration_commerce_codes import IntegrationCommerceCodes

from itplus.core.site_settings import (  # noqa: F401  (settings read by Django)
    AUTH_PASSWORD_VALIDATORS,
    DEFAULT_AUTO_FIELD,
    FORMAT_MODULE_PATH,
    LANGUAGE_CODE,
    LANGUAGES,
    LOGGING,
    MIDDLEWARE,
    TIME_ZONE,
    USE_I18N,
    USE_THOUSAND_SEPARATOR,
    USE_TZ,
    database,
    secret_key,
    secret_key_ensure,
)
from itplus.helpdesk.company import company_load

BASE_DIR = Path(__file__).resolve().parent
HELPDESK_HOME = Path(os.environ.get("HELPDESK_HOME", Path.cwd() / "var" / "helpdesk")).resolve()
HELPDESK_HOME.mkdir(parents=True, exist_ok=True)

secret_key_ensure(HELPDESK_HOME)
SECRET_KEY = secret_key(HELPDESK_HOME, "HELPDESK_SECRET_KEY")
DEBUG = os.environ.get("HELPDESK_DEBUG", "") == "1"
ALLOWED_HOSTS = os.environ.get("HELPDESK_ALLOWED_HOSTS", "*").split(",")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("HELPDESK_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

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
    "itplus.helpdesk",
    "itplus.helpdesk.services",
    "itplus.helpdesk.orders",
    "itplus.helpdesk.payments",
]

ROOT_URLCONF = "itplus.helpdesk.urls"
WSGI_APPLICATION = "itplus.helpdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "itplus.helpdesk.context.contact",
            ],
        },
    },
]

DATABASES = {"default": database(HELPDESK_HOME / "helpdesk.sqlite3")}
LOGIN_URL = "/admin/login/"

LOCALE_PATHS = [BASE_DIR.parent / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = HELPDESK_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns when it is missing
# Served by WhiteNoise straight from the package: no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Outgoing mail: SMTP when configured, else one file per message in HELPDESK_HOME/mail.
if os.environ.get("HELPDESK_EMAIL_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = os.environ["HELPDESK_EMAIL_HOST"]
    EMAIL_PORT = int(os.environ.get("HELPDESK_EMAIL_PORT", "587"))
    EMAIL_HOST_USER = os.environ.get("HELPDESK_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("HELPDESK_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = True
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = HELPDESK_HOME / "mail"
# Who the help desk is (company, RUT, channels, hours, bank account): HELPDESK_HOME/
# helpdesk.toml (itplus.helpdesk.company); the confirmation page and e-mail show it all.
HELPDESK_CONTACT, HELPDESK_BANK_ACCOUNT = company_load(HELPDESK_HOME)
DEFAULT_FROM_EMAIL = os.environ.get("HELPDESK_FROM_EMAIL") or (
    f"Mesa de Ayuda {HELPDESK_CONTACT['company']} <{HELPDESK_CONTACT['email']}>"
    if HELPDESK_CONTACT["email"]
    else "webmaster@localhost"
)

# Webpay Plus (Transbank). Integration credentials are public and come from the SDK.
WEBPAY_ENVIRONMENT = os.environ.get("HELPDESK_WEBPAY_ENVIRONMENT", "integration")
WEBPAY_COMMERCE_CODE = os.environ.get(
    "HELPDESK_WEBPAY_COMMERCE_CODE", IntegrationCommerceCodes.WEBPAY_PLUS
)
WEBPAY_API_KEY = os.environ.get("HELPDESK_WEBPAY_API_KEY", IntegrationApiKeys.WEBPAY)
WEBPAY_EMULATOR_URL = os.environ.get("HELPDESK_WEBPAY_EMULATOR_URL", "")
if WEBPAY_ENVIRONMENT == "production" and (
    WEBPAY_EMULATOR_URL
    or not os.environ.get("HELPDESK_WEBPAY_COMMERCE_CODE")
    or not os.environ.get("HELPDESK_WEBPAY_API_KEY")
):
    raise ImproperlyConfigured(
        "Webpay en producción necesita HELPDESK_WEBPAY_COMMERCE_CODE y HELPDESK_WEBPAY_API_KEY, "
        "y no admite HELPDESK_WEBPAY_EMULATOR_URL."
    )
# The SDK waits 600 s by default; a customer is waiting on the return page.
WEBPAY_TIMEOUT_SECONDS = float(os.environ.get("HELPDESK_WEBPAY_TIMEOUT", "15"))
# How long Webpay's payment form stays usable after create: within it a second "pay"
# (another tab) resumes the open transaction, after it a new one replaces it. Erring
# long is the safe side: a dead token only brings the customer back with a timeout.
WEBPAY_FORM_LIFETIME_SECONDS = 60 * float(os.environ.get("HELPDESK_WEBPAY_FORM_MINUTES", "10"))
