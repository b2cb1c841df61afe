"""Run calls in real threads released at the same instant (concurrency tests).

Each thread uses its own database connection, closed when it finishes. The result of
each call — its return value, or the exception it raised — comes back in order, so the
test can assert how many won and what the others were told.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections

JOIN_TIMEOUT = 120


def run_together(calls: Sequence[Callable[[], Any]], *, what: str = "a call") -> list:
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            results[index] = calls[index]()
        except BaseException as error:  # reported by the test, not lost in the thread
            results[index] = error
        finally:
            connections.close_all()  # this thread's connection

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), f"{what} hung"
    return results
