"""Serve a WSGI application with waitress (pure Python, also runs on Windows).

Shared by the sites' `serve` commands so both run the same production server.
"""

from __future__ import annotations

import logging
from typing import TextIO


def serve_wsgi(
    application,
    *,
    host: str,
    port: int,
    threads: int = 8,
    ident: str = "itplus",
    banner: str = "",
    stdout: TextIO | None = None,
) -> None:
    """Block serving ``application`` on host:port until interrupted."""
    from waitress import serve

    logging.getLogger("waitress").setLevel(logging.INFO)
    if banner and stdout is not None:
        stdout.write(banner)
    serve(application, host=host, port=port, threads=threads, ident=ident)
