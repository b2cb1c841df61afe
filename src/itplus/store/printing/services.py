"""The print pipeline: every printed document — a sale's receipt, a credit note, an X or
Z report, a copy of any of them — leaves through here.

``printout_bytes`` renders a ``Printout`` as the ESC/POS bytes a printer receives (with
the drawer kick when an original receipt carries cash and the config asks for it);
``print_now`` sends them to the configured network printer in this thread (raw ESC/POS
over TCP, port 9100) and raises when it cannot be reached; ``print_on_commit`` does it
after the document's transaction commits, from a background thread, so a slow, jammed or
unplugged printer never slows or breaks a sale. Both record the job (``PrintJob``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from escpos.printer import Dummy, Network

from itplus.store.config import get_config
from itplus.store.config.schema import PrinterConfig
from itplus.store.printing.documents import Printout, Receipt
from itplus.store.printing.escpos import lines_escpos, receipt_escpos
from itplus.store.printing.models import PrintJob

logger = logging.getLogger("itplus.printing")

# Seconds to wait for the printer to accept the connection and the data.
PRINTER_TIMEOUT = 5
THREAD_NAME = "itplus-printing"
# One job at a time per process: a receipt printer takes one connection at a time, and
# two documents must never interleave on the paper.
_PRINTER_LOCK = threading.Lock()


def _printer_config() -> PrinterConfig:
    return get_config().printer


def printout_bytes(printout: Printout) -> bytes:
    """The document as the ESC/POS bytes a printer receives, at the configured width."""
    config = _printer_config()
    width = config.width_chars
    printer = Dummy()
    if isinstance(printout.body, Receipt):
        kick = config.kick_drawer_on_cash and printout.opens_drawer
        receipt_escpos(printer, printout.body, width=width, kick_drawer=kick)
    else:
        lines_escpos(printer, printout.body, width=width)
    return printer.output


def _network_printer() -> tuple[str, int] | None:
    config = _printer_config()
    if config.kind != "network":
        return None
    return config.host, config.port


def _send(data: bytes, *, host: str, port: int) -> None:
    printer = Network(host=host, port=port, timeout=PRINTER_TIMEOUT)
    printer.open()
    try:
        printer._raw(data)  # the bytes are complete ESC/POS: send them as they are
    finally:
        printer.close()


@dataclass(frozen=True)
class PrinterProbe:
    """What opening a connection to the configured printer found (``printer_probe``)."""

    host: str
    port: int
    reachable: bool
    latency_ms: float | None = None
    error: str = ""


def printer_probe(*, timeout: float) -> PrinterProbe | None:
    """Open and close a connection to the configured network printer, printing nothing.

    None when no printer is configured (kind "none"). Waits for a job being printed by
    this process (a receipt printer takes one connection at a time) at most ``timeout``.
    """
    target = _network_printer()
    if target is None:
        return None
    host, port = target
    if not _PRINTER_LOCK.acquire(timeout=timeout):
        return PrinterProbe(host=host, port=port, reachable=True, error="busy")
    try:
        printer = Network(host=host, port=port, timeout=timeout)
        started = time.monotonic()
        try:
            printer.open()
        except Exception as exc:  # DeviceNotFoundError wraps the socket's OSError
            return PrinterProbe(host=host, port=port, reachable=False, error=_one_line(exc))
        latency_ms = (time.monotonic() - started) * 1000
        printer.close()
        return PrinterProbe(host=host, port=port, reachable=True, latency_ms=latency_ms)
    finally:
        _PRINTER_LOCK.release()


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _record(printout: Printout, *, host: str, port: int, size: int) -> PrintJob:
    return PrintJob.objects.create(
        document=printout.document,
        document_id=printout.document_id,
        label=printout.label[:120],
        is_copy=printout.is_copy,
        printer=f"{host}:{port}"[:120],
        size_bytes=size,
    )


def print_now(printout: Printout) -> bool:
    """Print on the configured network printer now, in this thread, and record it.

    False when no printer is configured (kind "none": the HTML page is the document).
    Raises ``OSError`` (or python-escpos' errors) when the printer cannot be reached;
    ``print_on_commit`` is the call that never raises.
    """
    target = _network_printer()
    if target is None:
        return False
    host, port = target
    data = printout_bytes(printout)
    with _PRINTER_LOCK:
        _send(data, host=host, port=port)
    _record(printout, host=host, port=port, size=len(data))
    return True


def _send_logged(data: bytes, *, host: str, port: int, label: str) -> None:
    try:
        with _PRINTER_LOCK:
            _send(data, host=host, port=port)
    except Exception:  # a printer problem must never surface in the till
        logger.exception("Could not print %s on %s:%s", label, host, port)
    else:
        logger.info("Printed %s on %s:%s", label, host, port)


def _print_in_background(build: Callable[[], Printout]) -> threading.Thread | None:
    # The document is read and recorded here, in the request's thread and after commit,
    # so the background thread only does the slow part (the network) and needs no
    # database connection of its own.
    try:
        target = _network_printer()
        if target is None:
            return None
        host, port = target
        printout = build()
        data = printout_bytes(printout)
        _record(printout, host=host, port=port, size=len(data))
    except Exception:
        logger.exception("Could not prepare a document for printing")
        return None
    thread = threading.Thread(
        target=_send_logged,
        kwargs={"data": data, "host": host, "port": port, "label": printout.label},
        name=THREAD_NAME,
        daemon=True,
    )
    thread.start()
    return thread


def print_on_commit(build: Callable[[], Printout]) -> None:
    """After the current transaction commits, build the document and print it from a
    background thread. ``build`` runs only then, so it reads what was committed.

    Does nothing when no network printer is configured. Never raises: failures are
    logged on ``itplus.printing``.
    """
    try:
        if _network_printer() is None:
            return
    except Exception:
        logger.exception("Could not read the printer configuration")
        return
    transaction.on_commit(lambda: _print_in_background(build), robust=True)
