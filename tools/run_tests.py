"""Run the test suite on SQLite, then on PostgreSQL.

PostgreSQL is found in this order: DATABASE_URL (if it is a postgres:// URL), a server
answering on 127.0.0.1:5432, or a throwaway cluster started from the installed binaries
(initdb/pg_ctl) in a temporary folder. With CI=true, no PostgreSQL is a failure; elsewhere
the run says loudly what it skipped and how to install it.

Usage: python tools/run_tests.py [pytest arguments…]
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CI = os.environ.get("CI", "").lower() == "true"
BANNER = "=" * 78


def say(message: str) -> None:
    print(f"\n{BANNER}\n{message}\n{BANNER}", flush=True)


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def pg_binaries() -> Path | None:
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        return Path(candidate).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def throwaway_postgres(bindir: Path):
    """A private PostgreSQL cluster in a temp folder, removed afterwards."""
    workdir = Path(tempfile.mkdtemp(prefix="itplus-pg-"))
    data = workdir / "data"
    port = free_port()
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb refuses to run as root
        shutil.chown(workdir, user="postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    run = lambda *cmd: subprocess.run([*as_postgres, *cmd], check=True, capture_output=True)  # noqa: E731
    run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
    run(
        str(bindir / "pg_ctl"),
        "-D",
        str(data),
        "-w",
        "-l",
        str(workdir / "log"),
        "-o",
        f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1",
        "start",
    )
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/itplus"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop")
        shutil.rmtree(workdir, ignore_errors=True)


def pytest_run(label: str, database_url: str | None, args: list[str]) -> dict:
    env = dict(os.environ)
    env.pop("DATABASE_URL", None)
    for variable in ("ITPLUS_HOME", "HELPDESK_HOME", "HELPDESK_WEBPAY_EMULATOR_URL"):
        env.pop(variable, None)  # tests make their own throwaway homes
    if database_url:
        env["DATABASE_URL"] = database_url
    report = Path(tempfile.mkstemp(prefix=f"itplus-{label}-", suffix=".xml")[1])
    say(f"Tests on {label}")
    started = time.monotonic()
    code = subprocess.call(
        [sys.executable, "-m", "pytest", f"--junitxml={report}", *args], cwd=ROOT, env=env
    )
    counts = {"label": label, "code": code, "seconds": time.monotonic() - started}
    try:
        suite = ET.parse(report).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        tests, failures, errors, skipped = (
            int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")
        )
        counts |= {
            "passed": tests - failures - errors - skipped,
            "failed": failures + errors,
            "skipped": skipped,
        }
    except (ET.ParseError, AttributeError, FileNotFoundError):
        counts |= {"passed": 0, "failed": 1, "skipped": 0}
    report.unlink(missing_ok=True)
    return counts


def suites(args: list[str]) -> list[tuple[str, list[str]]]:
    """The store and the help desk are separate sites with their own settings, so each
    runs in its own pytest process."""
    runs = [("store", ["--ignore=tests/helpdesk", *args])]
    if (ROOT / "tests" / "helpdesk_settings.py").exists():
        helpdesk = ["tests/helpdesk", "tests/core/test_chile.py", "--ds=tests.helpdesk_settings"]
        runs.append(("help desk", [*helpdesk, *args]))
    return runs


def run_all(database: str, url: str | None, args: list[str]) -> list[dict]:
    results = []
    for site, site_args in suites(args):
        # Each site has its own database (on PostgreSQL: its own database name).
        site_url = url.rsplit("/", 1)[0] + "/itplus_hd" if url and site == "help desk" else url
        results.append(pytest_run(f"{site} · {database}", site_url, site_args))
    return results


def main() -> int:
    args = sys.argv[1:]
    results = run_all("SQLite", None, args)
    problems: list[str] = []

    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        results += run_all("PostgreSQL (DATABASE_URL)", url, args)
    elif answers("127.0.0.1", 5432):
        results += run_all(
            "PostgreSQL (127.0.0.1:5432)", "postgres://postgres@127.0.0.1:5432/itplus", args
        )
    elif (bindir := pg_binaries()) is not None:
        with throwaway_postgres(bindir) as throwaway_url:
            results += run_all("PostgreSQL (throwaway cluster)", throwaway_url, args)
    else:
        problems.append(
            "PostgreSQL tests SKIPPED: no DATABASE_URL, nothing on 127.0.0.1:5432 and no initdb.\n"
            "Install it with: sudo apt-get install postgresql  (or set DATABASE_URL)."
        )

    say("Summary")
    for r in results:
        print(
            f"  {r['label']:<44} {r['passed']:>4} passed {r['failed']:>3} failed "
            f"{r['skipped']:>3} skipped  ({r['seconds']:.0f} s)"
        )
    for problem in problems:
        say(problem)
    failed = any(r["code"] != 0 for r in results) or (problems and CI)
    if problems and CI:
        print("CI=true: a missing PostgreSQL fails the run.")
    total = {k: sum(r[k] for r in results) for k in ("passed", "failed", "skipped")}
    print(f"total: {total['passed']} passed, {total['failed']} failed, {total['skipped']} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
