"""How many processes one long report is ingested with, and how they start.

A long PDF's pages are read by this process and others (``pdf.py``; splitting sentences
in two processes was tried and gains nothing: each builds spaCy's vocabulary of the words
it meets). ``RAPPORT_INGEST_WORKERS`` sets how many: a number, or
"auto" (up to 2, the cores of the machine rapport is built for). Only the main thread of
a main process starts others: a Dask worker, a web request or a thread pool already
ingests reports side by side.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from multiprocessing.context import BaseContext

from ..errors import InputError

SETTING = "RAPPORT_INGEST_WORKERS"


def ingest_workers(units: int, min_units: int) -> int:
    """Processes for ``units`` of work (pages, characters), one if there are fewer than
    ``min_units``: below that, another process costs more than it saves."""
    setting = os.environ.get(SETTING, "auto").strip().lower() or "auto"
    if setting == "auto":
        wanted = min(2, os.cpu_count() or 1)
    else:
        try:
            wanted = max(1, int(setting))
        except ValueError:
            raise InputError(f"{SETTING}={setting!r}: use a number of processes or 'auto'.") from None
    if (units < min_units or multiprocessing.current_process().daemon
            or threading.current_thread() is not threading.main_thread()):
        return 1
    return min(wanted, units // (min_units // 2))


def fork_context() -> BaseContext | None:
    """The fork start method where it is safe: on Linux in a process without other
    threads. A forked process starts in milliseconds with what is loaded (spaCy)."""
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return None


def process_context() -> BaseContext:
    """Fork where it is safe, else a fresh interpreter (spawn)."""
    return fork_context() or multiprocessing.get_context("spawn")
