"""Where a sale's time goes on PostgreSQL: SQL queries per sale and a cProfile of many sales.

``.venv/bin/python bench/sale_profile.py [--sales 300]`` builds the same store as
``bench/load.py`` (``tests.postgres_server``, a fresh PostgreSQL database, dropped
afterwards), then, in a child process with the store's settings, sends sales through the
full request stack (Django's test Client with the terminal's token and a logged-in
cashier; no socket) and prints:

- the SQL of one 4-line sale (``CaptureQueriesContext``), counted by kind and table;
- the time in the database (the queries' own clock) against the whole request;
- cProfile's top functions by cumulative and by own time over ``--sales`` sales.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def child(config: dict, n_sales: int) -> None:
    import cProfile
    import io
    import pstats
    import random
    import re
    import time
    from collections import Counter

    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tests.load_client import sale_body

    till, products = config["tills"][0], config["products"]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {till['token']}")
    client.force_login(User.objects.get(username=till["username"]))
    rng = random.Random(1)

    def sell(index: int, lines: int | None = None):
        body, _ = sale_body(rng, products, index)
        if lines:  # a fixed size for the query count
            body["lines"] = [{"code": p["code"], "quantity": "1"} for p in products[:lines]]
            total = sum(p["price_clp"] for p in products[:lines])
            body["payments"] = [{"method": "debito", "amount_clp": total}]
        response = client.post("/api/v1/sales", data=body, content_type="application/json")
        assert response.status_code == 201, response.content
        return response

    for i in range(20):  # warm-up
        sell(i)
    for lines in (1, 4):
        with CaptureQueriesContext(connection) as ctx:
            sell(0, lines=lines)
        kinds: Counter = Counter()
        for q in ctx.captured_queries:
            sql = q["sql"]
            verb = sql.split()[0].upper()
            table = re.search(r'(?:FROM|INTO|UPDATE)\s+"(\w+)"', sql)
            lock = " FOR UPDATE" if "FOR UPDATE" in sql else ""
            kinds[f"{verb}{lock} {table.group(1) if table else ''}"] += 1
        db_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
        print(f"\n== one {lines}-line sale: {len(ctx.captured_queries)} queries, {db_ms:.1f} ms")
        for kind, n in sorted(kinds.items(), key=lambda kv: -kv[1]):
            print(f"  {n:3d}  {kind}")

    # Wall time vs time inside the database driver, over many sales.
    db_time = 0.0

    def timed(execute, sql, params, many, context):
        nonlocal db_time
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            db_time += time.perf_counter() - began

    began = time.perf_counter()
    with connection.execute_wrapper(timed):
        for i in range(n_sales):
            sell(i)
    wall = time.perf_counter() - began
    print(
        f"\n== {n_sales} sales back to back: {wall / n_sales * 1000:.1f} ms each, of which "
        f"{db_time / n_sales * 1000:.1f} ms waiting on PostgreSQL (queries, commit)"
        f" → {n_sales / wall:.0f} sales/s for one thread"
    )

    profile = cProfile.Profile()
    profile.enable()
    for i in range(n_sales):
        sell(i)
    profile.disable()
    for title, order, restriction in (
        ("itplus's own functions, by cumulative time", "cumulative", ["src/itplus/", 30]),
        ("all functions, by own time", "tottime", [25]),
    ):
        out = io.StringIO()
        stats = pstats.Stats(profile, stream=out).sort_stats(order)
        stats.print_stats(*restriction)
        print(f"\n== cProfile, {n_sales} sales: {title}")
        for line in out.getvalue().splitlines()[6:]:
            print(line.replace(str(ROOT / "src") + "/", "").replace(sys.prefix, "…"))


def main() -> int:
    from bench.load import PRODUCTS
    from tests.postgres_server import store_server

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=300)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(Path(args.child).read_text(encoding="utf-8")), args.sales)
        return 0
    with store_server(terminals=1, products=PRODUCTS) as server:
        config = server.home / "profile.json"
        config.write_text(
            json.dumps({"tills": server.tills, "products": server.products}), encoding="utf-8"
        )
        env = {**server.env, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
        return subprocess.call(
            [sys.executable, __file__, "--sales", str(args.sales), "--child", str(config)],
            env=env,
            cwd=ROOT,
        )


if __name__ == "__main__":
    sys.exit(main())
