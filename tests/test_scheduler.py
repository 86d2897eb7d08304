"""RQ's scheduler as the site runs it (manage.py run_scheduler): it puts jobs on their queue
when they are due, outlives a Redis outage without a traceback, and stops on SIGTERM."""
import signal
import time
from datetime import timedelta

import redis as redis_lib
from rq import Queue

from tests.web_stack import PY, PrivateRedis, Stack


def wait_for(predicate, what, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_the_scheduler_enqueues_a_due_job_after_a_redis_outage_and_logs_it_once_without_traceback():
    stack = Stack("test-scheduler-redis")
    redis = PrivateRedis(stack.var / "redis").start()
    stack.env["REDIS_URL"] = redis.url
    log = stack.var / "scheduler.log"
    log.unlink(missing_ok=True)
    try:
        proc = stack._spawn("scheduler", [PY, "manage.py", "run_scheduler"])
        wait_for(lambda: log.exists() and "Acquired scheduler lock for notify" in log.read_text(), "the locks")
        redis.stop()
        wait_for(lambda: "redis unreachable" in log.read_text(), "the outage to be noticed")
        time.sleep(2.5)  # a few retries: still one line, still running
        assert proc.poll() is None
        redis.start()
        conn = redis_lib.Redis.from_url(redis.url)
        job = Queue("notify", connection=conn).enqueue_in(timedelta(seconds=1), "checker.jobs.run_check", "x")
        wait_for(lambda: job.id in Queue("notify", connection=conn).job_ids, "the due job on its queue", timeout=90)
        text = log.read_text()
        assert text.count("redis unreachable") == 1
        assert "redis reachable again" in text
        assert "Traceback" not in text
        stack.kill("scheduler", signal.SIGTERM)
        assert proc.returncode == 0
    finally:
        stack.stop()
        redis.stop()
