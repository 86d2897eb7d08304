"""manage.py run_scheduler: RQ's scheduler for the site's queues, as a process of its own.

The scheduler moves jobs whose time has come (the alert deliveries' retries with back-off,
checker/monitoring/) onto their queue. RQ can run it inside a worker (`--with-scheduler`),
but there it is a child process that dies with a traceback whenever Redis goes away. Here
it waits for Redis with the workers' back-off (checker/worker.py), logs each outage once,
and starts again; several of them (one per machine) share the work through RQ's locks.
SIGTERM / SIGINT stop it.
"""
import logging
import signal
import uuid

import django_rq
from django.core.management.base import BaseCommand
from rq.logutils import setup_loghandlers
from rq.scheduler import RQScheduler

from checker.management.commands.run_worker import SITE_QUEUES
from checker.worker import OUTAGE, REDIS_ERRORS, wait_for_redis

log = logging.getLogger("checker.worker")


class Command(BaseCommand):
    help = "Run RQ's scheduler for the site's queues; waits for Redis instead of exiting."

    def handle(self, *args, verbosity=1, **options):
        setup_loghandlers("DEBUG" if verbosity >= 2 else "INFO")
        stop = []

        def on_signal(*_):
            stop.append(True)

        connection = django_rq.get_connection("default")
        name = uuid.uuid4().hex  # kept across restarts, so the new loop refreshes its own locks
        while not stop:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, on_signal)
            if not wait_for_redis(connection, lambda: bool(stop)):
                break
            scheduler = RQScheduler(list(SITE_QUEUES), connection=connection, name=name)
            try:
                scheduler.work()  # installs its own SIGTERM/SIGINT handlers; returns once asked to stop
                return
            except REDIS_ERRORS as error:
                OUTAGE.begin(error)
        log.info("scheduler stopped on request")
