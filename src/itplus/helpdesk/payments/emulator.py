"""A local Webpay Plus emulator for development and tests (REST API v1.2).

It speaks the same paths, headers, JSON fields, status codes and error shapes as
Transbank's servers, so the official SDK (and only the SDK) talks to it over a socket:

    POST /rswebpaytransaction/api/webpay/v1.2/transactions              create
    PUT  /rswebpaytransaction/api/webpay/v1.2/transactions/{token}      commit
    GET  /rswebpaytransaction/api/webpay/v1.2/transactions/{token}      status
    POST /rswebpaytransaction/api/webpay/v1.2/transactions/{token}/refunds

Every API call must carry Tbk-Api-Key-Id / Tbk-Api-Key-Secret (the integration
credentials by default). Errors are ``{"error_message": ...}`` with a 4xx status.

The ``url`` returned by create is the emulator's own payment form, where the "customer"
chooses: approve, reject the card, abort (returns TBK_TOKEN, TBK_ORDEN_COMPRA,
TBK_ID_SESION), let the form time out (returns TBK_ID_SESION and TBK_ORDEN_COMPRA only)
or hit an error and go back (token_ws and TBK_TOKEN). The browser then goes back to the
shop's return_url by an auto-submitting form (POST, or GET with ``return_method``).

Test knobs (attributes of WebpayEmulator): ``commit_delay`` (seconds to wait before
answering a commit that has already been applied: a network timeout on the client),
``status_delay`` (the same for status queries),
``tamper_amount`` / ``tamper_buy_order`` (a commit answer that does not match),
``refund_error`` (refuse every refund with this message, 422),
``age(token, hours)`` (move a transaction back in time for the 3-hour refund rule).

Run it alone with ``itplus-helpdesk webpay_emulator --port 8002``.
"""

from __future__ import annotations

import html
import json
import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from transbank.common.api_constants import ApiConstants
from transbank.common.integration_api_keys import IntegrationApiKeys
from transbank.common.integration_commerce_codes import IntegrationCommerceCodes

logger = logging.getLogger(__name__)

API = ApiConstants.WEBPAY_ENDPOINT + "/transactions"
FORM_PATH = "/webpayserver/initTransaction"
DECIDE_PATH = "/webpayserver/decide"
REVERSAL_WINDOW = timedelta(hours=3)
_TX_PATH = re.compile(rf"^{re.escape(API)}/(?P<token>[^/]+)(?P<refunds>/refunds)?/?$")


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class EmulatedTransaction:
    token: str
    buy_order: str
    session_id: str
    amount: int
    return_url: str
    created_at: datetime
    # What happened in the form: None (still there), approve, reject, abort, timeout, error.
    choice: str | None = None
    # INITIALIZED → AUTHORIZED | FAILED → REVERSED | NULLIFIED | PARTIALLY_NULLIFIED
    status: str = "INITIALIZED"
    committed: bool = False
    commit_calls: int = 0
    authorization_code: str = ""
    balance: int = 0
    refunds: list[dict] = field(default_factory=list)

    def as_json(self) -> dict:
        approved = self.status in ("AUTHORIZED", "REVERSED", "NULLIFIED", "PARTIALLY_NULLIFIED")
        body = {
            "vci": "TSY" if approved else ("TSN" if self.committed else ""),
            "amount": self.amount,
            "status": self.status,
            "buy_order": self.buy_order,
            "session_id": self.session_id,
            "card_detail": {"card_number": "6623"},
            "accounting_date": self.created_at.strftime("%m%d"),
            "transaction_date": self.created_at.strftime("%Y-%m-%dT%H:%M:%S.") + "000Z",
            "authorization_code": self.authorization_code,
            "payment_type_code": "VD",
            "response_code": 0 if approved else (-1 if self.committed else None),
            "installments_number": 0,
        }
        if self.status in ("NULLIFIED", "PARTIALLY_NULLIFIED"):
            body["balance"] = self.balance
        if not self.committed:
            body.pop("vci")
        return body


class WebpayEmulator:
    """The emulator's state and server. ``start()`` serves it from a daemon thread."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        public_url: str | None = None,
        commerce_code: str = IntegrationCommerceCodes.WEBPAY_PLUS,
        api_key: str = IntegrationApiKeys.WEBPAY,
        return_method: str = "POST",
        quiet: bool = True,
    ):
        self.commerce_code = commerce_code
        self.api_key = api_key
        self.return_method = return_method
        self.quiet = quiet
        self.commit_delay = 0.0
        self.status_delay = 0.0
        self.tamper_amount: int | None = None
        self.tamper_buy_order: str | None = None
        self.refund_error: str | None = None
        self.transactions: dict[str, EmulatedTransaction] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), _handler_for(self))
        self.server.daemon_threads = True
        bound_host, bound_port = self.server.server_address[:2]
        if bound_host in ("0.0.0.0", "::"):
            bound_host = "127.0.0.1"  # a browser cannot open the wildcard address
        self.url = (public_url or f"http://{bound_host}:{bound_port}").rstrip("/")
        self._thread: threading.Thread | None = None

    # -- lifecycle
    def start(self) -> WebpayEmulator:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.server.serve_forever()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- test helpers
    def age(self, token: str, *, hours: float) -> None:
        with self.lock:
            self.transactions[token].created_at -= timedelta(hours=hours)

    def commit_calls(self, token: str) -> int:
        return self.transactions[token].commit_calls

    # -- API
    def check_credentials(self, headers) -> None:
        if (
            headers.get("Tbk-Api-Key-Id") != self.commerce_code
            or headers.get("Tbk-Api-Key-Secret") != self.api_key
        ):
            raise ApiError(401, "Not Authorized")

    def create(self, body: dict) -> dict:
        for name, limit in (
            ("buy_order", ApiConstants.BUY_ORDER_LENGTH),
            ("session_id", ApiConstants.SESSION_ID_LENGTH),
            ("return_url", ApiConstants.RETURN_URL_LENGTH),
        ):
            value = body.get(name)
            if not isinstance(value, str) or not value or len(value) > limit:
                raise ApiError(422, f"Invalid value for parameter: {name}")
        amount = _pesos(body.get("amount"))
        if amount is None or amount <= 0:
            raise ApiError(422, "Invalid value for parameter: amount")
        token = secrets.token_hex(32)
        with self.lock:
            self.transactions[token] = EmulatedTransaction(
                token=token,
                buy_order=body["buy_order"],
                session_id=body["session_id"],
                amount=amount,
                return_url=body["return_url"],
                created_at=datetime.now(UTC),
            )
        return {"token": token, "url": self.url + FORM_PATH}

    def _get(self, token: str) -> EmulatedTransaction:
        tx = self.transactions.get(token)
        if tx is None:
            raise ApiError(422, "Invalid value for parameter: token")
        return tx

    def commit(self, token: str) -> dict:
        with self.lock:
            tx = self._get(token)
            tx.commit_calls += 1
            if tx.committed:
                raise ApiError(422, "Invalid status '1' for transaction while authorizing")
            if tx.choice not in ("approve", "reject"):
                raise ApiError(
                    422,
                    "Invalid status '0' for transaction while authorizing. "
                    "Commerce will be notified by webpay to authorize",
                )
            tx.committed = True
            if tx.choice == "approve":
                tx.status = "AUTHORIZED"
                tx.authorization_code = f"{secrets.randbelow(10**6):06d}"
                tx.balance = tx.amount
            else:
                tx.status = "FAILED"
                tx.authorization_code = "000000"
            answer = tx.as_json()
        if self.tamper_amount is not None:
            answer["amount"] = self.tamper_amount
        if self.tamper_buy_order is not None:
            answer["buy_order"] = self.tamper_buy_order
        if self.commit_delay:
            time.sleep(self.commit_delay)  # applied, but the answer comes too late
        return answer

    def status(self, token: str) -> dict:
        if self.status_delay:
            time.sleep(self.status_delay)
        with self.lock:
            tx = self._get(token)
            if datetime.now(UTC) - tx.created_at > timedelta(days=7):
                raise ApiError(
                    422,
                    "The transactions's date has passed max time (7 days) to recover the status",
                )
            return tx.as_json()

    def refund(self, token: str, body: dict) -> dict:
        amount = _pesos(body.get("amount"))
        with self.lock:
            tx = self._get(token)
            if self.refund_error:
                raise ApiError(422, self.refund_error)
            if tx.status not in ("AUTHORIZED", "PARTIALLY_NULLIFIED"):
                raise ApiError(422, f"Invalid status '{tx.status}' for transaction while refunding")
            if amount is None or amount <= 0:
                raise ApiError(422, "Invalid value for parameter: amount")
            if amount > tx.balance:
                raise ApiError(422, "Amount to refund is bigger than the balance")
            full = amount == tx.amount and not tx.refunds
            if full and datetime.now(UTC) - tx.created_at <= REVERSAL_WINDOW:
                tx.status, tx.balance = "REVERSED", 0
                answer = {"type": "REVERSED"}
            else:
                tx.balance -= amount
                tx.status = "NULLIFIED" if tx.balance == 0 else "PARTIALLY_NULLIFIED"
                answer = {
                    "type": "NULLIFIED",
                    "authorization_code": f"{secrets.randbelow(10**6):06d}",
                    "authorization_date": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    "nullified_amount": amount,
                    "balance": tx.balance,
                    "response_code": 0,
                }
            tx.refunds.append(answer)
            return answer

    # -- the payment form
    def decide(self, token: str, choice: str) -> tuple[str, dict[str, str]]:
        """The customer's choice in the form; returns (return_url, fields to send back)."""
        with self.lock:
            tx = self._get(token)
            if tx.choice is not None:
                raise ApiError(409, "Transaction already processed")
            tx.choice = choice
            if choice in ("abort", "timeout", "error"):
                tx.status = "FAILED"
            if choice in ("approve", "reject"):
                fields = {"token_ws": token}
            elif choice == "abort":
                fields = {
                    "TBK_TOKEN": token,
                    "TBK_ORDEN_COMPRA": tx.buy_order,
                    "TBK_ID_SESION": tx.session_id,
                }
            elif choice == "timeout":
                fields = {"TBK_ID_SESION": tx.session_id, "TBK_ORDEN_COMPRA": tx.buy_order}
            elif choice == "error":
                fields = {
                    "token_ws": token,
                    "TBK_TOKEN": token,
                    "TBK_ID_SESION": tx.session_id,
                    "TBK_ORDEN_COMPRA": tx.buy_order,
                }
            else:
                raise ApiError(400, "Unknown choice")
            return tx.return_url, fields


def _pesos(value) -> int | None:
    """Webpay amounts arrive as numbers or numeric strings (the SDK sends strings)."""
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    if amount != amount.to_integral_value():
        return None  # CLP has no cents
    return int(amount)


CHOICES = [
    ("approve", "Aprobar el pago", "primary"),
    ("reject", "Rechazar la tarjeta", "danger"),
    ("abort", "Anular la compra", "plain"),
    ("timeout", "Simular tiempo agotado", "plain"),
    ("error", "Simular error y volver al comercio", "plain"),
]

_PAGE = """<!doctype html><html lang="es-CL"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><style>
body{{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#eef1f5;
margin:0;color:#1d2433}}.box{{max-width:460px;margin:48px auto;background:#fff;
border-radius:12px;box-shadow:0 4px 20px #0002;overflow:hidden}}
header{{background:#6b1d5c;color:#fff;padding:18px 24px;font-size:20px;font-weight:700}}
header small{{display:block;font-weight:400;font-size:13px;opacity:.85}}
.body{{padding:20px 24px}}dl{{display:grid;grid-template-columns:auto 1fr;gap:6px 16px}}
dt{{color:#5b6475}}dd{{margin:0;font-weight:600}}.amount{{font-size:28px}}
button{{display:block;width:100%;margin:10px 0;padding:12px;border-radius:8px;
font-size:16px;cursor:pointer;border:1px solid #c6ccd6;background:#fff}}
button.primary{{background:#d5006d;color:#fff;border-color:#d5006d;font-weight:700}}
button.danger{{color:#b00020;border-color:#b00020}}
.note{{font-size:13px;color:#5b6475;background:#fff7d6;padding:10px;border-radius:8px}}
</style></head><body>{content}</body></html>"""


def _render_form(emulator: WebpayEmulator, tx: EmulatedTransaction) -> str:
    buttons = "".join(
        f'<button type="submit" name="choice" value="{value}" class="{css}">{label}</button>'
        for value, label, css in CHOICES
    )
    amount = f"${tx.amount:,}".replace(",", ".")
    content = f"""<div class="box"><header>Webpay Plus<small>Emulador local — no se cobra
    nada</small></header><div class="body"><dl>
    <dt>Comercio</dt><dd>{html.escape(emulator.commerce_code)}</dd>
    <dt>Orden de compra</dt><dd>{html.escape(tx.buy_order)}</dd>
    <dt>Monto</dt><dd class="amount">{amount}</dd></dl>
    <form method="post" action="{DECIDE_PATH}">
    <input type="hidden" name="token_ws" value="{html.escape(tx.token)}">{buttons}</form>
    <p class="note">Tarjeta de prueba 4051 8856 0044 6623. Elija cómo termina el pago.</p>
    </div></div>"""
    return _PAGE.format(title="Webpay Plus — emulador", content=content)


def _render_return(action: str, fields: dict[str, str], method: str) -> str:
    inputs = "".join(
        f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in fields.items()
    )
    content = f"""<div class="box"><header>Webpay Plus</header><div class="body">
    <p>Volviendo al comercio…</p>
    <form id="back" method="{method}" action="{html.escape(action)}">{inputs}
    <noscript><button type="submit">Volver al comercio</button></noscript></form>
    <script>document.getElementById("back").submit()</script></div></div>"""
    return _PAGE.format(title="Volviendo al comercio", content=content)


def _handler_for(emulator: WebpayEmulator):
    class Handler(BaseHTTPRequestHandler):
        server_version = "WebpayEmulator/1.2"

        def log_message(self, format, *args):  # noqa: A002  (stdlib signature)
            if not emulator.quiet:
                super().log_message(format, *args)

        # -- plumbing
        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (commit_delay)

        def _json(self, status: int, payload: dict) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json")

        def _html(self, status: int, page: str) -> None:
            self._send(status, page.encode("utf-8"), "text/html; charset=utf-8")

        def _form_fields(self) -> dict[str, str]:
            query = parse_qs(urlsplit(self.path).query)
            if self.command == "POST":
                query |= parse_qs(self._body().decode("utf-8"))
            return {k: v[-1] for k, v in query.items()}

        def _api(self, call) -> None:
            try:
                emulator.check_credentials(self.headers)
                self._json(200, call())
            except ApiError as exc:
                self._json(exc.status, {"error_message": exc.message})

        def _json_body(self) -> dict:
            raw = self._body()
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                raise ApiError(400, "Invalid JSON body")
            if not isinstance(body, dict):
                raise ApiError(400, "Invalid JSON body")
            return body

        # -- routes
        def do_POST(self):
            path = urlsplit(self.path).path
            if path.rstrip("/") == API:
                return self._api(lambda: emulator.create(self._json_body()))
            if (match := _TX_PATH.match(path)) and match["refunds"]:
                return self._api(lambda: emulator.refund(match["token"], self._json_body()))
            if path == FORM_PATH:
                return self._form()
            if path == DECIDE_PATH:
                return self._decide()
            self._json(404, {"error_message": "Not Found"})

        def do_PUT(self):
            match = _TX_PATH.match(urlsplit(self.path).path)
            if match and not match["refunds"]:
                self._body()
                return self._api(lambda: emulator.commit(match["token"]))
            self._json(404, {"error_message": "Not Found"})

        def do_GET(self):
            path = urlsplit(self.path).path
            match = _TX_PATH.match(path)
            if match and not match["refunds"]:
                return self._api(lambda: emulator.status(match["token"]))
            if path == FORM_PATH:
                return self._form()
            self._json(404, {"error_message": "Not Found"})

        def _form(self) -> None:
            token = self._form_fields().get("token_ws", "")
            tx = emulator.transactions.get(token)
            if tx is None or tx.choice is not None:
                return self._html(
                    400,
                    _PAGE.format(
                        title="Webpay",
                        content='<div class="box"><div class="body">'
                        "Transacción no válida o ya procesada.</div></div>",
                    ),
                )
            self._html(200, _render_form(emulator, tx))

        def _decide(self) -> None:
            fields = self._form_fields()
            try:
                return_url, back = emulator.decide(
                    fields.get("token_ws", ""), fields.get("choice", "")
                )
            except ApiError as exc:
                return self._html(
                    exc.status,
                    _PAGE.format(
                        title="Webpay",
                        content=f'<div class="box"><div class="body">'
                        f"{html.escape(exc.message)}</div></div>",
                    ),
                )
            method = emulator.return_method
            if method == "GET":
                separator = "&" if "?" in return_url else "?"
                self.send_response(HTTPStatus.SEE_OTHER)
                self.send_header("Location", return_url + separator + urlencode(back))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self._html(200, _render_return(return_url, back, "post"))

    return Handler
