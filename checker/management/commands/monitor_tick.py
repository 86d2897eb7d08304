"""manage.py monitor_tick [--at TIME]: one run of the monitoring scheduler now (checker/monitoring/schedule.py).

RQ's cron scheduler runs it every 5 minutes (`manage.py rqcron checker.monitoring.cron`);
by hand it shows what is due. --at pretends it is that time (ISO 8601, UTC when no zone
given), for demos and tests of the interval.
"""
from datetime import datetime, timezone

from django.core.management.base import BaseCommand, CommandError

from checker.monitoring.schedule import tick


class Command(BaseCommand):
    help = "Schedule the re-checks of watched domains that are due."

    def add_arguments(self, parser):
        parser.add_argument("--at", help="the time to schedule for (ISO 8601), default now")

    def handle(self, *args, at=None, **options):
        now = None
        if at:
            try:
                now = datetime.fromisoformat(at)
            except ValueError:
                raise CommandError(f"--at {at!r} is not an ISO 8601 time, e.g. 2026-12-24T06:00:00") from None
            now = now if now.tzinfo else now.replace(tzinfo=timezone.utc)
        checks = tick(now=now)
        for check in checks:
            self.stdout.write(f"scheduled {check.domain} ({check.pk})")
        self.stdout.write(f"{len(checks)} re-check(s) scheduled")
