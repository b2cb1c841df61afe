"""Serve a WSGI application with waitress (pure Python, also runs on Windows).

Shared by the sites' `serve` commands so both run the same production server.

One waitress process runs Python under one GIL, so it uses one CPU however many threads it
has. With ``processes`` > 1 this process binds the listening socket and starts that many
worker processes (``spawn``, the start method Windows has too), each running waitress on
the same socket — the operating system hands each new connection to one of them — and
restarts a worker that dies. The workers import the WSGI module they are given by name
(``itplus.store.wsgi``), as any WSGI server does; this process serves nothing itself.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
from typing import TextIO

from waitress import create_server, serve

# A worker that dies is started again, but not in a tight loop.
RESTART_PAUSE_SECONDS = 1.0


def serve_wsgi(
    application,
    *,
    host: str,
    port: int,
    threads: int = 8,
    ident: str = "itplus",
    banner: str = "",
    stdout: TextIO | None = None,
    processes: int = 1,
    wsgi_module: str = "",
) -> None:
    """Block serving ``application`` on host:port until interrupted. With ``processes`` > 1,
    ``wsgi_module`` names the module whose ``application`` each worker serves."""
    logging.getLogger("waitress").setLevel(logging.INFO)
    if banner and stdout is not None:
        stdout.write(banner)
    if processes <= 1:
        serve(application, host=host, port=port, threads=threads, ident=ident)
        return
    if not wsgi_module:
        raise ValueError("serve_wsgi: several processes need the WSGI module's name")
    _serve_processes(
        host=host, port=port, threads=threads, ident=ident, processes=processes, module=wsgi_module
    )


def _worker(listener: socket.socket, module: str, threads: int, ident: str) -> None:
    """One worker process: the module's application on the inherited listening socket."""
    logging.basicConfig(level=logging.INFO)
    parent = multiprocessing.parent_process()
    if parent is not None:
        # The server process gone (killed, even with SIGKILL): this worker goes too, so
        # nothing is left holding the port.
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    application = importlib.import_module(module).application
    create_server(application, sockets=[listener], threads=threads, ident=ident).run()


def _exit_with(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()
    os._exit(0)


def _serve_processes(
    *, host: str, port: int, threads: int, ident: str, processes: int, module: str
) -> None:
    listener = socket.create_server((host, port), backlog=1024)
    listener.setblocking(False)
    context = multiprocessing.get_context("spawn")

    def start() -> multiprocessing.process.BaseProcess:
        worker = context.Process(
            target=_worker, args=(listener, module, threads, ident), daemon=True
        )
        worker.start()
        return worker

    # A service manager stops the server with SIGTERM: stop the workers with it.
    signal.signal(signal.SIGTERM, lambda *_args: sys.exit(0))
    workers = [start() for _i in range(processes)]
    try:
        while True:
            time.sleep(RESTART_PAUSE_SECONDS)
            for index, worker in enumerate(workers):
                if not worker.is_alive():
                    logging.getLogger("waitress").warning(
                        "itplus: el proceso %s terminó (código %s); se inicia de nuevo",
                        worker.pid,
                        worker.exitcode,
                    )
                    workers[index] = start()
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join(timeout=5)
        listener.close()
