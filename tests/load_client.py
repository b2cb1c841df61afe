"""A simulated till terminal: one process, the till's HTTP calls, nothing of Django.

``python tests/load_client.py CONFIG.json OUT.json``. CONFIG holds the server's URL, this
till (token, cashier's username and password), the products (barcode, price), how many
sales, a random seed, the pacing and a ready/go pair of files (the
terminal writes the first once logged in and waits for the second, so every terminal
starts selling together). The terminal logs its cashier in the way the till's
browser does (``/login/`` form with its CSRF token → session cookie) and then, like the
till's ``api.js``, sends ``Authorization: Bearer <terminal token>`` plus that session
cookie with every ``/api/v1/`` call, on one keep-alive connection.

Each sale has its own ``client_uuid``. Every ``timeout_every``-th sale is first sent with
a deadline too short for any answer (``tiny_timeout`` seconds) — the till's "no answer,
maybe it got through" — and then sent again, same UUID and body, as the till retries.
OUT gets one record per sale: its UUID, lines, payments, final status and answer,
attempts, whether a deadline expired, and the latency of the answered attempt.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import sys
import time
import uuid
from urllib.parse import urlencode, urlsplit

ANSWER_TIMEOUT = 60.0
CONNECT_RETRIES = 5


class Terminal:
    def __init__(self, url: str, token: str):
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.token = token
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=ANSWER_TIMEOUT)
        if self.conn.sock is None:
            self.conn.connect()
        self.conn.sock.settimeout(timeout)
        return self.conn

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        *,
        content_type: str = "application/json",
        api: bool = True,
        timeout: float = ANSWER_TIMEOUT,
    ) -> tuple[int, dict[str, str], bytes]:
        """One request; raises TimeoutError when no answer comes within ``timeout``
        (the connection is then dropped, as the browser's aborted fetch drops it)."""
        headers = {"Accept": "application/json" if api else "text/html"}
        if api:
            headers["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            headers["Content-Type"] = content_type
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in range(CONNECT_RETRIES):
            try:
                conn = self._connection(timeout)
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                break
            except TimeoutError:
                self.close()
                raise TimeoutError(path) from None
            except (ConnectionError, http.client.HTTPException, OSError):
                # The server closed a kept-alive connection: open another and send again
                # (the same request: the sale's UUID makes that safe).
                self.close()
                if attempt == CONNECT_RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, dict(response.getheaders()), data

    def log_in(self, username: str, password: str) -> None:
        """The login page's form, as the browser submits it."""
        status, _, page = self.call("GET", "/login/", api=False)
        assert status == 200, status
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert match, "no CSRF token on /login/"
        form = urlencode(
            {
                "csrfmiddlewaretoken": match.group(1).decode(),
                "username": username,
                "password": password,
                "next": "/pos/",
            }
        ).encode()
        status, headers, _ = self.call(
            "POST",
            "/login/",
            form,
            content_type="application/x-www-form-urlencoded",
            api=False,
        )
        assert status == 302 and "sessionid" in self.cookies, (status, headers)


def sale_body(rng: random.Random, products: list[dict], index: int) -> tuple[dict, int]:
    """A ticket of 1–4 products, always with the first (every till sells it: the hottest
    stock row), paid in cash (rounded-up banknotes) or by debit (the exact total)."""
    others = rng.sample(products[1:], k=rng.randint(0, min(3, len(products) - 1)))
    lines = [(products[0], rng.randint(1, 2))] + [(p, rng.randint(1, 3)) for p in others]
    total = sum(p["price_clp"] * qty for p, qty in lines)
    if index % 2:
        payments = [{"method": "debito", "amount_clp": total}]
    else:
        payments = [{"method": "efectivo", "amount_clp": (total // 1000 + 1) * 1000}]
    body = {
        "client_uuid": str(uuid.uuid4()),
        "lines": [{"code": p["code"], "quantity": str(qty)} for p, qty in lines],
        "payments": payments,
    }
    return body, total


def run(config: dict) -> dict:
    terminal = Terminal(config["url"], config["till"]["token"])
    terminal.log_in(config["till"]["username"], config["till"]["password"])
    rng = random.Random(config.get("seed", 0))
    products = config["products"]
    timeout_every = config.get("timeout_every", 0)
    tiny_timeout = config.get("tiny_timeout", 0.002)
    pace = config.get("pace_s", 0.0)
    lookups = config.get("lookups", 0)
    records, lookup_ms = [], []
    if config.get("ready_file"):  # logged in; every terminal starts selling together
        open(config["ready_file"], "w").close()
        while not os.path.exists(config["go_file"]):
            time.sleep(0.01)
    for i in range(lookups):  # the baseline: the till's simplest call, one indexed lookup
        code = products[i % len(products)]["code"]
        began = time.perf_counter()
        status, _, _ = terminal.call("GET", f"/api/v1/products/lookup?code={code}")
        lookup_ms.append((time.perf_counter() - began) * 1000)
        assert status == 200, status
    # Paced tills start at a random point of their first interval, not all in one burst.
    began_sales = time.perf_counter() + (rng.uniform(0, pace) if pace else 0.0)
    for i in range(config.get("sales", 0)):
        if pace:  # a busy till: one sale every `pace` seconds, whatever the last one took
            time.sleep(max(0.0, began_sales + i * pace - time.perf_counter()))
        body, expected_total = sale_body(rng, products, i)
        raw = json.dumps(body).encode()
        record = {
            "uuid": body["client_uuid"],
            "body": body,
            "expected_total_clp": expected_total,
            "sent_at": time.time(),
        }
        attempts, timed_out = 0, False
        if timeout_every and i % timeout_every == timeout_every - 1:
            attempts += 1
            try:
                status, _, data = terminal.call("POST", "/api/v1/sales", raw, timeout=tiny_timeout)
            except TimeoutError:
                timed_out = True
        while True:  # a sale the server did not answer is sent again, the same
            attempts += 1
            began = time.perf_counter()
            try:
                status, _, data = terminal.call("POST", "/api/v1/sales", raw)
                break
            except TimeoutError:
                timed_out = True
                if attempts > 5:
                    raise
        record |= {
            "status": status,
            "answer": json.loads(data or b"null"),
            "attempts": attempts,
            "timed_out": timed_out,
            "latency_ms": (time.perf_counter() - began) * 1000,
            "finished_at": time.time(),
        }
        records.append(record)
    terminal.close()
    return {"till": config["till"]["code"], "sales": records, "lookup_ms": lookup_ms}


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as f:
        result = run(json.load(f))
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(result, f)
