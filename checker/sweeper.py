"""Nothing lost, nothing stuck: reconcile Check rows with the RQ jobs behind them.

Run every few seconds (`manage.py sweep_checks --loop`, started by scripts/run.sh):

* queued checks that never reached Redis (it was down at submission), or whose job
  Redis no longer has (restarted without its data), are enqueued again;
* queued checks whose job has waited longer than CHECK_STALE_SECONDS for a worker end
  as failed (the page would otherwise say "Waiting to start" forever);
* running checks whose worker died (killed, out of memory) are queued once more: a
  check runs at most MAX_ATTEMPTS times, and the second loss ends it as failed;
* running checks end as failed, with a reason people can read, when their job failed
  or vanished, or when they have been running longer than CHECK_STALE_SECONDS.

A dead worker's work horse dies with it (checker/worker.py), and a run saves its result
only while it is still the check's current attempt (checker/jobs.py), so a retried
check never runs twice at the same time.

The job id of a check is the check's id (checker/submit.py), so no extra column is needed.
"""
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.utils import timezone

from .models import Check
from .submit import enqueue

log = logging.getLogger(__name__)

# A check is created a moment before its job is enqueued; leave that moment alone.
ENQUEUE_GRACE_SECONDS = 10
# Runs of one check: a run lost with its worker is retried until this many have started.
MAX_ATTEMPTS = 2
# A queued job out of its queue list this long was taken by a worker that never started it.
TAKEN_NOT_STARTED_SECONDS = 10

REASON_STALE = "The check did not finish within {seconds} seconds and was stopped. Please retry."
REASON_TIMEOUT = "The check took longer than the time limit and was stopped. Please retry."
REASON_WORKER_GONE = "The worker running this check stopped before it finished. Please retry."
REASON_WORKER_GONE_TWICE = ("The check was interrupted twice: each time the worker running it stopped before it "
                            "finished (for example it ran out of memory or was restarted). Please retry later.")
REASON_JOB_FAILED = "The check stopped with an internal error. Please retry."
REASON_JOB_LOST = "The queued job of this check was lost. Please retry."
REASON_NO_RESULT = "The check ended without saving a result. Please retry."
REASON_NOT_STARTED = "No worker started the check within {seconds} seconds. Please retry in a few minutes."


@dataclass
class SweepResult:
    enqueued: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    retried: list = field(default_factory=list)
    redis_up: bool = True


def _connection():
    import django_rq

    conn = django_rq.get_connection("default")
    conn.ping()
    return conn


def _worker_alive(conn, worker_name: str | None) -> bool:
    """False when the worker's key expired, or it ran on this host and its process is gone."""
    from rq import Worker

    if not worker_name:
        return True  # not yet assigned: nothing to say
    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + worker_name, connection=conn)
    return worker is not None and process_alive(worker)


def process_alive(worker) -> bool:
    """A registered worker's process still runs. Its Redis key outlives a killed worker by
    minutes (worker TTL); on this host the process table says at once."""
    if worker.hostname == socket.gethostname() and worker.pid:
        try:
            os.kill(worker.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
    return True


def live_workers(conn) -> list:
    from rq import Worker

    return [worker for worker in Worker.all(connection=conn) if process_alive(worker)]


def _job(conn, check_id):
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        return Job.fetch(str(check_id), connection=conn)
    except NoSuchJobError:
        return None


def _failure_reason(job) -> str:
    text = ""
    try:
        result = job.latest_result()
        text = (result.exc_string or "") if result is not None else ""
    except Exception:  # older result formats; the generic reason is fine
        pass
    if "JobTimeoutException" in text:
        return REASON_TIMEOUT
    if "terminated unexpectedly" in text or "Work-horse" in text or "shutdown" in text.lower():
        return REASON_WORKER_GONE
    return REASON_JOB_FAILED


def running_check_problem(conn, check: Check, now) -> str | None:
    """Why this running check will never finish, or None if it may still."""
    from rq.job import JobStatus

    stale = timedelta(seconds=settings.CHECK_STALE_SECONDS)
    if check.started_at and check.started_at < now - stale:
        return REASON_STALE.format(seconds=settings.CHECK_STALE_SECONDS)
    if conn is None:
        return None
    job = _job(conn, check.pk)
    if job is None:
        return REASON_JOB_LOST
    status = job.get_status(refresh=False)
    if status == JobStatus.STARTED and not _worker_alive(conn, job.worker_name):
        return REASON_WORKER_GONE
    return _ended_job_reason(job, status)


def _queued_job_problem(job, check: Check, now, workers_since) -> str | None:
    """A queued check whose job already ended without running it (e.g. the worker died at
    the start), or has waited for a worker longer than CHECK_STALE_SECONDS. The wait
    counts from when a worker was there (`workers_since`, None: no worker alive), so checks
    queued while the site was stopped run after the next start instead of failing."""
    from rq.job import JobStatus

    status = job.get_status(refresh=False)
    stale = timedelta(seconds=settings.CHECK_STALE_SECONDS)
    if status == JobStatus.QUEUED:
        if workers_since is not None and max(check.enqueued_at, workers_since) < now - stale:
            return REASON_NOT_STARTED.format(seconds=settings.CHECK_STALE_SECONDS)
        return None
    return _ended_job_reason(job, status)


def _workers_since(conn):
    """Since when the longest-living live worker has been up (None: no worker alive)."""
    births = [worker.birth_date for worker in live_workers(conn) if worker.birth_date]
    if not births:
        return None
    since = min(births)
    return since if since.tzinfo else since.replace(tzinfo=dt_timezone.utc)  # RQ stores UTC


def _taken_by_dead_worker(conn, job) -> bool:
    from rq.job import JobStatus

    return job.get_status(refresh=False) == JobStatus.STARTED and not _worker_alive(conn, job.worker_name)


def _taken_but_never_started(conn, job) -> bool:
    """A worker takes a job by moving it from the queue list to the queue's intermediate
    list (BLMOVE) and marks it started right after; one that lost Redis or died in between
    leaves the job `queued` in no queue, so no worker would ever run it. That move takes
    milliseconds: only a job seen out of its queue for TAKEN_NOT_STARTED_SECONDS counts."""
    import time

    from rq.job import JobStatus

    if job.get_status(refresh=False) != JobStatus.QUEUED or job.get_position() is not None:
        return False
    key = f"checker:sweeper:out-of-queue:{job.id}"
    if conn.set(key, time.time(), nx=True, ex=3600):
        return False  # first seen out of the queue just now
    return time.time() - float(conn.get(key) or time.time()) >= TAKEN_NOT_STARTED_SECONDS


def _ended_job_reason(job, status) -> str | None:
    """Why a job that has ended left its check unfinished; None while it has not ended."""
    from rq.job import JobStatus

    if status == JobStatus.FAILED:
        return _failure_reason(job)
    if status in (JobStatus.STOPPED, JobStatus.CANCELED):
        return REASON_WORKER_GONE
    if status == JobStatus.FINISHED:
        return REASON_NO_RESULT
    return None


def _fail(check: Check, reason: str, now) -> bool:
    # Conditional update: the job may have finished the check in the meantime.
    updated = Check.objects.filter(pk=check.pk, status=check.status).update(
        status=Check.Status.FAILED, error=reason, finished_at=now
    )
    if updated:
        log.warning("check %s of %s marked failed: %s", check.pk, check.domain, reason)
    return bool(updated)


def _retry(conn, check: Check) -> bool:
    """Queue a check whose run was lost with its worker once more (its old job removed, so
    RQ's own clean-up never reports it); False when the check changed meanwhile."""
    updated = Check.objects.filter(pk=check.pk, status=Check.Status.RUNNING, attempts=check.attempts).update(
        status=Check.Status.QUEUED, enqueued_at=None, started_at=None, progress=[])
    if not updated:
        return False
    job = _job(conn, check.pk)
    if job is not None:
        job.delete()
    log.warning("check %s of %s: its worker stopped during attempt %d of %d; running it once more",
                check.pk, check.domain, check.attempts, MAX_ATTEMPTS)
    check.refresh_from_db()
    enqueue(check)  # when Redis is down right now, the queued sweep below enqueues it later
    return True


def sweep() -> SweepResult:
    result = SweepResult()
    now = timezone.now()
    try:
        conn = _connection()
    except Exception as error:
        log.info("redis unreachable (%s: %s); will retry", type(error).__name__, error)
        conn = None
        result.redis_up = False

    for check in Check.objects.filter(status=Check.Status.RUNNING):
        reason = running_check_problem(conn, check, now)
        if reason == REASON_WORKER_GONE and conn is not None:
            if check.attempts < MAX_ATTEMPTS:
                if _retry(conn, check):
                    result.retried.append(check.pk)
                continue
            reason = REASON_WORKER_GONE_TWICE
        if reason and _fail(check, reason, now):
            result.failed.append(check.pk)

    if conn is None:
        return result
    grace = now - timedelta(seconds=ENQUEUE_GRACE_SECONDS)
    workers_since = _workers_since(conn)
    for check in Check.objects.filter(status=Check.Status.QUEUED, created_at__lt=grace).order_by("created_at"):
        if check.enqueued_at is not None:
            job = _job(conn, check.pk)
            if job is not None and (_taken_by_dead_worker(conn, job) or _taken_but_never_started(conn, job)):
                # Dequeued, and its worker died or lost Redis before the run began: never ran.
                from rq import Queue

                Queue(job.origin, connection=conn).intermediate_queue.remove(job.id)
                job.delete()
                job = None
            if job is not None:
                reason = _queued_job_problem(job, check, now, workers_since)
                if reason and _fail(check, reason, now):
                    result.failed.append(check.pk)
                continue  # otherwise waiting for a worker, as it should
            log.warning("job of queued check %s vanished from redis; enqueueing again", check.pk)
        if not enqueue(check):
            result.redis_up = False
            break
        log.info("enqueued check %s of %s", check.pk, check.domain)
        result.enqueued.append(check.pk)
    return result
