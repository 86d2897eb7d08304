"""The site's RQ worker (checker/worker.py, manage.py run_worker) outlives Redis."""
import logging
import time
import uuid

import redis as redis_lib
from rq import Queue
from rq.job import Job, JobStatus

from checker.worker import OutageLog, backoff_delays, wait_for_redis
from tests.web_stack import PrivateRedis, Stack

CONNECT_ERROR = "could not connect to Redis"


def test_the_back_off_doubles_from_one_second_and_stops_growing_at_a_minute():
    delays = backoff_delays()
    assert [next(delays) for _ in range(9)] == [1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_an_outage_is_logged_once_however_often_rq_retries(caplog):
    outage = OutageLog()
    records = [logging.getLogger("rq.worker").makeRecord("rq.worker", 40, __file__, 1, f"Worker w: {CONNECT_ERROR} instance", (), None)
               for _ in range(3)]
    with caplog.at_level("WARNING", logger="checker.worker"):
        assert [outage.filter(record) for record in records] == [True, False, False]
        outage.end()
        assert outage.filter(records[0]) is True  # a new outage is logged again
    assert [r.getMessage() for r in caplog.records if r.name == "checker.worker"][0].startswith(
        "redis reachable again after")


def test_waiting_for_redis_gives_up_only_when_a_stop_is_asked(tmp_path):
    closed = redis_lib.Redis(host="127.0.0.1", port=PrivateRedis(tmp_path).port, socket_connect_timeout=1)
    asked = []
    assert wait_for_redis(closed, lambda: len(asked) > 3, sleep=lambda _: asked.append(1)) is False
    live = PrivateRedis(tmp_path / "live").start()
    try:
        conn = redis_lib.Redis.from_url(live.url)
        assert wait_for_redis(conn, lambda: False) is True
    finally:
        live.stop()


def wait_for(predicate, what, timeout=90.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def finished(conn, job_id):
    try:
        return Job.fetch(job_id, connection=conn).get_status() == JobStatus.FINISHED
    except (redis_lib.exceptions.RedisError, Exception):
        return False


def test_a_worker_started_while_redis_is_down_waits_then_works_and_survives_a_later_outage():
    stack = Stack("test-worker-redis").prepare()
    redis = PrivateRedis(stack.var / "redis")
    stack.env["REDIS_URL"] = redis.url
    log = stack.var / "worker.log"
    log.unlink(missing_ok=True)
    try:
        stack._spawn("worker", [stack_python(), "manage.py", "run_worker", "--name", "outliving"])
        wait_for(lambda: log.exists() and "redis unreachable" in log.read_text(), "the worker to notice")
        time.sleep(2.5)  # let it retry a few times: still one line, still running
        assert stack.procs["worker"].poll() is None
        assert log.read_text().count("redis unreachable") == 1
        redis.start()
        conn = redis_lib.Redis.from_url(redis.url)
        wait_for(lambda: "outliving" in stack.worker_names(), "the worker to register")
        first = Queue("default", connection=conn).enqueue("checker.jobs.run_check", str(uuid.uuid4()))
        wait_for(lambda: finished(conn, first.id), "the first job")

        redis.stop()  # an outage while it waits for jobs
        time.sleep(3)
        assert stack.procs["worker"].poll() is None
        redis.start()
        second = Queue("default", connection=conn).enqueue("checker.jobs.run_check", str(uuid.uuid4()))
        wait_for(lambda: finished(conn, second.id), "the job after the outage")
        assert Job.fetch(second.id, connection=conn).return_value() == "missing"
        text = log.read_text()
        assert text.count(CONNECT_ERROR) + text.count("redis unreachable") <= 2  # once per outage
        assert "Traceback" not in text
    finally:
        stack.stop()
        redis.stop()


def stack_python():
    from tests.web_stack import PY
    return PY
