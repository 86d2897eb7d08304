"""Fault tests: the site as `make run` starts it (scripts/supervise.sh: supervisord with
scripts/supervisord.conf) against the test network, with workers killed, stopped and
Redis restarted under it. Needs Redis (`make test` starts it) and the test network.
"""
import os
import signal
import time

import pytest

from checker import sweeper
from tests.web_stack import PrivateRedis, Stack

SLOW_DOMAIN = "sts-trickle.fi"        # its policy host sends a byte a second: ~10 s
SLOW_DOMAIN_2 = "sts-timeout.fi"      # its policy host never answers: the fetch deadline
FAST_DOMAINS = ["unsigned.fi", "signed-no-ds.fi", "dane-ee-cert.fi", "dane-ta.fi", "starttls-missing.fi",
                "cert-expired.fi", "sts-testing.fi", "rpt-https.fi", "sts-404.fi", "dane-none.fi"]


def wait_until(predicate, what, timeout=120.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def submit(site, domain) -> str:
    status, body = site.post_json("/api/v1/checks", {"domain": domain})
    assert status == 202 and body["reused"] is False, body
    return body["id"]


def running_as_attempt(site, check_id, attempt):
    row = site.row(check_id)
    return row.get("status") == "running" and row.get("attempts") == attempt and site.worker_pid_of(check_id)


def kill_workers(site, pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def make_site(fakenet):
    sites = []

    def make(name, **settings):
        site = Stack(name, fakenet.env, CHECK_REUSE_SECONDS="0", RATE_LIMIT_CHECKS="1000", **settings).prepare()
        sites.append(site)
        return site

    yield make
    for site in sites:
        site.stop()


def test_a_worker_killed_during_a_check_comes_back_and_the_check_is_retried_to_done(make_site):
    site = make_site("test-supervision-kill").start_site(workers=2)
    check_id = submit(site, SLOW_DOMAIN)
    pid = wait_until(lambda: running_as_attempt(site, check_id, 1), "the check running")
    before = set(site.live_workers().values())
    kill_workers(site, [pid])

    assert site.answers()  # the site does not go down with a worker
    # Two live workers again, one of them a new process.
    wait_until(lambda: len(site.live_workers()) == 2 and set(site.live_workers().values()) - before,
               "the killed worker replaced")
    assert pid not in site.live_workers().values()
    final = site.wait_for(check_id, timeout=120)
    assert final["status"] == "done", final["error"]
    assert final["report"]["domain"] == SLOW_DOMAIN
    assert site.row(check_id)["attempts"] == 2
    log = (site.var / "supervisord.log").read_text()
    assert "terminated by SIGKILL" in log
    assert "restarting in 1 s (restart 1 in a row)" in "".join(
        path.read_text() for path in site.var.glob("worker-*.log"))


def test_a_check_whose_workers_all_die_twice_ends_failed_and_other_checks_still_finish(make_site):
    site = make_site("test-supervision-twice").start_site(workers=2)
    check_id = submit(site, SLOW_DOMAIN)
    wait_until(lambda: running_as_attempt(site, check_id, 1), "the first attempt running")
    kill_workers(site, site.live_workers().values())
    waiting = submit(site, FAST_DOMAINS[0])  # submitted while no worker is alive
    wait_until(lambda: running_as_attempt(site, check_id, 2), "the second attempt running")
    kill_workers(site, site.live_workers().values())

    failed = site.wait_for(check_id, timeout=120)
    assert failed["status"] == "failed"
    assert failed["error"] == sweeper.REASON_WORKER_GONE_TWICE
    assert site.row(check_id)["attempts"] == 2
    assert site.wait_for(waiting, timeout=120)["status"] == "done"
    later = submit(site, FAST_DOMAINS[1])
    assert site.wait_for(later, timeout=120)["status"] == "done"


def test_sigterm_lets_the_running_check_finish_and_queued_checks_run_after_the_next_start(make_site):
    site = make_site("test-supervision-sigterm").start_site(workers=1)
    running = submit(site, SLOW_DOMAIN)
    wait_until(lambda: running_as_attempt(site, running, 1), "the check running")
    queued = submit(site, FAST_DOMAINS[2])  # behind it: the only worker is busy
    assert site.row(queued)["status"] == "queued"

    assert site.stop_site() == 0
    assert site.row(running)["status"] == "done"  # finished before the worker exited
    assert site.row(queued)["status"] == "queued" and site.row(queued)["attempts"] == 0

    site.start_site(workers=1)
    final = site.wait_for(queued, timeout=120)
    assert final["status"] == "done", final["error"]


def test_every_check_submitted_around_a_redis_restart_finishes(make_site, tmp_path):
    redis = PrivateRedis(Stack("test-supervision-redis").var / "redis").start()
    site = make_site("test-supervision-redis", REDIS_URL=redis.url)
    try:
        site.start_site(workers=2)
        domains = iter(FAST_DOMAINS)
        ids = [submit(site, next(domains)) for _ in range(3)]
        redis.stop()
        ids += [submit(site, next(domains)) for _ in range(3)]  # saved as queued, Redis down
        redis.start()
        ids += [submit(site, next(domains)) for _ in range(3)]
        finals = [site.wait_for(check_id, timeout=180) for check_id in ids]
        assert [final["status"] for final in finals] == ["done"] * len(ids), [f["error"] for f in finals]
    finally:
        site.stop()
        redis.stop()


def test_in_the_pool_slow_checks_do_not_hold_up_a_fast_one(make_site):
    site = make_site("test-supervision-pool").start_site(workers=3)
    slow = [submit(site, SLOW_DOMAIN), submit(site, SLOW_DOMAIN_2)]
    wait_until(lambda: all(site.row(check_id)["status"] == "running" for check_id in slow), "both slow checks running")
    fast = submit(site, FAST_DOMAINS[3])
    assert site.wait_for(fast, timeout=120)["status"] == "done"
    for check_id in slow:
        assert site.wait_for(check_id, timeout=120)["status"] == "done"
    fast_row = site.row(fast)
    # The fast check started while both slow ones were still running, and finished first.
    assert all(fast_row["started_at"] < site.row(check_id)["finished_at"] for check_id in slow)
    assert all(fast_row["finished_at"] < site.row(check_id)["finished_at"] for check_id in slow)


def test_the_pool_size_is_checked_before_anything_starts(make_site):
    site = make_site("test-supervision-bad-pool")
    site.env["CHECKER_WORKERS"] = "lots"
    proc = site._spawn("site", ["bash", "scripts/supervise.sh"])
    assert proc.wait(timeout=30) == 1
    assert "CHECKER_WORKERS must be a whole number" in (site.var / "site.log").read_text()
    site.procs.pop("site")

