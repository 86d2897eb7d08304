"""Scheduled re-checks of watched domains, through the same queue, job and engine as web checks.

`tick()` runs every few minutes (RQ's cron scheduler, checker/monitoring/cron.py). Each
watched domain has one MonitoredDomain row, whatever the number of watchers, and a fixed
slot in the interval (a hash of its name), so re-checks spread over the day. A domain is
scheduled only when its slot has come AND at least MONITOR_INTERVAL_SECONDS passed since
its last scheduled check, so it is never re-checked more often than the interval; the
row is claimed with a conditional UPDATE, so two ticks at once cannot both schedule it.
"""
from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta, timezone

from django.conf import settings
from django.db import models
from django.utils import timezone as dj_timezone

from ..models import Check, MonitoredDomain, Watch

log = logging.getLogger(__name__)
MONITOR_CLIENT = "monitor"  # Check.client of scheduled checks (web clients are 64-hex hashes)
TICK_SECONDS = 300


def interval() -> timedelta:
    return timedelta(seconds=settings.MONITOR_INTERVAL_SECONDS)


def slot_offset(domain: str, seconds: int) -> int:
    """The domain's fixed place in every interval, in seconds: spreads re-checks evenly."""
    return int(hashlib.sha256(domain.encode()).hexdigest()[:12], 16) % seconds


def next_slot(domain: str, after: datetime, seconds: int | None = None) -> datetime:
    """The first slot of `domain` strictly after `after`."""
    seconds = seconds or settings.MONITOR_INTERVAL_SECONDS
    offset = slot_offset(domain, seconds)
    k = int((after.timestamp() - offset) // seconds) + 1
    return datetime.fromtimestamp(k * seconds + offset, timezone.utc)


def ensure_monitored(domain: str) -> MonitoredDomain:
    row, _ = MonitoredDomain.objects.get_or_create(
        domain=domain, defaults={"next_check_at": next_slot(domain, dj_timezone.now())})
    return row


def forget_if_unwatched(domain: str):
    if not Watch.objects.filter(domain=domain).exists():
        MonitoredDomain.objects.filter(domain=domain).delete()


def purge_unconfirmed(now: datetime | None = None) -> int:
    """Unconfirmed watches expire (and their addresses with them) after WATCH_CONFIRM_HOURS."""
    now = now or dj_timezone.now()
    cutoff = now - timedelta(hours=settings.WATCH_CONFIRM_HOURS)
    expired = Watch.objects.filter(confirmed_at__isnull=True, created_at__lt=cutoff)
    domains = set(expired.values_list("domain", flat=True))
    count, _ = expired.delete()
    for domain in domains:
        forget_if_unwatched(domain)
    return count


def catch_up_alerts():
    """Alerts for scheduled checks that finished without them: a check enqueued while Redis was
    down is run later by the sweeper through the plain job (checker/sweeper.py)."""
    from .jobs import notify_watchers

    pending = (MonitoredDomain.objects.filter(last_check__status=Check.Status.DONE)
               .exclude(alerted_check=models.F("last_check")).values_list("last_check_id", flat=True)[:1000])
    for check_id in pending:
        notify_watchers(str(check_id))


def due(now: datetime) -> list[MonitoredDomain]:
    return list(MonitoredDomain.objects.filter(next_check_at__lte=now).order_by("next_check_at")[:1000])


def tick(now: datetime | None = None, enqueue: bool = True) -> list[Check]:
    """Create (and enqueue) the re-checks that are due; returns the new checks."""
    now = now or dj_timezone.now()
    purge_unconfirmed(now)
    catch_up_alerts()
    created = []
    for row in due(now):
        if not Watch.objects.filter(domain=row.domain, confirmed_at__isnull=False).exists():
            row.delete()
            continue
        if row.last_scheduled_at is not None and now - row.last_scheduled_at < interval():
            # The tick ran late last time: wait until a whole interval has passed.
            MonitoredDomain.objects.filter(pk=row.pk, next_check_at=row.next_check_at).update(
                next_check_at=row.last_scheduled_at + interval())
            continue
        claimed = MonitoredDomain.objects.filter(pk=row.pk, next_check_at=row.next_check_at).update(
            next_check_at=next_slot(row.domain, now), last_scheduled_at=now)
        if not claimed:
            continue  # another tick took it
        check = Check.objects.create(domain=row.domain, input=row.domain, client=MONITOR_CLIENT,
                                     source=Check.Source.MONITOR)
        MonitoredDomain.objects.filter(pk=row.pk).update(last_check=check)
        if enqueue:
            enqueue_scheduled(check)
        created.append(check)
    if created:
        log.info("scheduled %d re-check(s): %s", len(created), ", ".join(c.domain for c in created[:20]))
    return created


def enqueue_scheduled(check: Check) -> bool:
    """The web's queue and job (checker/jobs.py), wrapped so the alerts follow the check.
    If Redis is down the check stays queued and the sweeper runs it later, without alerts."""
    import django_rq

    from .jobs import run_scheduled_check

    try:
        queue = django_rq.get_queue("default", commit_mode="auto")
        queue.enqueue(run_scheduled_check, str(check.pk), job_id=str(check.pk), result_ttl=3600, failure_ttl=86400)
    except Exception as error:  # Redis unreachable and the like
        log.warning("could not enqueue scheduled check %s of %s (%s)", check.pk, check.domain, error)
        return False
    Check.objects.filter(pk=check.pk).update(enqueued_at=dj_timezone.now())
    return True


def tick_job() -> int:
    """The cron entry point (RQ job): the number of re-checks scheduled."""
    return len(tick())
