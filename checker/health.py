"""/healthz: the state of every component the site depends on, as JSON.

Answers 200 when everything is up and 503 when something is down, always with the
per-component detail; a broken component never turns into a 500 page. The workers part
counts live workers (a killed worker's Redis entry lingers; on this host its process is
looked up), the queue length and the age of the oldest queued check, and is `degraded`
when no worker is alive or that check has waited longer than HEALTH_QUEUE_AGE_SECONDS.
"""
import time

import django_rq
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone

from .models import Check
from .sweeper import live_workers


def _database():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"status": "up"}
    except Exception as error:
        return {"status": "down", "error": f"{type(error).__name__}: {error}"[:300]}


def _redis_and_workers():
    try:
        conn = django_rq.get_connection("default")
        conn.ping()
    except Exception as error:
        down = {"status": "down", "error": f"{type(error).__name__}: {error}"[:300]}
        return down, {"status": "unknown", "count": 0, "error": "Redis is down"}
    try:
        count = len(live_workers(conn))
        queue = django_rq.get_queue("default")
        worker_state = {"status": "up" if count else "down", "count": count, "queued_jobs": queue.count}
        if not count:
            worker_state["error"] = "no RQ worker is running"
    except Exception as error:
        worker_state = {"status": "unknown", "count": 0, "error": f"{type(error).__name__}: {error}"[:300]}
    return {"status": "up"}, worker_state


def _queue_age(worker_state):
    """Adds the oldest queued check's age; a wait over the threshold makes the workers degraded."""
    try:
        oldest = Check.objects.filter(status=Check.Status.QUEUED).order_by("created_at").values_list(
            "created_at", flat=True).first()
    except Exception:  # the database part reports that
        return worker_state
    age = round((timezone.now() - oldest).total_seconds(), 1) if oldest else 0
    limit = settings.HEALTH_QUEUE_AGE_SECONDS
    worker_state["queued_checks_oldest_seconds"] = age
    worker_state["queued_checks_age_limit_seconds"] = limit
    if age > limit and worker_state["status"] == "up":
        worker_state["status"] = "degraded"
        worker_state["error"] = f"the oldest queued check has waited {age:.0f} s (limit {limit} s)"
    return worker_state


def _resolver():
    from .engine.dns import Resolver

    config = settings.CHECKER_CONFIG
    where = ",".join(f"{ip}:{port}" for ip, port in config.resolvers)
    try:
        validates = Resolver(config).validates(time.monotonic() + 3)
    except Exception as error:
        return {"status": "down", "address": where, "error": f"{type(error).__name__}: {error}"[:300]}
    if validates:
        return {"status": "up", "address": where, "validating": True}
    return {
        "status": "down",
        "address": where,
        "validating": False,
        "error": "not validating: no AD bit on the root DNSKEY answer (or no answer)",
    }


def healthz(request):
    redis_state, worker_state = _redis_and_workers()
    components = {
        "database": _database(),
        "redis": redis_state,
        "workers": _queue_age(worker_state),
        "resolver": _resolver(),
    }
    healthy = all(part["status"] == "up" for part in components.values())
    body = {"status": "ok" if healthy else "degraded", "components": components}
    response = JsonResponse(body, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response
