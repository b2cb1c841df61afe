"""``make bench``: the till's hot paths on a 100,000-product store, SQLite and PostgreSQL.

Measures product lookup by barcode, search-as-you-type and a 5-line cash sale through
the API (full request stack), each as p50/p99 and as a ratio to a bare single-row
insert + select on the same database in the same run. Runs on SQLite always and on
PostgreSQL when 127.0.0.1:5432 answers (database ``itplus_bench``, dropped and
recreated). Writes docs/benchmarks.md.

Then the other suites, each database again in its own process: backup create, verify
and reinstall on a year of a busy shop (``bench/backup.py``, database
``itplus_bench_backup``) and, when present, ``bench/z_report.py`` and
``bench/stock_list.py`` and ``bench/till_offline.py`` (the offline till's catalogue
into Chromium's IndexedDB; each exposes ``run(...) -> dict``). Last, on PostgreSQL only,
many terminals against the real server (``bench/load.py``: 1, 5, 20, 50 tills at one
sale/s each, then back to back), written into its own section of docs/benchmarks.md —
also by ``--only load``.
``--only`` one of the optional suites rewrites just that suite's section too.

Standalone: ``.venv/bin/python bench/run.py [--quick] [--no-postgres] [--no-http]
[--only SUITE] [--compare REV]``. ``--compare REV`` measures the till's workload of an
earlier commit (checked out in a temporary git worktree) and of this tree in the same
run, alternating them, and writes the "Before and after" section of docs/benchmarks.md. Each database runs in its own process with its own temporary
ITPLUS_HOME, removed at the end. Exit status 1 when a SQLite target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from itplus.store.config.home import home_prepare

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
DOCS = ROOT / "docs" / "benchmarks.md"
LAST_RUN = Path(tempfile.gettempdir()) / "itplus-bench-last-run.json"
PG_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/itplus_bench")
# Database per suite on the same server (each dropped and created again, then dropped).
PG_DATABASES = {
    "workload": PG_URL.rsplit("/", 1)[1],
    "backup": "itplus_bench_backup",
    "z_report": "itplus_bench_z",
    "stock_list": "itplus_bench_stock",
    "till_offline": "itplus_bench_offline",
}
# Suites written by other features: wired in when their script exists.
OPTIONAL_SUITES = ("z_report", "stock_list", "till_offline")

# A year of a busy shop (~800,000 sale lines); --quick: a small one, one round.
BACKUP_SIZES = {False: {"lines": 800_000, "rounds": 3}, True: {"lines": 40_000, "rounds": 1}}
# p99 targets on SQLite, from the issue.
TARGETS_MS = {"lookup": 5.0, "search": 30.0, "sale": 30.0}
LABELS = {
    "baseline": "Baseline: single-row insert + select (raw cursor)",
    "lookup": "Lookup by barcode (`GET /api/v1/products/lookup`)",
    "search": "Search as you type (`GET /api/v1/products/search`)",
    "sale": "Sale, 5 lines, cash (`POST /api/v1/sales`)",
    "http_lookup": "Lookup by barcode — real HTTP (waitress)",
    "http_search": "Search as you type — real HTTP (waitress)",
    "http_sale": "Sale, 5 lines, cash — real HTTP (waitress)",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="10.000 productos, pocas vueltas; no escribe docs"
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument(
        "--only",
        choices=["workload", "backup", *OPTIONAL_SUITES, "load"],
        help="solo esta medición (load: muchas cajas contra el servidor real en PostgreSQL)",
    )
    parser.add_argument(
        "--compare", metavar="REV", help="mide también REV (un commit anterior) en la misma corrida"
    )
    parser.add_argument("--tree", help=argparse.SUPPRESS)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    parser.add_argument("--suite", default="workload", help=argparse.SUPPRESS)
    parser.add_argument("--render", help=argparse.SUPPRESS)
    parser.add_argument("--json", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = (
        {"products": 10_000, "lookups": 300, "searches": 150, "sales": 100}
        if args.quick
        else {"products": 100_000, "lookups": 2_000, "searches": 500, "sales": 500}
    )
    if args.backend:
        return child(args, sizes)

    if args.compare:
        return compare(args)
    if args.render:  # docs/benchmarks.md again from a saved run, without measuring
        results = json.loads(Path(args.render).read_text(encoding="utf-8"))
        DOCS.write_text(markdown(results, sizes, 0.0), encoding="utf-8")
        return 0
    started = time.perf_counter()
    failed: list[str] = []
    suites = ["workload", "backup"]
    suites += [name for name in OPTIONAL_SUITES if (BENCH_DIR / f"{name}.py").exists()]
    suites.append("load")
    if args.only:
        suites = [args.only]
    vendors = ["sqlite"]
    if args.no_postgres:
        print("PostgreSQL: omitido (--no-postgres).")
    elif postgres_answers():
        vendors.append("postgresql")
    else:
        print("PostgreSQL: 127.0.0.1:5432 no responde; se mide solo SQLite.")
    results: dict[str, list[dict]] = {}
    for suite in suites:
        if suite == "load":  # PostgreSQL only: the real server and its own processes
            if "postgresql" in vendors:
                results["load"] = [run_load(args)]
                LAST_RUN.write_text(json.dumps(results, default=str), encoding="utf-8")
            else:
                print("load: necesita PostgreSQL en 127.0.0.1:5432; se omite.")
            continue
        for vendor in vendors:
            try:
                results.setdefault(suite, []).append(run_backend(vendor, args, suite))
            except subprocess.CalledProcessError:
                if suite not in OPTIONAL_SUITES:
                    raise
                # Another feature's script: its failure is reported, not the whole run's.
                print(f"{suite} ({vendor}): falló; se omite (vea el error de arriba).")
                failed.append(f"{suite}-{vendor}")
            # Kept so a crash later on does not lose what was measured (see --render).
            LAST_RUN.write_text(json.dumps(results, default=str), encoding="utf-8")
    elapsed = time.perf_counter() - started

    ok = True
    if "workload" in results:
        ok &= report(results["workload"])
    if "backup" in results:
        ok &= backup_report(results["backup"])
    for name in OPTIONAL_SUITES:
        if name in results:
            ok &= optional_report(name, results[name])
    if "load" in results:
        ok &= load_report(results["load"][0])
    if args.quick:
        print("(--quick: docs/benchmarks.md no se modifica)")
    elif args.only == "load" and "load" in results:
        # Its own section of docs/benchmarks.md, the rest of the file as it was.
        old = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
        DOCS.write_text(
            _with_section(old, LOAD_BEGIN, LOAD_END, results["load"][0]), encoding="utf-8"
        )
        print(f"Resultados en {DOCS.relative_to(ROOT)} ({elapsed:.0f} s en total).")
    elif args.only in OPTIONAL_SUITES and results.get(args.only):
        # Its own section (between its markers), the rest of the file as it was.
        old = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
        section = "\n".join(optional_section(args.only, results[args.only])).rstrip("\n")
        DOCS.write_text(
            _replace_section(old, f"<!-- {args.only} -->", f"<!-- /{args.only} -->", section),
            encoding="utf-8",
        )
        print(f"Resultados en {DOCS.relative_to(ROOT)} ({elapsed:.0f} s en total).")
    elif args.only:
        print("(--only: docs/benchmarks.md no se modifica)")
    else:
        text = markdown(results, sizes, elapsed)
        old = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
        if "load" in results:
            text = _with_section(text, LOAD_BEGIN, LOAD_END, results["load"][0])
        elif LOAD_BEGIN in old and LOAD_END in old:  # not measured (no PostgreSQL): kept
            kept = old.split(LOAD_BEGIN, 1)[1].split(LOAD_END, 1)[0]
            text = text.rstrip("\n") + f"\n\n{LOAD_BEGIN}{kept}{LOAD_END}\n"
        if COMPARE_BEGIN in old and COMPARE_END in old:  # keep the last --compare section
            kept = old.split(COMPARE_BEGIN, 1)[1].split(COMPARE_END, 1)[0]
            text = text.rstrip("\n") + f"\n\n{COMPARE_BEGIN}{kept}{COMPARE_END}\n"
        DOCS.write_text(text, encoding="utf-8")
        print(f"Resultados en {DOCS.relative_to(ROOT)} ({elapsed:.0f} s en total).")
    return 0 if ok and not failed else 1


def child(args: argparse.Namespace, sizes: dict[str, int]) -> int:
    sys.path.insert(0, str(BENCH_DIR))
    if args.suite == "backup":
        import backup

        result = backup.run(**BACKUP_SIZES[args.quick])
    elif args.suite == "z_report":
        import django

        django.setup()
        import z_report

        result = z_report.run(n_tickets=300 if args.quick else 3_000)
    elif args.suite == "stock_list":
        import stock_list

        result = stock_list.run(n_products=2_000 if args.quick else 20_000)
    elif args.suite == "till_offline":
        import till_offline

        result = till_offline.run(
            n_products=10_000 if args.quick else 100_000, rounds=1 if args.quick else 3
        )
    else:
        import workload

        result = workload.run(http=not args.no_http, **sizes)
    Path(args.json).write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


def postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def _pg_admin(sql: str) -> None:
    import psycopg

    admin_url = PG_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


def run_backend(
    vendor: str, args: argparse.Namespace, suite: str = "workload", tree: Path = ROOT
) -> dict:
    """One suite on one database, in a child process running ``tree``'s code (this
    checkout, or an earlier commit's worktree for ``--compare``)."""
    print(f"== {suite} · {vendor} · {tree.name} ==", flush=True)
    home = Path(tempfile.mkdtemp(prefix=f"itplus-bench-{suite}-{vendor}-"))
    home_prepare(home)  # static folder and secret key: importing the settings writes nothing
    env = {
        **os.environ,
        "ITPLUS_HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "itplus.store.settings",
        # The tree's own code first, ahead of the installed checkout.
        "PYTHONPATH": os.pathsep.join([str(tree / "src"), str(tree)]),
    }
    env.pop("DATABASE_URL", None)
    db_name = PG_DATABASES[suite]
    try:
        if vendor == "postgresql":
            env["DATABASE_URL"] = PG_URL.rsplit("/", 1)[0] + "/" + db_name
            _pg_admin(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
            _pg_admin(f'CREATE DATABASE "{db_name}"')
        out = home / "result.json"
        command = [
            sys.executable,
            str(tree / "bench" / "run.py"),
            "--backend",
            vendor,
            "--json",
            str(out),
            "--suite",
            suite,
        ]
        command += [
            flag for flag, on in (("--quick", args.quick), ("--no-http", args.no_http)) if on
        ]
        subprocess.run(command, env=env, check=True, cwd=tree)
        return json.loads(out.read_text(encoding="utf-8"))
    finally:
        shutil.rmtree(home, ignore_errors=True)
        if vendor == "postgresql":
            _pg_admin(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


LOAD_BEGIN = "<!-- many-terminals -->"
LOAD_END = "<!-- /many-terminals -->"


def _load_module():
    sys.path.insert(0, str(BENCH_DIR))
    import load

    return load


def run_load(args: argparse.Namespace) -> dict:
    """Many terminals against the real server on PostgreSQL (``bench/load.py``): it
    starts its own server and till processes, each with its own settings, so it runs
    from here. The database is its own, uniquely named, dropped afterwards."""
    print("== load · postgresql ==", flush=True)
    return _load_module().run(quick=args.quick)


def load_report(run: dict) -> bool:
    return _load_module().report(run)


def _with_section(text: str, begin: str, end: str, run: dict) -> str:
    """``text`` with the many-terminals section (between its markers) replaced by this
    run's, or added at the end."""
    return _replace_section(
        text, begin, end, "\n".join([begin, *_load_module().markdown(run), end])
    )


COMPARE_BEGIN = "<!-- before-and-after -->"
COMPARE_END = "<!-- /before-and-after -->"


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout.strip()


def compare(args: argparse.Namespace) -> int:
    """The workload of ``args.compare`` and of this tree, alternated twice per database
    (before, after, before, after), reported side by side as ratios to each run's own
    baseline and written into docs/benchmarks.md between the before-and-after markers."""
    rev = _git("rev-parse", "--short", args.compare)
    here = _git("rev-parse", "--short", "HEAD")
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    old_tree = Path(tempfile.mkdtemp(prefix="itplus-bench-before-")) / rev
    subprocess.run(
        ["git", "worktree", "add", "--detach", "--quiet", str(old_tree), rev], cwd=ROOT, check=True
    )
    vendors = ["sqlite"] + (["postgresql"] if not args.no_postgres and postgres_answers() else [])
    started = time.perf_counter()
    runs: dict[str, dict[str, list[dict]]] = {}
    try:
        for vendor in vendors:
            for _round in range(2):
                for side, tree in (("before", old_tree), ("after", ROOT)):
                    run = run_backend(vendor, args, "workload", tree)
                    runs.setdefault(vendor, {}).setdefault(side, []).append(run)
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(old_tree)], cwd=ROOT, check=False
        )
        shutil.rmtree(old_tree.parent, ignore_errors=True)
    elapsed = time.perf_counter() - started
    lines = _compare_markdown(runs, rev, here + (" + cambios sin commit" if dirty else ""), elapsed)
    print("\n".join(lines))
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    section = "\n".join([COMPARE_BEGIN, *lines, COMPARE_END])
    if COMPARE_BEGIN in text and COMPARE_END in text:
        head, rest = text.split(COMPARE_BEGIN, 1)
        text = head + section + rest.split(COMPARE_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    if not args.quick:
        DOCS.write_text(text, encoding="utf-8")
        print(f"Resultados en {DOCS.relative_to(ROOT)}.")
    return 0


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _compare_markdown(
    runs: dict[str, dict[str, list[dict]]], before: str, after: str, elapsed: float
) -> list[str]:
    m = _machine()
    out = [
        "## Before and after",
        "",
        f"`bench/run.py --compare {before}`: the till's workload of commit `{before}` and of "
        f"`{after}`, measured in the same run on the same machine, alternated (before, after, "
        "before, after) on each database; each figure is the median of the two runs of its "
        "side, and **×base** divides it by that run's own baseline (single-row insert + "
        "select) so load that changes during the run cancels out.",
        "",
        f"- Date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; whole comparison "
        f"{elapsed:.0f} s",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM ({m['os']})",
        "",
        "| Database | Operation | p50 before | p50 after | p99 before | p99 after "
        "| ×base p99 before | ×base p99 after | after ÷ before: p99 | after ÷ before: ×base p99 |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for vendor, sides in runs.items():
        for name in ("lookup", "search", "sale"):
            stats = {}
            for side in ("before", "after"):
                p50, p99, x99 = [], [], []
                for run in sides[side]:
                    rows = {r["name"]: r for r in _rows(run)}
                    p50.append(rows[name]["p50_ms"])
                    p99.append(rows[name]["p99_ms"])
                    x99.append(rows[name]["x99"])
                stats[side] = (_median(p50), _median(p99), _median(x99))
            (b50, b99, bx), (a50, a99, ax) = stats["before"], stats["after"]
            out.append(
                f"| {vendor} | {LABELS[name]} | {b50:.2f} ms | {a50:.2f} ms | {b99:.2f} ms "
                f"| {a99:.2f} ms | {bx:.1f} | {ax:.1f} | **{a99 / b99:.2f}** | {ax / bx:.2f} |"
            )
    return out


def _verdict(run: dict, name: str, p99: float) -> str:
    target = TARGETS_MS.get(name)
    if target is None or run["vendor"] != "sqlite":
        return ""
    return "PASS" if p99 < target else "FAIL"


def _rows(run: dict) -> list[dict]:
    base = next(r for r in run["results"] if r["name"] == "baseline")
    rows = []
    for r in run["results"]:
        rows.append(
            {
                **r,
                "label": LABELS[r["name"]],
                "x50": r["p50_ms"] / base["p50_ms"],
                "x99": r["p99_ms"] / base["p99_ms"],
                "target": f"< {TARGETS_MS[r['name']]:g} ms"
                if r["name"] in TARGETS_MS and run["vendor"] == "sqlite"
                else "",
                "verdict": _verdict(run, r["name"], r["p99_ms"]),
                "rounds": " / ".join(f"{v:.1f}" for v in r["p99_rounds"]),
            }
        )
    return rows


def report(runs: list[dict]) -> bool:
    ok = True
    for run in runs:
        print(
            f"\n{run['vendor']} {run['version']} — {run['products']:,} productos cargados en "
            f"{run['load_seconds']:.1f} s".replace(",", ".")
        )
        print(
            f"{'operación':<14}{'n':>6}{'media':>9}{'p50':>9}{'p99':>9}{'×base p50':>11}"
            f"{'×base p99':>11}  {'p99 por ronda':<22}objetivo p99"
        )
        for row in _rows(run):
            print(
                f"{row['name']:<14}{row['n']:>6}{row['mean_ms']:>9.2f}{row['p50_ms']:>9.2f}"
                f"{row['p99_ms']:>9.2f}{row['x50']:>11.1f}{row['x99']:>11.1f}  "
                f"{row['rounds']:<22}{row['target']} {row['verdict']}"
            )
            ok &= row["verdict"] != "FAIL"
        slow = ", ".join(f"«{q}» {ms:.1f} ms" for q, ms in run["slowest_searches"])
        print(f"búsquedas más lentas: {slow}")
        print(
            "carga de la máquina (loadavg 1 min) al medir: {:.1f} → {:.1f}".format(*run["loadavg"])
        )
    return ok


def _backup_verdicts(run: dict) -> dict[str, str]:
    """PASS/FAIL of the issue's backup targets for one database."""
    create_ok = run["create"]["ratio"] <= run["targets"]["create_ratio"]
    again = run["reinstall"]
    reinstall_ok = again["identical"] and again["seconds"] < run["targets"]["reinstall_s"]
    return {
        "create": "PASS" if create_ok else "FAIL",
        "verify": "PASS" if run["verify"]["ok"] else "FAIL",
        "reinstall": "PASS" if reinstall_ok else "FAIL",
    }


def _mb(n: float) -> float:
    return n / 1_000_000


def backup_report(runs: list[dict]) -> bool:
    """Print the backup figures. Only a failed verify or a reinstall that is not
    identical fails the run: the timing targets are reported (PASS/FAIL) but not
    enforced, since on a shared 2-core machine they depend on the other processes."""
    ok = True
    for run in runs:
        store, verdicts = run["store"], _backup_verdicts(run)
        db_mb = _mb(run["database_bytes"])
        print(
            f"\nrespaldo {run['vendor']} {run['version']} — {store['sales']:,} ventas, "
            f"{store['sale_lines']:,} líneas, base de {db_mb:,.0f} MB "
            f"(construida en {store['seconds']:.0f} s)".replace(",", ".")
        )
        base, create = run["baseline"], run["create"]
        print(
            f"  copia + zstd (base)  {base['seconds']:6.2f} s  {db_mb / base['seconds']:6.0f} MB/s"
            f"  → {_mb(base['bytes']):.0f} MB"
        )
        print(
            f"  backup create        {create['seconds']:6.2f} s  "
            f"{db_mb / create['seconds']:6.0f} MB/s  → {_mb(create['bytes']):.0f} MB  "
            f"×{create['ratio']:.2f} la base (objetivo ≤ ×{run['targets']['create_ratio']:g}) "
            f"{verdicts['create']}"
        )
        if first := run.get("first_create"):
            print(
                f"  primer respaldo      {first['seconds']:6.2f} s  "
                f"×{first['ratio']:.2f} su base (lee las {first['digested_rows']:,} filas)".replace(
                    ",", "."
                )
            )
        print(
            f"  backup verify        {run['verify']['seconds']:6.2f} s  "
            f"{'bueno' if run['verify']['ok'] else 'MALO: ' + ' | '.join(run['verify']['problems'])}"
        )
        again = run["reinstall"]
        factor = run["targets"]["seed_minutes"] * 60 / again["seconds"]
        print(
            f"  reinstall            {again['seconds']:6.2f} s  "
            f"{'IDÉNTICO' if again['identical'] else 'NO IDÉNTICO'}  "
            f"(objetivo < {run['targets']['reinstall_s']:g} s) {verdicts['reinstall']}; "
            f"×{factor:.0f} más rápido que los 90 min de hoy"
        )
        ok &= run["verify"]["ok"] and again["identical"]
    return ok


def optional_report(name: str, runs: list[dict]) -> bool:
    sys.path.insert(0, str(BENCH_DIR))
    module = __import__(name)
    ok = True
    for run in runs:
        if hasattr(module, "report"):
            passed = module.report(run)
        else:
            print(f"\n{name} {run.get('vendor', '')}: {json.dumps(run, default=str)[:1500]}")
            passed = run.get("ok", True)
        ok &= bool(passed) or run.get("vendor") != "sqlite"
    return ok


def backup_markdown(runs: list[dict]) -> list[str]:
    out = [
        "## Respaldo (backup create, verify, reinstall)",
        "",
        "A year of a busy shop: the demo minimarket's catalogue, staff, terminals and first "
        "two days made through the real services, then the rest of the year generated in "
        "bulk by `bench/yearstore.py` exactly as `sale_complete` would write it (tax split, "
        "cash rounding, discounts, payments, one stock movement per line, weekly restocking, "
        "every document hash-chained with the real `sale_chain_payload` + `chain_hash`), so "
        "the audit and `backup verify` pass on it. The two cash sessions stay open all year "
        "(closing one writes its Z report through the cash service, too slow for 726 "
        "closings here).",
        "",
        "- **Baseline** (same run): the raw database compressed with the archive's own zstd "
        "settings (`archive.compressor()`: level 3, checksums, 2 worker threads here), written "
        "to a file and fsynced. SQLite: the quiesced database file (WAL checkpointed) read "
        "straight through the compressor. PostgreSQL: `pg_dump -Fc --compress=0` streamed "
        "through it.",
        "- **backup create**: `backup_create()` — what `itplus backup create` runs — "
        "consistent snapshot, content digest of every table, chain heads, per-file SHA-256, "
        "checksummed records, signed manifest, fsync and rename. Each round: a day of "
        "trading first (520 sales of 1–6 items through `sale_complete`, on both tills), "
        "then the baseline, then the backup; median of the rounds. This is the steady state "
        "of a store: backups run after every cash-session close and daily, and each one "
        "digests only the blocks of rows changed since the previous one. **first create** "
        "is the install's first backup (no digests of a previous one: every row read), "
        "against its own baseline. MB/s = database size / seconds.",
        "- **backup verify**: `backup_verify()` on that archive: every record and member "
        "checksum, the database restored into a scratch location (`PRAGMA integrity_check` / "
        "`pg_restore` into a scratch database), digest table by table, chain heads, then the "
        "whole audit (hash chains, totals, payments, numbering, stock ledger).",
        "- **reinstall**: `itplus reinstall --from FILE --key KEY` in a new process, with an "
        "empty ITPLUS_HOME and an empty database (PostgreSQL: the bench database dropped and "
        "created again) — it verifies the archive, restores, compares every table with the "
        "manifest and must print IDÉNTICO. Wall-clock time including the process start.",
        "",
        "| Database | store | DB size | baseline s (MB/s) | create s (MB/s) | archive | "
        "create ÷ baseline | first create s (÷ baseline) | verify s | reinstall s | "
        "vs 90 min |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        store, verdicts = run["store"], _backup_verdicts(run)
        db_mb = _mb(run["database_bytes"])
        base, create, again = run["baseline"], run["create"], run["reinstall"]
        first = run["first_create"]
        name = "SQLite" if run["vendor"] == "sqlite" else "PostgreSQL"
        out.append(
            f"| {name} {run['version']} | {store['sales']:,} sales, {store['sale_lines']:,} "
            f"lines, {store['stock_movements']:,} stock movements | {db_mb:,.0f} MB | "
            f"{base['seconds']:.2f} ({db_mb / base['seconds']:,.0f}) | "
            f"{create['seconds']:.2f} ({db_mb / create['seconds']:,.0f}) | "
            f"{_mb(create['bytes']):,.0f} MB | ×{create['ratio']:.2f} (≤ ×"
            f"{run['targets']['create_ratio']:g}: {verdicts['create']}) | "
            f"{first['seconds']:.2f} (×{first['ratio']:.2f}) | "
            f"{run['verify']['seconds']:.1f} ({'good' if run['verify']['ok'] else 'BAD'}) | "
            f"{again['seconds']:.1f} ({'IDÉNTICO' if again['identical'] else 'NOT identical'};"
            f" < {run['targets']['reinstall_s']:g} s: {verdicts['reinstall']}) | "
            f"×{run['targets']['seed_minutes'] * 60 / again['seconds']:.0f} |"
        )
    out.append("")
    out += [
        "The timing targets (create ≤ 2× the baseline; reinstall < 30 s on SQLite, < 60 s on "
        "PostgreSQL) are shown PASS/FAIL but do not fail `make bench`: only a backup that "
        "does not verify or a reinstall that is not IDÉNTICO does. On this shared 2-core "
        "machine they move with the other processes' load.",
        "",
        "How backup create got from 6.6× to within 1.5× of the baseline (SQLite, same "
        "store, idle machine; the earlier figures are in git history): it was 0.3 s of copy "
        "through the backup API, 1.7 s compressing, hashing and writing, and 3.2–3.5 s of "
        "content digest — every row of every table read again, ~0.9 s per 800,000-row "
        "table for SQLite to build the rows' JSON. Three changes (see docs/architecture.md, "
        "Backups): (1) the digest is incremental — blocks of 4,096 keys, the last backup's "
        "block digests kept in the database, a trigger-written log of the blocks touched "
        "by UPDATE/DELETE, the row count checked, so a backup reads the day's new rows (the "
        "digested rows per round are listed below) instead of two million; (2) SQLite's "
        "live file is archived in place under a read transaction pinned right after a full "
        "checkpoint, instead of being copied first (0.4 s, and 350 MB written); (3) the "
        "tar stream is written directly — `tarfile`'s stream mode fed zstd 10 KiB at a "
        "time, which cost 0.3 s of the 1.3 s archive. Measured along the way on the same "
        "store: 4.8 s → 1.9 s (incremental digest) → 1.5 s (tar) → 1.0 s (no copy). The "
        "first backup of a new install still reads every row (first create column); a "
        "restored or reinstalled store brings back the digests and change log that match "
        "its data, so its next backup is incremental again.",
        "",
        "backup verify and reinstall are dominated by the audit (the hash chain recomputed "
        "over every sale, the stock ledger walk) and, on SQLite, by `PRAGMA "
        "integrity_check` (~4.5 s), which runs in its own thread beside the digest and the "
        "audit. The audit recomputes chain hashes without the writers' float-refusing walk "
        "over each payload (same bytes; 25.6 s → 12.9 s on PostgreSQL), and a PostgreSQL "
        "restore is ANALYZEd before the audit reads it (without statistics its queries ran "
        "on guesses: verify 37.6 s → 31.8 s). Reinstall verifies the archive in full and "
        "then compares every restored table with the manifest, so it pays the digest (and, "
        "on PostgreSQL, `pg_restore`) twice.",
        "",
    ]
    for run in runs:
        name = "SQLite" if run["vendor"] == "sqlite" else "PostgreSQL"
        rounds = lambda xs: " / ".join(f"{x:.2f}" for x in xs)  # noqa: E731
        out.append(
            f"{name}: store built in {run['store']['seconds']:.0f} s; rounds — baseline "
            f"{rounds(run['baseline']['rounds'])} s, create {rounds(run['create']['rounds'])} s "
            f"(rows digested {', '.join(f'{n:,}' for n in run['create']['digested_rows'])}; "
            f"first create {run['first_create']['digested_rows']:,}); a day of trading "
            f"{rounds(run['trading_day']['seconds'])} s; "
            f"audit checked {run['verify']['audit']}; 1-minute load average at the end "
            f"{run['loadavg']:.1f}."
        )
        out.append("")
    return out


def _machine() -> dict[str, str]:
    cpu = "desconocida"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        ram = f"{mem_kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration):
        ram = "desconocida"
    import django

    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": ram,
        "os": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
    }


def markdown(results: dict[str, list[dict]], sizes: dict[str, int], elapsed: float) -> str:
    m = _machine()
    runs = results.get("workload", [])
    versions = {
        run["vendor"]: run["version"]
        for suite in results.values()
        for run in suite
        if "version" in run
    }
    out = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`bench/run.py`); do not edit by hand.",
        "",
        f"- Date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM ({m['os']})",
        f"- Python {m['python']}, Django {m['django']}, SQLite {versions.get('sqlite', '—')}, "
        f"PostgreSQL {versions.get('postgresql', 'not measured (no server on 127.0.0.1:5432)')}",
        f"- Catalogue: {sizes['products']:,} active products, one EAN-13 each; iterations per "
        f"round: {sizes['lookups']:,} lookups, {sizes['searches']} searches, {sizes['sales']} "
        f"sales (HTTP rows: half as many), after 20 untimed warm-up calls. Whole run: "
        + (f"{elapsed:.0f} s." if elapsed else "several runs of the same day, redrawn."),
        "",
        "Every operation goes through the full request stack: Django's test `Client` with a "
        "logged-in cashier and the terminal's `Authorization: Bearer` token (URL routing, "
        "middleware, session, django-ninja parsing and serialisation, the services, the "
        "database). The `HTTP` rows add a real socket: waitress (4 threads) in the same "
        "process, keep-alive. **×base** is the operation's time divided by the baseline's at "
        "the same percentile: a bare single-row `INSERT` + `SELECT` by primary key in one "
        "transaction, through a raw cursor on the same database, in the same run — so the "
        "ratios travel between machines better than milliseconds do.",
        "",
        "Each operation is measured in three rounds, the phases interleaved (baseline, lookup, "
        "search, sale, baseline, …); the table shows each statistic's median over the rounds "
        "and every round's p99, so a burst of load from another process spoils one round "
        "rather than the result. Between phases the harness's own objects are frozen out of "
        "the garbage collector (`gc.freeze()`), so its 100,000 codes and the test Client's "
        "per-request leftovers do not bill the server for full collections.",
        "",
        "Search-as-you-type replays what a cashier types, one keystroke per request "
        "(`l`, `le`, `lec`, `lech`, `leche`, `leche c` … and barcode prefixes from 4 digits), "
        "20 results per request, ranked with names starting with the query first.",
        "",
    ]
    for run in runs:
        name = "SQLite" if run["vendor"] == "sqlite" else "PostgreSQL"
        out += [
            f"## {name} {run['version']}",
            "",
            f"Bulk load of {run['products']:,} products with their barcodes: "
            f"{run['load_seconds']:.1f} s.",
            "",
            "| Operation | n × rounds | mean ms | p50 ms | p99 ms | ×base p50 | ×base p99 "
            "| p99 by round | target p99 | |",
            "|---|---:|---:|---:|---:|---:|---:|---|---|---|",
        ]
        for row in _rows(run):
            out.append(
                f"| {row['label']} | {row['n']:,} × {run['rounds']} | {row['mean_ms']:.2f} | "
                f"{row['p50_ms']:.2f} | {row['p99_ms']:.2f} | {row['x50']:.1f} | {row['x99']:.1f} | "
                f"{row['rounds']} | {row['target']} | {row['verdict']} |"
            )
        slow = ", ".join(f"`{q}` {ms:.1f} ms" for q, ms in run["slowest_searches"])
        out += [
            "",
            f"Slowest search keystrokes (median over their repetitions): {slow}.",
            "",
            "Machine load while measuring (1-minute load average, start → end): "
            "{:.1f} → {:.1f}.".format(*run["loadavg"]),
            "",
        ]
    out += [
        "## Reading the ratios",
        "",
        "SQLite runs inside the server process and, in WAL mode with `synchronous=NORMAL`, "
        "does not flush to disk on every commit, so its baseline is tens of microseconds and "
        "the ratios look large: they show the cost of Django, the API and the business rules "
        "around a handful of queries. PostgreSQL's baseline is a durable commit "
        "(`synchronous_commit=on`, an fsync) plus a round trip to another process, so there "
        "the ratios are small. p99 on a shared 2-core machine is sensitive to other "
        "processes; the load average above says how busy it was.",
        "",
        "## Search before and after",
        "",
        "The first `product_search` (one query: every word `LIKE '%word%'`, OR a join on "
        "barcodes, `DISTINCT`, `ORDER BY name`) was measured on the same 100,000-product "
        "SQLite catalogue, at the selector level, over 300 keystrokes of the replay above "
        "(2026-11-25, load average 2): p50 68 ms, p99 280 ms, worst 462 ms (a code that "
        "matches nothing). The current one asks in groups that stop at 20 rows — names "
        "starting with the query, SKU/barcode prefixes, names starting with the first word "
        "and containing the others, all as index range scans; then, only when those leave "
        "room, the word-containment scan over the narrow `search_text` index — and measured "
        "p50 2.8 ms, p99 16 ms, worst 16 ms on the same keystrokes, in the same run. That "
        "last scan, about 10 ms on an idle machine, is what sets search's p99: it runs for "
        "rare words (`pisco alto`, `coca`). Past a few hundred thousand products, the next "
        "step is a word-token table (word prefix → product) kept by the catalogue's write "
        "services.",
        "",
        "## Compared with Odoo",
        "",
        "The issue notes that Odoo's point of sale needs minutes to load a 100,000-product "
        "catalogue into the browser and seconds to search one of a million, because its till "
        "downloads the catalogue and searches it client-side. itplus keeps the catalogue in "
        "the database and the till asks the server per scan and per keystroke: opening the "
        "till costs nothing whatever the catalogue size, a scan is one indexed lookup, and a "
        "keystroke is a few small queries (a full pass over the search index only when the "
        "typed words are rare) — the numbers above, on a small 2-core machine, with the whole "
        "Django stack in the way. Loading the 100,000 products themselves (the bulk load "
        "above) takes seconds, not minutes. A million products would make the rare-word "
        "pass about ten times longer (still well under Odoo's seconds); that is the point "
        "to move word search to a token index.",
        "",
    ]
    if results.get("backup"):
        out += backup_markdown(results["backup"])
    for name in OPTIONAL_SUITES:
        if results.get(name):
            out += optional_section(name, results[name])
    return "\n".join(out)


def optional_section(name: str, runs: list[dict]) -> list[str]:
    """An optional suite's runs between its markers, so ``--only NAME`` can replace them."""
    lines = [f"<!-- {name} -->"]
    for run in runs:
        lines += optional_markdown(name, run)
    return [*lines, f"<!-- /{name} -->", ""]


def _replace_section(text: str, begin: str, end: str, section: str) -> str:
    """``text`` with what lies between ``begin`` and ``end`` (markers included) replaced
    by ``section``, or ``section`` added at the end."""
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        return head + section + rest.split(end, 1)[1]
    return text.rstrip("\n") + "\n\n" + section + "\n"


def optional_markdown(name: str, run: dict) -> list[str]:
    """A plain table for a suite written by another feature (rows with p50/p99)."""
    sys.path.insert(0, str(BENCH_DIR))
    module = __import__(name)
    if hasattr(module, "markdown"):  # the suite writes its own section
        return module.markdown(run)
    labels = getattr(module, "LABELS", {})
    title = (module.__doc__ or name).splitlines()[0].rstrip(".")
    out = [
        f"## {title} — {run.get('vendor', '?')} {run.get('version', '')}",
        "",
        "| Operation | p50 ms | p99 ms | p99 by round |",
        "|---|---:|---:|---|",
    ]
    rows = run.get("results") or [
        {"name": key, **value}
        for key, value in run.items()
        if isinstance(value, dict) and "p99_ms" in value
    ]
    for r in rows:
        rounds = " / ".join(f"{v:.1f}" for v in r.get("p99_rounds", []))
        out.append(
            f"| {labels.get(r['name'], r['name'])} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
            f"{rounds} |"
        )
    extras = {
        key: value
        for key, value in run.items()
        if not isinstance(value, dict | list) and key not in ("vendor", "version")
    }
    out += ["", "Other figures: " + ", ".join(f"{k} = {v}" for k, v in extras.items()) + "."]
    if run.get("loadavg"):
        out.append(
            "Machine load (1-minute load average, start → end): "
            + " → ".join(f"{v:.1f}" for v in run["loadavg"])
            + "."
        )
    out.append("")
    return out


if __name__ == "__main__":
    sys.exit(main())
