"""Politeness: caps on concurrent work per destination, shared by every check of a process.

A survey runs hundreds of checks at once in one worker process; without caps they would
open as many connections to one shared hosting server (or queries to one resolver) as
there are checks. `Limits` holds one semaphore per (kind, address): `dns` per resolver
address, `https` and `smtp` per destination IP. The engine's wrappers (dns.py, net.py)
take a slot for the whole exchange when EngineConfig.limits is set; the web's single
checks leave it None. Limits are per process: N workers allow N times the cap in total.

DNS queries run on an event loop (dns.py), so the `dns` caps are asyncio semaphores, one
set per event loop (a survey worker process drives all its checks from one loop); the
HTTPS and SMTP exchanges run in threads and share threading semaphores.
"""
import asyncio
import threading
import time
import weakref
from contextlib import contextmanager

KINDS = ("dns", "https", "smtp")


class Limits:
    def __init__(self, dns: int = 0, https: int = 0, smtp: int = 0):
        self.caps = {"dns": dns, "https": https, "smtp": smtp}   # 0 = no cap
        self._semaphores: dict[tuple[str, str], threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()
        self._loop_semaphores: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict]" = weakref.WeakKeyDictionary()

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

    def ahold(self, kind: str, address: str, deadline: float) -> "_Slot":
        """hold() for coroutines on an event loop (`async with`): waiting for a slot never
        blocks the loop."""
        if not self.caps.get(kind):
            return _Slot(None, deadline)
        semaphores = self._loop_semaphores.get(asyncio.get_running_loop())
        if semaphores is None:
            with self._lock:
                semaphores = self._loop_semaphores.setdefault(asyncio.get_running_loop(), {})
        semaphore = semaphores.get((kind, address))
        if semaphore is None:
            semaphore = semaphores[(kind, address)] = asyncio.BoundedSemaphore(self.caps[kind])
        return _Slot(semaphore, deadline)


class _Slot:
    """`async with` gives True with a slot held, False when none came free before the
    deadline. A plain class, cheaper than a generator-based context manager: it runs for every
    query of a survey."""
    __slots__ = ("semaphore", "deadline", "acquired")

    def __init__(self, semaphore, deadline: float):
        self.semaphore, self.deadline, self.acquired = semaphore, deadline, False

    async def __aenter__(self) -> bool:
        if self.semaphore is None:
            return True
        if not self.semaphore.locked():
            await self.semaphore.acquire()   # free: returns at once
        else:
            try:
                async with asyncio.timeout(max(0.0, self.deadline - time.monotonic())):
                    await self.semaphore.acquire()
            except TimeoutError:
                return False
        self.acquired = True
        return True

    async def __aexit__(self, *exc_info):
        if self.acquired:
            self.acquired = False
            self.semaphore.release()


@contextmanager
def hold(config, kind: str, address: str, deadline: float):
    """The engine's entry point: a no-op (True) without limits in the config."""
    limits = getattr(config, "limits", None)
    if limits is None:
        yield True
        return
    with limits.hold(kind, address, deadline) as acquired:
        yield acquired


def ahold(config, kind: str, address: str, deadline: float) -> _Slot:
    """hold() for the engine's coroutines (DNS queries): `async with ahold(...) as slot`."""
    limits = getattr(config, "limits", None)
    if limits is None:
        return _Slot(None, deadline)
    return limits.ahold(kind, address, deadline)
