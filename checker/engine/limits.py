"""Politeness: caps on concurrent work per destination, shared by every check of a process.

A survey runs hundreds of checks at once in one worker process; without caps they would
open as many connections to one shared hosting server (or queries to one resolver) as
there are checks. `Limits` holds one semaphore per (kind, address): `dns` per resolver
address, `https` and `smtp` per destination IP. The engine's wrappers (dns.py, net.py)
take a slot for the whole exchange when EngineConfig.limits is set; the web's single
checks leave it None. Limits are per process: N workers allow N times the cap in total.
"""
import threading
import time
from contextlib import contextmanager

KINDS = ("dns", "https", "smtp")


class Limits:
    def __init__(self, dns: int = 0, https: int = 0, smtp: int = 0):
        self.caps = {"dns": dns, "https": https, "smtp": smtp}   # 0 = no cap
        self._semaphores: dict[tuple[str, str], threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()

    def _semaphore(self, kind: str, address: str):
        key = (kind, address)
        # Lock-free when the semaphore exists (a dict read is atomic): with hundreds of
        # threads, a holder of the lock losing the GIL stalled every query of the process.
        found = self._semaphores.get(key)
        if found is not None:
            return found
        with self._lock:
            found = self._semaphores.get(key)
            if found is None:
                found = self._semaphores[key] = threading.BoundedSemaphore(self.caps[kind])
            return found

    @contextmanager
    def hold(self, kind: str, address: str, deadline: float):
        """Yields True with a slot held, or False when none came free before the deadline."""
        if not self.caps.get(kind):
            yield True
            return
        semaphore = self._semaphore(kind, address)
        acquired = semaphore.acquire(timeout=max(0.0, deadline - time.monotonic()))
        try:
            yield acquired
        finally:
            if acquired:
                semaphore.release()


@contextmanager
def hold(config, kind: str, address: str, deadline: float):
    """The engine's entry point: a no-op (True) without limits in the config."""
    limits = getattr(config, "limits", None)
    if limits is None:
        yield True
        return
    with limits.hold(kind, address, deadline) as acquired:
        yield acquired
