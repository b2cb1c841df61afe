"""Serve the store (:8000), the help desk (:8001) and its Webpay emulator (127.0.0.1:8002)
together, and stop all three on Ctrl+C — `make run`'s last step, also usable on Windows:
``python tools/run_dev.py`` after ``itplus migrate`` / ``itplus demo`` and the help desk's.

If one of them stops on its own, the others are stopped too and its exit code is returned.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

EMULATOR_URL = "http://127.0.0.1:8002"
STOP_SECONDS = 10


def _commands() -> list[tuple[str, list[str], dict[str, str]]]:
    python = sys.executable
    env = dict(os.environ)
    helpdesk_env = {**env, "HELPDESK_WEBPAY_EMULATOR_URL": EMULATOR_URL}
    return [
        (
            "emulador Webpay",
            [python, "-m", "itplus.helpdesk.cli", "webpay_emulator", "--host", "127.0.0.1"]
            + ["--port", "8002"],
            env,
        ),
        (
            "mesa de ayuda",
            [python, "-m", "itplus.helpdesk.cli", "serve", "--host", "0.0.0.0", "--port", "8001"],
            helpdesk_env,
        ),
        (
            "tienda",
            [python, "-m", "itplus.store.cli", "serve", "--host", "0.0.0.0", "--port", "8000"],
            env,
        ),
    ]


def _start(argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    """A child in its own process group: the terminal's Ctrl+C reaches only this launcher,
    which then stops each child once (a second interrupt would cut its shutdown short)."""
    if os.name == "nt":
        return subprocess.Popen(argv, env=env, creationflags=subprocess.CREATE_NEW_PROCESS_GROUP)
    return subprocess.Popen(argv, env=env, process_group=0)


def _stop(processes: list[tuple[str, subprocess.Popen]]) -> None:
    """Ask each process still running to stop (as Ctrl+C would), then kill stragglers."""
    for _name, process in processes:
        if process.poll() is None:
            if os.name == "nt":
                process.send_signal(signal.CTRL_BREAK_EVENT)
            else:
                process.send_signal(signal.SIGINT)
    deadline = time.monotonic() + STOP_SECONDS
    for _name, process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _raise_interrupt)
    processes: list[tuple[str, subprocess.Popen]] = []
    try:
        for name, argv, env in _commands():
            processes.append((name, _start(argv, env)))
        while True:
            for name, process in processes:
                code = process.poll()
                if code is not None:
                    print(f"run_dev: {name} terminó (código {code}); se detiene el resto.")
                    _stop(processes)
                    return code or 1
            time.sleep(0.3)
    except KeyboardInterrupt:
        print("\nrun_dev: deteniendo la tienda, la mesa de ayuda y el emulador…", flush=True)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl+C does not cut the stop
        _stop(processes)
        print("run_dev: detenidos.", flush=True)
        return 0


if __name__ == "__main__":
    sys.exit(main())
