"""The Webpay Plus adapter: the official transbank-sdk, configured from settings.

Two adjustments, both through the SDK's own surface:
- Timeout: ``Options`` takes a ``timeout`` argument (default 600 s, passed to every
  ``requests`` call); we give it settings.WEBPAY_TIMEOUT_SECONDS (15 s).
- Host: the SDK has no setting for it; ``RequestService.host(options)`` derives it from
  the integration type. When settings.WEBPAY_EMULATOR_URL is set we build options that
  carry that URL and wrap that one lookup to return it. Requests, JSON and errors still
  go through the SDK's own code, over a real socket, to the emulator.
"""

from __future__ import annotations

from django.conf import settings
from requests import RequestException
from transbank.common.integration_type import IntegrationType
from transbank.common.options import WebpayOptions
from transbank.common.request_service import RequestService
from transbank.error.transbank_error import TransbankError
from transbank.webpay.webpay_plus.transaction import Transaction

# The SDK answers 4xx with TransbankError subclasses; network failures (timeouts,
# refused connections) pass through it as requests' exceptions.
GatewayError = TransbankError
GatewayUnreachable = RequestException


class EmulatorOptions(WebpayOptions):
    """Webpay options whose host is the local emulator instead of Transbank."""

    def __init__(self, *args, emulator_url: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.emulator_url = emulator_url.rstrip("/")


_sdk_host = RequestService.host.__func__


def _host(cls, options):
    return getattr(options, "emulator_url", None) or _sdk_host(cls, options)


# Only options built by EmulatorOptions change; every other caller gets the SDK's answer.
RequestService.host = classmethod(_host)


def transaction() -> Transaction:
    """A Webpay Plus transaction client for the configured environment."""
    integration = (
        IntegrationType.LIVE
        if settings.WEBPAY_ENVIRONMENT == "production"
        else IntegrationType.TEST
    )
    args = (settings.WEBPAY_COMMERCE_CODE, settings.WEBPAY_API_KEY, integration)
    timeout = settings.WEBPAY_TIMEOUT_SECONDS
    if settings.WEBPAY_EMULATOR_URL:
        return Transaction(
            EmulatorOptions(*args, timeout=timeout, emulator_url=settings.WEBPAY_EMULATOR_URL)
        )
    return Transaction(WebpayOptions(*args, timeout=timeout))
