"""One user of a range at a time: a test session holds var/fakenet/<tag>.lock (flock).

Without it, a second pytest session on the same range would restart the network
under the first one's feet (`up` always clears leftovers first).
"""
from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

WAIT_SECONDS = 300


class RangeBusy(RuntimeError):
    pass


class RangeLock:
    def __init__(self, path: Path):
        self.path, self.handle = path, None

    def holder(self) -> str:
        try:
            return self.path.read_text().strip() or "?"
        except OSError:
            return "?"

    def acquire(self, wait: float = WAIT_SECONDS) -> "RangeLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+")
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    handle.close()
                    raise RangeBusy(f"{self.path.stem} is in use by pid {self.holder()} (a test session or `up`); "
                                    "use another FAKENET_NET") from None
                time.sleep(0.5)
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self.handle = handle
        return self

    def busy(self) -> bool:
        """True when another process holds the lock (checked without taking it)."""
        if not self.path.exists():
            return False
        with open(self.path) as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(handle, fcntl.LOCK_UN)
            return False

    def release(self):
        if self.handle is not None:
            fcntl.flock(self.handle, fcntl.LOCK_UN)
            self.handle.close()
            self.handle = None
