"""manage.py run_worker [--name NAME]: an RQ worker for the site's queue that outlives Redis
outages and stops gracefully on SIGTERM (see checker/worker.py)."""
import django_rq
from django.core.management.base import BaseCommand
from rq.logutils import setup_loghandlers

from checker.worker import CheckWorker, serve


class Command(BaseCommand):
    help = "Run an RQ worker for the 'default' queue; waits for Redis instead of exiting."

    def add_arguments(self, parser):
        parser.add_argument("--name", default=None, help="worker name (default: RQ's random one)")

    def handle(self, *args, name=None, verbosity=1, **options):
        level = "DEBUG" if verbosity >= 2 else "WARNING" if verbosity == 0 else "INFO"
        setup_loghandlers(level)

        def make_worker(generation):
            worker_name = name if not name or generation == 1 else f"{name}.{generation}"
            return django_rq.get_worker("default", worker_class=CheckWorker, name=worker_name)

        serve(make_worker, django_rq.get_connection("default"), logging_level=level)
