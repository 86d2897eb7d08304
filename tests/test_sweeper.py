"""The sweeper against a real Redis (DB 15 of the project's Redis, flushed around each test)."""
import sys
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from rq import Queue, SimpleWorker, Worker
from rq.job import Job, JobStatus
from rq.timeouts import JobTimeoutException

from checker import sweeper
from checker.models import Check
from tests.web_samples import make_check
from tests.web_stack import REDIS_TEST_URL

pytestmark = pytest.mark.django_db
CLOSED_PORT_URL = "redis://127.0.0.1:1/15"  # nothing listens on port 1: "Redis is down"


def stop_with_timeout():
    raise JobTimeoutException("Task exceeded maximum timeout value (120 seconds)")


def nothing():
    return "ok"


@pytest.fixture
def redis_conn(settings):
    import django_rq

    settings.RQ_QUEUES = {"default": {"URL": REDIS_TEST_URL, "DEFAULT_TIMEOUT": 120}}
    conn = django_rq.get_connection("default")
    conn.flushdb()
    yield conn
    conn.flushdb()


@pytest.fixture
def redis_down(settings):
    settings.RQ_QUEUES = {"default": {"URL": CLOSED_PORT_URL, "DEFAULT_TIMEOUT": 120}}


def queued_check(age_seconds=60, **fields):
    check = make_check(status=Check.Status.QUEUED, **fields)
    Check.objects.filter(pk=check.pk).update(created_at=timezone.now() - timedelta(seconds=age_seconds))
    return Check.objects.get(pk=check.pk)


def running_check(started_seconds_ago=5, attempts=1):
    return make_check(status=Check.Status.RUNNING, enqueued_at=timezone.now(), attempts=attempts,
                      started_at=timezone.now() - timedelta(seconds=started_seconds_ago))


def live_worker(conn, name="live-worker", born_seconds_ago=0):
    """A worker registered as this test process (so its pid is alive), born that long ago."""
    from rq.utils import utcformat

    worker = Worker([Queue("default", connection=conn)], connection=conn, name=name)
    worker.register_birth()
    if born_seconds_ago:
        conn.hset(worker.key, "birth", utcformat(timezone.now() - timedelta(seconds=born_seconds_ago)))
    return worker


def started_by(conn, check, worker_name):
    job = enqueue_job(conn, check)
    job.set_status(JobStatus.STARTED)
    job.worker_name = worker_name
    job.save()
    return job


def enqueue_job(conn, check, func=nothing):
    return Queue("default", connection=conn).enqueue(func, job_id=str(check.pk))


def test_a_check_saved_while_redis_was_down_is_enqueued_when_it_is_back(redis_conn):
    check = queued_check()
    result = sweeper.sweep()
    check.refresh_from_db()
    assert result.enqueued == [check.pk]
    assert check.enqueued_at is not None and check.status == "queued"
    job = Job.fetch(str(check.pk), connection=redis_conn)
    assert job.func_name == "checker.jobs.run_check" and job.args == (str(check.pk),)


def test_while_redis_is_down_the_sweeper_leaves_queued_checks_queued(redis_down):
    check = queued_check()
    result = sweeper.sweep()
    check.refresh_from_db()
    assert result.redis_up is False and result.enqueued == []
    assert check.status == "queued" and check.enqueued_at is None


def test_a_check_submitted_a_moment_ago_is_left_to_its_own_enqueue(redis_conn):
    queued_check(age_seconds=1)
    assert sweeper.sweep().enqueued == []


def test_a_queued_check_whose_job_redis_lost_is_enqueued_again(redis_conn):
    check = queued_check(enqueued_at=timezone.now() - timedelta(seconds=60))
    assert sweeper.sweep().enqueued == [check.pk]
    assert Job.exists(str(check.pk), connection=redis_conn)


def test_a_queued_check_with_its_job_waiting_is_left_alone(redis_conn):
    check = queued_check(enqueued_at=timezone.now())
    enqueue_job(redis_conn, check)
    result = sweeper.sweep()
    assert result.enqueued == [] and result.failed == []


def test_a_queued_check_no_worker_picked_up_within_the_stale_limit_fails(redis_conn, settings):
    settings.CHECK_STALE_SECONDS = 300
    live_worker(redis_conn, born_seconds_ago=3600)
    waiting = queued_check(age_seconds=400, enqueued_at=timezone.now() - timedelta(seconds=301))
    enqueue_job(redis_conn, waiting)
    recent = queued_check(age_seconds=400, enqueued_at=timezone.now() - timedelta(seconds=200))
    enqueue_job(redis_conn, recent)
    assert sweeper.sweep().failed == [waiting.pk]
    waiting.refresh_from_db()
    assert waiting.status == "failed" and "No worker started the check within 300 seconds" in waiting.error
    recent.refresh_from_db()
    assert recent.status == "queued"


def test_a_queued_check_waits_without_failing_while_no_worker_is_alive(redis_conn, settings):
    settings.CHECK_STALE_SECONDS = 300
    waiting = queued_check(age_seconds=4000, enqueued_at=timezone.now() - timedelta(seconds=3600))
    enqueue_job(redis_conn, waiting)
    assert sweeper.sweep().failed == []  # the site was stopped: it runs after the next start
    live_worker(redis_conn, born_seconds_ago=5)
    assert sweeper.sweep().failed == []  # its wait counts from when a worker came
    waiting.refresh_from_db()
    assert waiting.status == "queued"


def test_a_queued_check_whose_worker_died_before_the_run_began_is_enqueued_again(redis_conn):
    check = queued_check(enqueued_at=timezone.now() - timedelta(seconds=60))
    started_by(redis_conn, check, "ghost-worker")
    assert sweeper.sweep().enqueued == [check.pk]
    assert Job.fetch(str(check.pk), connection=redis_conn).get_status() == JobStatus.QUEUED


def test_a_running_check_older_than_the_stale_limit_fails_with_a_reason(redis_conn, settings):
    settings.CHECK_STALE_SECONDS = 300
    check = running_check(started_seconds_ago=301)
    enqueue_job(redis_conn, check)
    assert sweeper.sweep().failed == [check.pk]
    check.refresh_from_db()
    assert check.status == "failed" and "did not finish within 300 seconds" in check.error
    assert check.finished_at is not None


def test_stale_running_checks_fail_even_while_redis_is_down(redis_down, settings):
    settings.CHECK_STALE_SECONDS = 300
    check = running_check(started_seconds_ago=400)
    assert sweeper.sweep().failed == [check.pk]


def test_a_running_check_whose_job_vanished_fails(redis_conn):
    check = running_check()
    sweeper.sweep()
    check.refresh_from_db()
    assert check.status == "failed" and check.error == sweeper.REASON_JOB_LOST


def test_a_running_check_whose_job_timed_out_fails_with_the_timeout_reason(redis_conn):
    check = running_check()
    queue = Queue("default", connection=redis_conn)
    enqueue_job(redis_conn, check, stop_with_timeout)
    SimpleWorker([queue], connection=redis_conn).work(burst=True)
    assert Job.fetch(str(check.pk), connection=redis_conn).get_status() == JobStatus.FAILED
    sweeper.sweep()
    check.refresh_from_db()
    assert check.status == "failed" and check.error == sweeper.REASON_TIMEOUT


def test_a_running_check_whose_worker_is_gone_is_queued_once_more(redis_conn):
    check = running_check(attempts=1)
    started_by(redis_conn, check, "ghost-worker")
    result = sweeper.sweep()
    assert result.retried == [check.pk] and result.failed == []
    check.refresh_from_db()
    assert check.status == "queued" and check.attempts == 1 and check.started_at is None
    assert check.enqueued_at is not None
    job = Job.fetch(str(check.pk), connection=redis_conn)
    assert job.get_status() == JobStatus.QUEUED and job.func_name == "checker.jobs.run_check"


def test_a_running_check_whose_worker_is_gone_for_the_second_time_fails_with_a_reason(redis_conn):
    check = running_check(attempts=sweeper.MAX_ATTEMPTS)
    started_by(redis_conn, check, "ghost-worker")
    assert sweeper.sweep().failed == [check.pk]
    check.refresh_from_db()
    assert check.status == "failed" and check.error == sweeper.REASON_WORKER_GONE_TWICE


def test_a_running_check_whose_worker_process_is_gone_is_retried_although_redis_still_lists_it(redis_conn):
    import subprocess

    check = running_check(attempts=1)
    worker = live_worker(redis_conn, name="killed-worker")
    dead = subprocess.Popen(["true"])
    dead.wait()
    redis_conn.hset(worker.key, "pid", dead.pid)  # the pid of a process that has exited
    started_by(redis_conn, check, "killed-worker")
    assert sweeper.sweep().retried == [check.pk]


def test_a_running_check_held_by_a_live_worker_is_left_alone(redis_conn):
    check = running_check()
    live_worker(redis_conn)
    started_by(redis_conn, check, "live-worker")
    assert sweeper.sweep().failed == []
    check.refresh_from_db()
    assert check.status == "running"


def test_a_check_finished_meanwhile_is_not_overwritten():
    check = running_check()
    Check.objects.filter(pk=check.pk).update(status=Check.Status.DONE)
    assert sweeper._fail(check, "late", timezone.now()) is False
    check.refresh_from_db()
    assert check.status == "done" and check.error == ""


def test_the_sweep_checks_command_sweeps_once(redis_conn):
    check = queued_check()
    out = StringIO()
    call_command("sweep_checks", stdout=out)
    assert "enqueued 1" in out.getvalue()
    check.refresh_from_db()
    assert check.enqueued_at is not None


def test_an_idle_sweep_prints_nothing_and_raises_nothing(redis_conn):
    out = StringIO()
    call_command("sweep_checks", stdout=out)
    assert out.getvalue() == ""


def test_the_sweeper_loop_of_an_idle_site_logs_every_sweep_and_no_error():
    from tests.web_stack import Stack

    stack = Stack("test-sweeper-idle").prepare()
    log = stack.var / "sweeper.log"
    log.unlink(missing_ok=True)
    try:
        stack._spawn("sweeper", [sys.executable, "manage.py", "sweep_checks", "--loop", "--interval", "0.2",
                                 "-v", "2"])
        stack.wait_until(lambda: log.read_text().count("enqueued 0, retried 0, failed 0, redis up") >= 3, 60,
                         "three idle sweeps", process="sweeper")
    finally:
        stack.stop()
    text = log.read_text()
    assert "Traceback" not in text and "sweep failed" not in text and "ERROR" not in text


def test_a_queued_job_a_worker_took_but_never_started_is_enqueued_again(redis_conn, settings):
    from rq.intermediate_queue import IntermediateQueue

    check = queued_check(enqueued_at=timezone.now() - timedelta(seconds=60))
    queue = Queue("default", connection=redis_conn)
    enqueue_job(redis_conn, check)
    # What BLMOVE does when a worker takes the job: out of the queue, into the intermediate list.
    redis_conn.lmove(queue.key, IntermediateQueue.get_intermediate_queue_key(queue.key))
    assert sweeper.sweep().enqueued == []  # first seen out of its queue: may be starting right now
    redis_conn.set(f"checker:sweeper:out-of-queue:{check.pk}", time.time() - sweeper.TAKEN_NOT_STARTED_SECONDS)
    assert sweeper.sweep().enqueued == [check.pk]
    assert queue.get_job_ids() == [str(check.pk)]
    assert queue.intermediate_queue.get_job_ids() == []
