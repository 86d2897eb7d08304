"""Nothing lost, nothing stuck: the real site, worker and sweeper as subprocesses.

Needs Redis (scripts/redis.sh start; `make test` does it) and the test network.
"""
import http.cookiejar
import re
import time
import urllib.parse
import urllib.request

import pytest

from checker import sweeper
from tests.web_stack import PrivateRedis, Stack

SLOW_DOMAIN = "sts-trickle.fi"  # its policy host sends a byte a second: the check takes ~10 s
FAST_DOMAIN = "unsigned.fi"


def wait_until(predicate, timeout=60.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Browserless:
    """Form posts with the CSRF cookie, as a browser would send them."""

    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path):
        with self.opener.open(self.base + path, timeout=10) as response:
            return response.geturl(), response.read().decode()

    def submit_form_on(self, path, button_text):
        _, html = self.get(path)
        form = next(f for f in re.findall(r"<form.*?</form>", html, re.S) if button_text in f)
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
        data = urllib.parse.urlencode(fields).encode()
        request = urllib.request.Request(self.base + "/", data=data, headers={"Referer": self.base + path})
        with self.opener.open(request, timeout=10) as response:
            return response.geturl(), response.read().decode()


@pytest.fixture
def stack(fakenet):
    stack = Stack("test-failure", fakenet.env, CHECK_REUSE_SECONDS="0").prepare()
    yield stack
    stack.stop()


def test_a_submission_while_redis_is_down_completes_after_redis_restarts(fakenet):
    redis = PrivateRedis(Stack("test-failure-redis").var / "redis").start()
    stack = Stack("test-failure-redis", fakenet.env, REDIS_URL=redis.url).prepare()
    try:
        stack.start_web().start_worker().start_sweeper(interval=1)
        redis.stop()
        status, body = stack.post_json("/api/v1/checks", {"domain": FAST_DOMAIN})
        assert status == 202 and body["status"] == "queued"
        page = urllib.request.urlopen(body["url"], timeout=10).read().decode()
        assert "will start by itself as soon as the queue is back" in page
        assert stack.get_json(f"/check/{body['id']}/status.json")["waiting_for_queue"] is True
        redis.start()
        final = stack.wait_for(body["id"], timeout=120)
        assert final["status"] == "done", final["error"]
        assert final["report"]["domain"] == FAST_DOMAIN
    finally:
        stack.stop()
        redis.stop()


def test_a_check_whose_worker_is_killed_twice_ends_failed_with_a_reason_and_can_be_retried(stack):
    stack.start_web().start_worker().start_sweeper(interval=1)
    status, body = stack.post_json("/api/v1/checks", {"domain": SLOW_DOMAIN})
    wait_until(lambda: stack.get_json(f"/api/v1/checks/{body['id']}")["status"] == "running", what="running")
    stack.kill("worker")
    # The first loss is retried: the check waits for a worker again.
    wait_until(lambda: stack.get_json(f"/api/v1/checks/{body['id']}")["status"] == "queued", what="queued again")
    stack.start_worker("worker-2")
    wait_until(lambda: stack.get_json(f"/api/v1/checks/{body['id']}")["status"] == "running", what="running again")
    stack.kill("worker-2")
    failed = stack.wait_for(body["id"], timeout=60)
    assert failed["status"] == "failed"
    assert failed["error"] == sweeper.REASON_WORKER_GONE_TWICE

    browser = Browserless(stack.base)
    _, html = browser.get(f"/check/{body['id']}/")
    assert "The check was interrupted twice" in html and "Retry the check" in html
    stack.start_worker("worker-3")
    url, html = browser.submit_form_on(f"/check/{body['id']}/", "Retry the check")
    new_id = re.search(r"/check/([0-9a-f-]{36})/", url).group(1)
    assert new_id != body["id"]
    retried = stack.wait_for(new_id, timeout=120)
    assert retried["status"] == "done" and retried["report"]["domain"] == SLOW_DOMAIN


def test_a_job_over_its_timeout_ends_failed_with_a_reason(fakenet):
    stack = Stack("test-failure-timeout", fakenet.env, CHECK_JOB_TIMEOUT="1").prepare()
    try:
        stack.start_web().start_worker().start_sweeper(interval=1)
        status, body = stack.post_json("/api/v1/checks", {"domain": SLOW_DOMAIN})
        failed = stack.wait_for(body["id"], timeout=60)
        assert failed["status"] == "failed"
        assert "time limit" in failed["error"]
    finally:
        stack.stop()
