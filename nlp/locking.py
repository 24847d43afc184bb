"""One writer at a time for a folder that several processes share (store, index).

A maintained cross-platform file lock (``filelock``) guards the read-modify-write of a
folder's catalog; a second writer waits and says so instead of overwriting the first
one's entries. Readers take no lock: every file is replaced atomically.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import RapportError

LOCK_NAME = ".rapport.lock"
WAIT_SECONDS = 600.0


class LockTimeout(RapportError):
    """Another process held a folder's lock for too long."""

    exit_code = 75  # EX_TEMPFAIL: try again later


@contextmanager
def writer_lock(folder: Path, what: str, wait: float = WAIT_SECONDS) -> Iterator[None]:
    """Hold ``folder``'s writer lock; tell the user when another process has it."""
    from filelock import FileLock, Timeout

    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / LOCK_NAME), mode=0o644)
    try:
        lock.acquire(timeout=0.2)
    except Timeout:
        sys.stderr.write(f"rapport: waiting for another rapport process writing to the {what} {folder}\n")
        try:
            lock.acquire(timeout=wait)
        except Timeout:
            raise LockTimeout(f"{folder}: another rapport process has been writing to this {what} for "
                              f"{wait:.0f} s; try again when it is done (lock file {folder / LOCK_NAME}).") from None
    try:
        yield
    finally:
        lock.release()
