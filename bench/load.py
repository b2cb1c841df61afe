"""Many terminals: sales from 1, 5, 20 and 50 tills at once against the real server on PostgreSQL.

``run(quick=False)`` starts the real ``itplus serve`` (waitress, 8 threads, and as many
processes as ``itplus setup server`` gives the server PC: one per CPU, at most 4) on
a fresh PostgreSQL database with as many terminals as the largest level, through
``tests.postgres_server`` (the same harness as tests/store/sales/test_many_terminals.py),
and drives it with till processes (``tests/load_client.py``: the cashier logged in through
``/login/``, the terminal's token on every call, one keep-alive connection each). A
ticket is 1–4 lines, always with the same "hot" product (every till contends for its
stock row), paid half in cash, half by debit.

Phases, all on the same server in the same run:

- baselines: pgbench's TPC-B (its default script, 8 clients, on the server's database:
  the rate PostgreSQL itself commits small read-write transactions on this machine), a
  bare single-row ``INSERT`` + ``SELECT`` transaction from Python (psycopg, one
  connection, durable commit), and the till's simplest API call
  (``GET /api/v1/products/lookup``) from one terminal through the same server;
- one terminal selling back to back: a sale's cost with nobody else around;
- each level N: N terminals, each selling one ticket every ``PACE_S`` seconds for
  ``paced_seconds``, each starting at a random point of its first interval (p50/p99
  latency and the throughput achieved against what was offered), then the same N selling
  back to back (the sales per second the server gives);
- the largest level back to back once more on a server with one process, for the ratio.

Afterwards the database is checked (``itplus audit`` clean, one sale per accepted UUID,
gapless numbers) so a fast but wrong run cannot pass. The client processes run on the
same machine as the server and PostgreSQL: their CPU is part of the load.

Standalone: ``.venv/bin/python bench/load.py [--quick]`` prints the result as JSON;
``bench/run.py --only load`` also writes its section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from contextlib import nullcontext
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from tests.postgres_server import (  # noqa: E402
    run_terminals,
    store_server,
    terminal_configs,
)

PACE_S = 1.0
# What ``itplus setup server`` writes (maintenance.server_setup.server_processes), and
# the other count the largest level is compared with.
SERVER_PROCESSES = max(1, min(os.cpu_count() or 1, 4))
OTHER_PROCESSES = 2 if SERVER_PROCESSES == 1 else 1
PGBENCH_SECONDS = 15
SIZES = {
    False: {
        "levels": [1, 5, 20, 50],
        "pace_s": PACE_S,
        "warmup": 20,
        "paced_seconds": 30,
        # Back to back: about this many sales per level, spread over its terminals.
        "saturation_total": 600,
        "single_sales": 100,
        "baseline_n": 500,
    },
    True: {
        "levels": [3],
        "pace_s": PACE_S,
        "warmup": 20,
        "paced_seconds": 4,
        "saturation_total": 12,
        "single_sales": 10,
        "baseline_n": 30,
    },
    # The test suite's smoke run, on the many-terminals test's server.
    "smoke": {
        "levels": [2],
        "pace_s": 0.5,
        "warmup": 2,
        "paced_seconds": 1,
        "saturation_total": 4,
        "single_sales": 3,
        "baseline_n": 12,
    },
}
# (price CLP, stock): plenty of each, so no ticket is refused; the first is on every ticket.
PRODUCTS = [(price, 900_000) for price in (990, 1490, 2350, 590, 3990, 1200, 4500)]
LABELS = {
    "baseline_pg": "Baseline: single-row INSERT + SELECT transaction (psycopg)",
    "baseline_http": "Baseline: `GET /api/v1/products/lookup`, 1 terminal",
    "single": "Sale, 1 terminal, back to back",
}


def machine() -> str:
    cpu, ram = "unknown CPU", "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {ram} RAM ({platform.platform()})"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def stats(samples_ms: list[float]) -> dict:
    return {
        "n": len(samples_ms),
        "mean_ms": statistics.fmean(samples_ms),
        "p50_ms": percentile(samples_ms, 0.50),
        "p99_ms": percentile(samples_ms, 0.99),
        "max_ms": max(samples_ms),
    }


def baseline_pg(database_url: str, n: int) -> dict:
    import psycopg

    samples = []
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_load_baseline (id bigserial PRIMARY KEY, note text)")
        for i in range(n):
            began = time.perf_counter()
            with conn.transaction():
                (row_id,) = conn.execute(
                    "INSERT INTO bench_load_baseline (note) VALUES (%s) RETURNING id", (str(i),)
                ).fetchone()
                conn.execute("SELECT note FROM bench_load_baseline WHERE id = %s", (row_id,))
            samples.append((time.perf_counter() - began) * 1000)
        conn.execute("DROP TABLE bench_load_baseline")
    return stats(samples)


def pgbench(database_url: str) -> dict | None:
    """pgbench's TPC-B rate on ``database_url`` (its tables created and dropped around
    it); None where pgbench is not installed."""
    found = shutil.which("pgbench") or next(
        iter(sorted(glob.glob("/usr/lib/postgresql/*/bin/pgbench"), reverse=True)), None
    )
    if not found:
        return None
    subprocess.run([found, "-i", "-q", "-s", "1", database_url], check=True, capture_output=True)
    try:
        out = subprocess.run(
            [found, "-n", "-T", str(PGBENCH_SECONDS), "-c", "8", "-j", "2", database_url],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    finally:
        subprocess.run([found, "-i", "-I", "d", database_url], capture_output=True)
    tps = re.search(r"tps = ([0-9.]+)", out)
    return {"tps": float(tps.group(1)) if tps else 0.0, "clients": 8, "seconds": PGBENCH_SECONDS}


def _server_processes(server) -> list[psutil.Process]:
    parent = psutil.Process(server.process.pid)
    return [parent, *parent.children(recursive=True)]


def cpu_seconds(server) -> tuple[float, dict[int, float]]:
    """CPU time (user + system) used so far by the server (its process and its worker
    processes, all their threads), and by each PostgreSQL backend connected to its
    database (by process id)."""
    name = server.database_url.rsplit("/", 1)[1]
    served = 0.0
    for process in _server_processes(server):
        try:
            t = process.cpu_times()
            served += t.user + t.system
        except psutil.Error:
            continue
    backends = {}
    for process in psutil.process_iter(["cmdline"]):
        try:
            if name in " ".join(process.info["cmdline"] or []):
                t = process.cpu_times()
                backends[process.pid] = t.user + t.system
        except psutil.Error:
            continue
    return served, backends


def sales_phase(server, *, terminals: int, sales: int, pace_s: float = 0.0) -> dict:
    load_before = os.getloadavg()[0]
    at_go: list = []

    def on_go() -> None:  # after the logins: only the selling is counted
        at_go.extend([time.perf_counter(), *cpu_seconds(server)])

    results = run_terminals(
        server,
        terminal_configs(server, sales=sales, pace_s=pace_s, tills=terminals),
        timeout=1200,
        on_go=on_go,
    )
    ended, server_cpu, pg_cpu = time.perf_counter(), *cpu_seconds(server)
    records = [r for terminal in results for r in terminal["sales"]]
    ok = [r for r in records if r["status"] in (200, 201)]
    window = max(r["finished_at"] for r in records) - min(r["sent_at"] for r in records)
    # Per backend since the start (new ones from 0); one that closed during the phase
    # takes its CPU with it, so PostgreSQL's figure is a floor.
    pg_used = sum(cpu - at_go[2].get(pid, 0.0) for pid, cpu in pg_cpu.items())
    return {
        "server_cpu_ms": (server_cpu - at_go[1]) * 1000 / len(records),
        "server_cpu_share": (server_cpu - at_go[1]) / (ended - at_go[0]),
        "pg_cpu_ms": max(0.0, pg_used) * 1000 / len(records),
        "terminals": terminals,
        "pace_s": pace_s,
        "sales": len(records),
        "failed": len(records) - len(ok),
        "seconds": window,
        "sales_per_s": len(ok) / window,
        "offered_per_s": terminals / pace_s if pace_s else None,
        "loadavg": [load_before, os.getloadavg()[0]],
        "uuids": [r["uuid"] for r in ok],
        **stats([r["latency_ms"] for r in ok]),
    }


def _level(server, terminals: int, size: dict) -> tuple[dict, dict]:
    """N terminals at the pace, then the same N back to back."""
    paced = sales_phase(
        server,
        terminals=terminals,
        sales=max(2, round(size["paced_seconds"] / size["pace_s"])),
        pace_s=size["pace_s"],
    )
    fast = sales_phase(
        server, terminals=terminals, sales=max(2, -(-size["saturation_total"] // terminals))
    )
    return paced, fast


def run(quick: bool | str = False, server=None) -> dict:
    """The whole benchmark on a new server, or on ``server`` (a running
    ``tests.postgres_server.StoreServer`` with enough tills: the test suite's smoke run)."""
    size = SIZES[quick]
    started = time.perf_counter()
    loadavg_start = os.getloadavg()[0]
    top = max(size["levels"])
    given = server is not None
    processes = 1 if given else SERVER_PROCESSES
    with (
        nullcontext(server)
        if server
        else store_server(terminals=top, products=PRODUCTS, processes=processes) as server
    ):
        setup_seconds = time.perf_counter() - started
        sales_phase(server, terminals=1, sales=size["warmup"])  # connections, caches
        tpcb = pgbench(server.database_url) if quick is False else None
        pg = baseline_pg(server.database_url, size["baseline_n"])
        (lookups,) = run_terminals(
            server, terminal_configs(server, sales=0, lookups=size["baseline_n"], tills=1)
        )
        http = stats(lookups["lookup_ms"][10:])
        single = sales_phase(server, terminals=1, sales=size["single_sales"])
        levels = [_level(server, n, size) for n in size["levels"]]
        report = server.report()
        audit = server.itplus("audit", check=False)
    one_process = None
    if not given:
        # The same largest level back to back on a server with the other process count.
        with store_server(terminals=top, products=PRODUCTS, processes=OTHER_PROCESSES) as alone:
            sales_phase(alone, terminals=1, sales=size["warmup"])
            one_process = sales_phase(
                alone, terminals=top, sales=max(2, -(-size["saturation_total"] // top))
            )
            one_process.pop("uuids")
            alone_report = alone.report()
            one_process["audit_ok"] = alone_report["audit_ok"]
            one_process["processes"] = OTHER_PROCESSES
    phases = [single, *(phase for level in levels for phase in level)]
    accepted = {u for phase in phases for u in phase.pop("uuids")}
    numbers_ok = all(ns == list(range(1, len(ns) + 1)) for ns in report["series"].values())
    return {
        "vendor": "postgresql",
        "version": report["version"],
        "terminals": top,
        "threads": 8,
        "processes": processes,
        "pace_s": size["pace_s"],
        "paced_seconds": size["paced_seconds"],
        "setup_seconds": setup_seconds,
        "seconds": time.perf_counter() - started,
        "pgbench": tpcb,
        "baseline_pg": pg,
        "baseline_http": http,
        "single": single,
        "paced": [paced for paced, _fast in levels],
        "levels": [{"paced": paced, "saturation": fast} for paced, fast in levels],
        "saturation": levels[-1][1],
        "one_process": one_process,
        "checks": {
            "audit_ok": report["audit_ok"]
            and audit.returncode == 0
            and (one_process is None or one_process["audit_ok"]),
            "audit_problems": report["audit_problems"],
            # Warm-up sales are in the database too: every measured UUID must be there once.
            "one_sale_per_uuid": accepted <= set(report["uuids"])
            and len(report["uuids"]) == len(set(report["uuids"])),
            "gapless_numbers": numbers_ok,
        },
        "loadavg": [loadavg_start, os.getloadavg()[0]],
        "cpus": os.cpu_count(),
        "date": f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "machine": machine(),
        "python": platform.python_version(),
    }


def _row(label: str, s: dict, base: dict, http: dict) -> str:
    return (
        f"| {label} | {s['n']:,} | {s['p50_ms']:.1f} | {s['p99_ms']:.1f} | "
        f"{s['p50_ms'] / base['p50_ms']:.1f} | {s['p50_ms'] / http['p50_ms']:.1f} |"
    )


def markdown(run: dict) -> list[str]:
    pg, http, single, sat = (
        run["baseline_pg"],
        run["baseline_http"],
        run["single"],
        run["saturation"],
    )
    checks = run["checks"]
    verdict = (
        "audit clean, one sale per UUID, gapless numbers"
        if checks["audit_ok"] and checks["one_sale_per_uuid"] and checks["gapless_numbers"]
        else f"CHECKS FAILED: {checks}"
    )
    out = [
        "## Many terminals (real server, PostgreSQL)",
        "",
        "`bench/load.py` (`bench/run.py --only load`): the real `itplus serve` "
        f"(`--procesos {run['processes']}`, what `itplus setup server` writes on this machine; "
        f"{run['threads']} threads each) on PostgreSQL {run['version']}, and one process "
        "per till on the same machine (cashier logged in through `/login/`, the terminal's "
        "token on every call, one keep-alive connection each), as in "
        "`tests/store/sales/test_many_terminals.py`. A ticket is 1–4 lines, always with the "
        "same product (every till contends for one stock row), half paid in cash, half by "
        f"debit. Each level: every till sells one ticket every {run['pace_s']:g} s for "
        f"{run['paced_seconds']} s, starting at a random point of its first interval, then "
        "the same tills back to back. **×pg** divides by the bare PostgreSQL "
        "transaction, **×GET** by the lookup through the same server, both measured in the "
        "same run. The clients' CPU is on the same cores as the server's and PostgreSQL's, "
        "and other processes may be using the machine too: the load average column says "
        "how busy it was.",
        "",
        f"- Date: {run['date']}; machine: {run['machine']}; Python {run['python']}",
        f"- Whole run {run['seconds']:.0f} s (store with {run['terminals']} terminals built "
        f"and served in {run['setup_seconds']:.0f} s); {run['cpus']} CPUs; 1-minute load "
        "average start → end: {:.1f} → {:.1f}".format(*run["loadavg"]),
        f"- Afterwards: {verdict}.",
        "",
        "| Operation | n | p50 ms | p99 ms | ×pg p50 | ×GET p50 |",
        "|---|---:|---:|---:|---:|---:|",
        _row(LABELS["baseline_pg"], pg, pg, http),
        _row(LABELS["baseline_http"], http, pg, http),
        _row(LABELS["single"], single, pg, http),
        "",
        "| Terminals | pace | sales | offered /s | achieved /s | p50 ms | p99 ms | max ms "
        "| ×single p50 | server CPU ms/sale | server CPU, cores used "
        "| PostgreSQL CPU ms/sale | load avg |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for phase in [single, *(p for level in run["levels"] for p in level.values())]:
        pace = f"{phase['pace_s']:g} s" if phase["pace_s"] else "back to back"
        offered = f"{phase['offered_per_s']:.1f}" if phase["offered_per_s"] else "—"
        out.append(
            f"| {phase['terminals']} | {pace} | {phase['sales']:,} | {offered} | "
            f"{phase['sales_per_s']:.1f} | {phase['p50_ms']:.0f} | {phase['p99_ms']:.0f} | "
            f"{phase['max_ms']:.0f} | {phase['p50_ms'] / single['p50_ms']:.1f} | "
            f"{phase['server_cpu_ms']:.1f} | {phase['server_cpu_share']:.0%} | "
            f"{phase['pg_cpu_ms']:.1f} | " + "{:.1f} → {:.1f} |".format(*phase["loadavg"])
        )
    out += [
        "",
        "CPU columns: the server's CPU time (its process and its worker processes, all "
        "their threads) and that of the PostgreSQL backends connected to the store's "
        "database, from the moment every terminal has logged in to the last sale, per sale; "
        "cores used is the server's CPU time over that wall time — one process cannot use "
        "more than one core (the GIL), and on this machine the tills and PostgreSQL share "
        "the same cores.",
        "",
        f"One terminal alone: {1000 / single['p50_ms']:.0f} sales/s at its p50; "
        f"saturated, the server gave {sat['sales_per_s']:.1f} sales/s; one connection "
        f"commits {1000 / pg['p50_ms']:.0f} bare transactions/s at their p50.",
        "",
    ]
    tpcb, alone = run.get("pgbench"), run.get("one_process")
    if tpcb:
        out.append(
            f"pgbench TPC-B on the same database in the same run ({tpcb['clients']} clients, "
            f"{tpcb['seconds']} s): {tpcb['tps']:.0f} transactions/s; the saturated server's "
            f"sales are {sat['sales_per_s'] / tpcb['tps']:.3f}× that rate "
            f"({tpcb['tps'] / sat['sales_per_s']:.0f} TPC-B transactions per sale)."
        )
    if alone:
        out.append(
            f"The same {alone['terminals']} tills back to back on a server with "
            f"`--procesos {alone['processes']}`: {alone['sales_per_s']:.1f} sales/s, p50 "
            f"{alone['p50_ms']:.0f} ms, p99 {alone['p99_ms']:.0f} ms; with "
            f"`--procesos {run['processes']}`: {sat['sales_per_s']:.1f} sales/s "
            f"(×{sat['sales_per_s'] / alone['sales_per_s']:.2f})."
        )
    if tpcb or alone:
        out.append("")
    return out


def report(run: dict) -> bool:
    print("\n".join(markdown(run)))
    checks = run["checks"]
    return checks["audit_ok"] and checks["one_sale_per_uuid"] and checks["gapless_numbers"]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    result = run(quick=args.quick)
    print(json.dumps(result, indent=2, default=str))
    sys.exit(0 if report(result) else 1)
