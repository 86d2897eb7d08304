"""One way in for a new check, shared by the HTML form and the JSON API.

normalise -> deduplicate -> rate-limit -> create -> enqueue. The check row is saved
before Redis is touched, so a submission made while Redis is down is not lost: it stays
`queued` with `enqueued_at` empty and the sweeper (checker/sweeper.py) enqueues it later.
"""
import hashlib
import hmac
import logging
import math
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .engine.names import InvalidDomain, normalize_domain
from .models import Check

log = logging.getLogger(__name__)


class RateLimited(Exception):
    """Too many checks from one client; `retry_after` is whole seconds until one is allowed."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many checks; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Submission:
    check: Check
    reused: bool      # an existing recent check was returned instead of a new one
    enqueued: bool    # the job is in Redis (False: Redis was unreachable, the sweeper will retry)


def client_address(request) -> str:
    """REMOTE_ADDR, or the nearest X-Forwarded-For hop when a trusted proxy sets it."""
    if getattr(settings, "TRUSTED_PROXY", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The proxy appends the address it saw: the last entry is the one it vouches for.
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def client_key(address: str) -> str:
    """A keyed hash, so the database never holds client addresses in the clear."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def recent_check(domain: str):
    """A check of `domain` that is still waiting/running, or finished successfully recently."""
    since = timezone.now() - timedelta(seconds=settings.CHECK_REUSE_SECONDS)
    pending = Check.objects.filter(domain=domain, status__in=[Check.Status.QUEUED, Check.Status.RUNNING])
    pending = pending.filter(created_at__gte=timezone.now() - timedelta(seconds=settings.CHECK_STALE_SECONDS))
    fresh = Check.objects.filter(domain=domain, status=Check.Status.DONE, finished_at__gte=since)
    return (pending | fresh).order_by("-created_at").first()


def retry_after(client: str) -> int | None:
    """Seconds until `client` may start another check, or None when it may now."""
    limit = settings.RATE_LIMIT_CHECKS
    window = timedelta(seconds=settings.RATE_LIMIT_WINDOW_SECONDS)
    now = timezone.now()
    if limit <= 0:
        return settings.RATE_LIMIT_WINDOW_SECONDS
    recent = Check.objects.filter(client=client, created_at__gte=now - window).order_by("-created_at")
    # The limit-th newest check in the window has to leave it before another is allowed.
    edge = list(recent.values_list("created_at", flat=True)[limit - 1:limit])
    if not edge:
        return None
    free_at = edge[0] + window
    return max(1, math.ceil((free_at - now).total_seconds()))


def enqueue(check: Check) -> bool:
    """Put the job in Redis; False (logged) when Redis is unreachable. The job id is the check id."""
    import django_rq

    from .jobs import run_check

    try:
        # "auto": enqueue now, so a Redis failure is seen here and not after a commit.
        queue = django_rq.get_queue("default", commit_mode="auto")
        queue.enqueue(run_check, str(check.pk), job_id=str(check.pk), result_ttl=3600, failure_ttl=86400)
    except Exception as error:  # redis.ConnectionError, TimeoutError, auth problems...
        log.warning("could not enqueue check %s of %s (%s: %s); the sweeper will retry",
                    check.pk, check.domain, type(error).__name__, error)
        return False
    Check.objects.filter(pk=check.pk).update(enqueued_at=timezone.now())
    check.enqueued_at = timezone.now()
    return True


def submit(raw_input, address: str, source: str = Check.Source.WEB) -> Submission:
    """Raises InvalidDomain (message for people) or RateLimited. `source`: web or api (statistics filter)."""
    if not isinstance(raw_input, str):
        raise InvalidDomain("the domain must be text")
    if "\x00" in raw_input:  # the form refuses it too; PostgreSQL cannot store it
        raise InvalidDomain("the input contains a NUL character")
    domain = normalize_domain(raw_input)
    existing = recent_check(domain)
    if existing is not None:
        return Submission(existing, reused=True, enqueued=existing.enqueued_at is not None)
    client = client_key(address)
    # One transaction for count-then-insert, so concurrent submissions cannot all slip
    # under the limit (SQLite: BEGIN IMMEDIATE serialises them; PostgreSQL: a row lock
    # would be needed for a hard bound, a few over the limit is acceptable there).
    with transaction.atomic():
        wait = retry_after(client)
        if wait is not None:
            raise RateLimited(wait)
        check = Check.objects.create(domain=domain, input=raw_input.strip()[:1024], client=client, source=source)
    return Submission(check, reused=False, enqueued=enqueue(check))
