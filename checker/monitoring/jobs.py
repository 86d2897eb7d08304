"""RQ jobs of monitoring. The check itself is checker/jobs.py's run_check, unchanged.

Deliveries run on the "notify" queue: a worker takes them only when no check waits
(`rqworker default notify` serves queues in that order), each has a short timeout, and a
failed one is retried with back-off by RQ's scheduler (`--with-scheduler`), so a dead
mail server or webhook never holds up checks.
"""
from __future__ import annotations

import logging

from django.conf import settings

from ..jobs import run_check
from ..models import Check, MonitoredDomain, Watch
from . import notify
from .alerts import alerts

log = logging.getLogger(__name__)
RETRY_INTERVALS = [60, 300, 1800, 7200, 21600]  # seconds: 1 min ... 6 h, then give up
DELIVERY_TIMEOUT = 60


def _retry():
    from rq import Retry

    return Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS)


def enqueue_delivery(func, *args) -> bool:
    import django_rq

    try:
        django_rq.get_queue("notify", commit_mode="auto").enqueue(
            func, *args, retry=_retry(), job_timeout=DELIVERY_TIMEOUT, result_ttl=3600, failure_ttl=7 * 86400)
    except Exception as error:  # Redis unreachable: logged, the check itself is not affected
        log.warning("could not enqueue %s%r (%s)", func.__name__, args[:1], error)
        return False
    return True


def previous_check(check: Check) -> Check | None:
    """The domain's last finished check before `check` (any source: web or scheduled)."""
    return (Check.objects.filter(domain=check.domain, status=Check.Status.DONE, finished_at__lt=check.finished_at)
            .exclude(pk=check.pk).order_by("-finished_at").first())


def alerts_for(check: Check) -> list[dict]:
    before = previous_check(check)
    found = alerts(before.report if before else None, check.report or {}, check.finished_at,
                   settings.MONITOR_WARN_DAYS, settings.MONITOR_RRSIG_DAYS)
    return [alert.as_dict() for alert in found]


def notify_watchers(check_id: str, enqueue: bool = True) -> list[dict]:
    """After a scheduled check: work out the alerts once, then one delivery per confirmed watch."""
    check = Check.objects.filter(pk=check_id, status=Check.Status.DONE).first()
    if check is None:
        return []
    claimed = (MonitoredDomain.objects.filter(domain=check.domain, last_check=check)
               .exclude(alerted_check=check).update(alerted_check=check))
    if not claimed:
        return []  # alerted on already, or not the domain's latest scheduled check
    found = alerts_for(check)
    if found:
        for watch_id in Watch.objects.filter(domain=check.domain, confirmed_at__isnull=False).values_list("pk", flat=True):
            if enqueue:
                enqueue_delivery(deliver_alert, str(watch_id), str(check.pk), found)
            else:
                deliver_alert(str(watch_id), str(check.pk), found)
    return found


def run_scheduled_check(check_id: str) -> str:
    status = run_check(check_id)
    if status == Check.Status.DONE:
        try:
            notify_watchers(check_id)
        except Exception:  # the check is saved; a bug in alerting must not fail the job
            log.exception("alerting after check %s failed", check_id)
    return status


def deliver_alert(watch_id: str, check_id: str, alert_dicts: list[dict]) -> str:
    """One message; raises on failure so RQ retries it. An unsubscribed watch gets nothing."""
    watch = Watch.objects.filter(pk=watch_id, confirmed_at__isnull=False).first()
    check = Check.objects.filter(pk=check_id).first()
    if watch is None or check is None:
        return "gone"
    notify.send_alert(watch, check, alert_dicts)
    return "sent"


def deliver_confirmation(watch_id: str) -> str:
    watch = Watch.objects.filter(pk=watch_id, confirmed_at__isnull=True).first()
    if watch is None:
        return "gone"
    notify.send_confirmation(watch)
    return "sent"
