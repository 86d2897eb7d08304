"""manage.py sweep_checks [--loop] [--interval 10]: see checker/sweeper.py."""
import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from checker.sweeper import sweep

log = logging.getLogger("checker.sweeper")


class Command(BaseCommand):
    help = "Enqueue checks that never reached Redis and fail checks that can no longer finish."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep running, sweeping every --interval seconds")
        parser.add_argument("--interval", type=float, default=10.0, help="seconds between sweeps (default 10)")

    def handle(self, *args, loop=False, interval=10.0, verbosity=1, **options):
        self.verbosity = verbosity  # BaseCommand keeps it only in the options
        if not loop:
            self._report(sweep())
            return
        stopping = []
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.append(True))
        log.info("sweeping every %.0f s", interval)
        while not stopping:
            try:
                close_old_connections()
                self._report(sweep())
            except Exception:  # a database hiccup must not end the loop
                log.exception("sweep failed; trying again in %.0f s", interval)
            deadline = time.monotonic() + interval
            while not stopping and time.monotonic() < deadline:
                time.sleep(0.2)

    def _report(self, result):
        if result.enqueued or result.failed or result.retried or self.verbosity > 1:
            self.stdout.write(
                f"enqueued {len(result.enqueued)}, retried {len(result.retried)}, failed {len(result.failed)}, "
                f"redis {'up' if result.redis_up else 'down'}"
            )
