"""manage.py run_worker [QUEUE ...] [--name NAME]: an RQ worker for the site's queues (default:
checks first, then alert mails and webhooks) that outlives Redis outages and stops gracefully
on SIGTERM (see checker/worker.py). RQ's scheduler, which the alert deliveries' retries
need, runs as a process of its own (`manage.py run_scheduler`)."""
import django_rq
from django.core.management.base import BaseCommand
from rq.logutils import setup_loghandlers

from checker.worker import CheckWorker, serve

# Checks first; mails and webhooks only when no check waits (RQ takes queues in this order).
SITE_QUEUES = ("default", "notify")


class Command(BaseCommand):
    help = "Run an RQ worker for the site's queues (default, notify); waits for Redis instead of exiting."

    def add_arguments(self, parser):
        parser.add_argument("queues", nargs="*", default=list(SITE_QUEUES),
                            help=f"queues in priority order (default: {' '.join(SITE_QUEUES)})")
        parser.add_argument("--name", default=None, help="worker name (default: RQ's random one)")

    def handle(self, *args, queues=SITE_QUEUES, name=None, verbosity=1, **options):
        level = "DEBUG" if verbosity >= 2 else "WARNING" if verbosity == 0 else "INFO"
        setup_loghandlers(level)

        def make_worker(generation):
            worker_name = name if not name or generation == 1 else f"{name}.{generation}"
            return django_rq.get_worker(*queues, worker_class=CheckWorker, name=worker_name)

        serve(make_worker, django_rq.get_connection("default"), logging_level=level)
