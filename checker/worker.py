"""The RQ worker the site runs (`manage.py run_worker`): RQ's own Worker, made to outlive Redis.

RQ's work loop already retries a lost connection while it waits for jobs (1 s, 2 s, ...
60 s), but a worker started while Redis is unreachable exits at once, and so does one
that loses Redis while it books a finished job. `serve()` therefore waits for Redis
with back-off before each start of the loop and starts a fresh worker when the loop
ended because of Redis. It returns only when a stop was asked for (SIGTERM / SIGINT).

Each outage is logged once when it begins and once when it ends, not per retry.
"""
from __future__ import annotations

import ctypes
import logging
import os
import signal
import time

import redis
from rq import Worker

log = logging.getLogger("checker.worker")

BACKOFF_FIRST_SECONDS = 1.0
BACKOFF_MAX_SECONDS = 60.0
PR_SET_PDEATHSIG = 1  # linux/prctl.h
REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def backoff_delays(first: float = BACKOFF_FIRST_SECONDS, cap: float = BACKOFF_MAX_SECONDS):
    """1, 2, 4, ... seconds, then `cap` for ever."""
    delay = first
    while True:
        yield delay
        delay = min(cap, delay * 2)


class OutageLog(logging.Filter):
    """Lets the first "could not connect to Redis" line of an outage through, drops the
    repeats (RQ logs one per retry), and logs the end of the outage once."""

    def __init__(self):
        super().__init__()
        self.since: float | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        if "could not connect to Redis" not in record.getMessage():
            return True
        if self.since is not None:
            return False
        self.since = time.monotonic()
        return True

    def begin(self, error: Exception) -> None:
        if self.since is None:
            self.since = time.monotonic()
            log.warning("redis unreachable (%s: %s); waiting for it, retrying with back-off up to %.0f s",
                        type(error).__name__, error, BACKOFF_MAX_SECONDS)

    def end(self) -> None:
        if self.since is not None:
            log.warning("redis reachable again after %.0f s", time.monotonic() - self.since)
            self.since = None


OUTAGE = OutageLog()


class CheckWorker(Worker):
    """RQ's forking worker with two changes:

    * the work horse (the process running the check) is killed by the kernel when its
      worker dies (PR_SET_PDEATHSIG), so a check whose worker was killed is not still
      running when the sweeper gives it to another worker;
    * a successful heartbeat ends a logged Redis outage;
    * a SIGTERM that came before RQ installed its own handlers (while the worker
      registered) still stops it: `stop_asked` is serve()'s flag.
    """

    stop_asked = staticmethod(lambda: False)

    def _install_signal_handlers(self):
        super()._install_signal_handlers()
        if self.stop_asked():
            self._stop_requested = True  # the work loop checks it before taking a job

    def fork_work_horse(self, job, queue):
        self._parent_pid = os.getpid()
        super().fork_work_horse(job, queue)

    def main_work_horse(self, job, queue):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # not Linux: the sweeper's checks still apply
            pass
        if os.getppid() != self._parent_pid:  # the worker died between fork and prctl
            os._exit(1)
        super().main_work_horse(job, queue)

    def heartbeat(self, *args, **kwargs):
        result = super().heartbeat(*args, **kwargs)
        OUTAGE.end()
        return result


def wait_for_redis(connection, stopping, sleep=time.sleep) -> bool:
    """Block until `connection` answers PING (True) or `stopping()` says stop (False)."""
    delays = backoff_delays()
    while not stopping():
        try:
            connection.ping()
            OUTAGE.end()
            return True
        except REDIS_ERRORS as error:
            OUTAGE.begin(error)
            deadline = time.monotonic() + next(delays)
            while not stopping() and time.monotonic() < deadline:
                sleep(0.2)
    return False


def serve(make_worker, connection, logging_level: str = "INFO", sleep=time.sleep) -> None:
    """Run workers made by `make_worker(generation)` until a stop is requested; never exit
    because Redis is down. A worker loop that ends for another reason (RQ logged why) is
    followed by a new worker after a back-off pause (1 s, 2 s, ... 60 s; reset by a run of
    a minute or more)."""
    from django.db import connections

    stop = []

    def on_signal(*_):
        stop.append(True)

    logging.getLogger("rq.worker").addFilter(OUTAGE)
    delays = backoff_delays()
    generation = 0
    def install_handlers():  # RQ installs its own inside work(); ours apply between workers
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, on_signal)

    while True:
        install_handlers()
        if not wait_for_redis(connection, lambda: bool(stop), sleep=sleep):
            return
        generation += 1
        worker = make_worker(generation)
        worker.stop_asked = lambda: bool(stop)
        for conn in connections.all():  # no database connection may cross the fork
            conn.close()
        started = time.monotonic()
        try:
            worker.work(logging_level=logging_level)
        except REDIS_ERRORS as error:
            OUTAGE.begin(error)
        install_handlers()
        if worker._stop_requested or worker._shutdown_requested_date or stop:
            log.info("worker %s stopped on request", worker.name)
            return
        if time.monotonic() - started >= 60:
            delays = backoff_delays()
        if OUTAGE.since is None:  # not Redis: pause before the next worker
            pause = next(delays)
            log.warning("worker %s left its loop; starting a new worker in %.0f s", worker.name, pause)
            deadline = time.monotonic() + pause
            while not stop and time.monotonic() < deadline:
                sleep(0.2)
