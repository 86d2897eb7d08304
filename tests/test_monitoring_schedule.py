"""checker/monitoring/schedule.py and the webhook sender: slots, the interval, signed delivery."""
import hashlib
import hmac
import json
import ssl
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import trustme
from django.utils import timezone as dj_timezone

from checker.engine.config import EngineConfig
from checker.models import Check, MonitoredDomain
from checker.monitoring import schedule, watching, webhook
from tests.web_samples import plain_static, queue  # noqa: F401

DAY = 86400


def confirmed(domain, email):
    request = watching.request_watch(domain, email, "", "192.0.2.1", "http://testserver")
    watching.confirm(request.watch.token)
    return request.watch


def test_slots_spread_domains_over_the_interval_and_each_comes_once_per_interval():
    after = datetime(2026, 12, 1, tzinfo=timezone.utc)
    slots = [schedule.next_slot(f"d{i}.example", after, DAY) for i in range(200)]
    hours = {slot.hour for slot in slots}
    assert len(hours) >= 20  # spread over the day, not all at midnight
    assert all(after < slot <= after + timedelta(days=1) for slot in slots)
    slot = slots[0]
    assert schedule.next_slot("d0.example", slot, DAY) == slot + timedelta(days=1)


@pytest.mark.django_db
def test_a_domain_with_several_watchers_is_checked_once_per_interval(settings, queue):
    settings.MONITOR_INTERVAL_SECONDS = DAY
    confirmed("example.fi", "a@example.org")
    confirmed("example.fi", "b@example.org")
    first = MonitoredDomain.objects.get().next_check_at
    assert len(schedule.tick(now=first - timedelta(seconds=1))) == 0
    assert len(schedule.tick(now=first)) == 1
    assert len(schedule.tick(now=first)) == 0  # a second tick at once schedules nothing
    assert len(schedule.tick(now=first + timedelta(hours=23))) == 0
    assert [job[0] for job in queue.jobs] == ["run_scheduled_check"]
    assert Check.objects.filter(domain="example.fi", client=schedule.MONITOR_CLIENT).count() == 1


@pytest.mark.django_db
def test_a_late_tick_never_makes_the_next_check_come_early(settings, queue):
    settings.MONITOR_INTERVAL_SECONDS = DAY
    confirmed("example.fi", "a@example.org")
    slot = MonitoredDomain.objects.get().next_check_at
    late = slot + timedelta(hours=5)
    assert len(schedule.tick(now=late)) == 1
    assert len(schedule.tick(now=slot + timedelta(days=1))) == 0  # the slot, but only 19 h since the last
    assert len(schedule.tick(now=late + timedelta(days=1))) == 1


@pytest.mark.django_db
def test_unconfirmed_watches_schedule_nothing(settings, queue):
    watching.request_watch("example.fi", "a@example.org", "", "192.0.2.1", "http://testserver")
    assert schedule.tick(now=dj_timezone.now() + timedelta(days=3)) == []
    assert not MonitoredDomain.objects.exists()


class Receiver(BaseHTTPRequestHandler):
    seen = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.seen.append((dict(self.headers), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def https_receiver(tmp_path):
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    Receiver.seen = []
    yield f"https://127.0.0.1:{server.server_port}/hook?x=1", str(bundle)
    server.shutdown()


def test_a_webhook_gets_a_json_body_with_an_hmac_signature(https_receiver):
    url, bundle = https_receiver
    config = EngineConfig(ca_bundle=bundle, allowed_networks=(__import__("ipaddress").ip_network("127.0.0.1/32"),))
    body = json.dumps({"event": "alert", "domain": "example.fi"}).encode()
    assert webhook.post(url, body, "s3cret", "alert", config) == 204
    [(headers, received)] = Receiver.seen
    assert received == body and headers["Content-Type"] == "application/json"
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers[webhook.SIGNATURE_HEADER] == expected and headers[webhook.EVENT_HEADER] == "alert"


def test_a_webhook_at_a_non_public_address_is_never_contacted(https_receiver):
    url, bundle = https_receiver
    with pytest.raises(webhook.WebhookError, match="non-public address"):
        webhook.post(url, b"{}", "s", "alert", EngineConfig(ca_bundle=bundle))
    assert Receiver.seen == []


@pytest.mark.django_db
def test_a_scheduled_check_run_without_its_alerts_is_alerted_on_by_the_next_tick_and_only_once(settings, queue):
    from checker.monitoring import jobs

    settings.MONITOR_INTERVAL_SECONDS = DAY
    from tests.web_samples import full_report, make_check

    make_check("example.fi", report={**full_report(), "grade": "A"}, finished_at=dj_timezone.now() - timedelta(days=1))
    confirmed("example.fi", "a@example.org")
    slot = MonitoredDomain.objects.get().next_check_at
    [check] = schedule.tick(now=slot)
    # The sweeper ran it through the plain job (Redis was down at enqueue): done, no alerts yet.
    check.apply_report(full_report())  # grade C: dropped from A
    check.status, check.finished_at = Check.Status.DONE, dj_timezone.now()
    check.save()
    schedule.tick(now=slot + timedelta(minutes=5))
    deliveries = [job for job in queue.jobs if job[0] == "deliver_alert"]
    assert len(deliveries) == 1  # one mail for the one watcher
    assert deliveries[0][1][2][0]["text"] == "The grade dropped from A to C."
    schedule.tick(now=slot + timedelta(minutes=10))
    assert jobs.notify_watchers(str(check.pk)) == []
    assert len([job for job in queue.jobs if job[0] == "deliver_alert"]) == 1


@pytest.mark.django_db
def test_deliveries_go_to_the_notify_queue_with_retries_and_back_off(queue):
    from checker.monitoring import jobs

    assert jobs.enqueue_delivery(jobs.deliver_confirmation, "x")
    [(name, args, kwargs)] = queue.jobs
    assert name == "deliver_confirmation" and kwargs["retry"].max == 5
    assert kwargs["retry"].intervals == [60, 300, 1800, 7200, 21600] and kwargs["job_timeout"] == 60


@pytest.mark.django_db
def test_a_webhook_watch_is_confirmed_and_alerted_through_its_signed_url(https_receiver, settings):
    import ipaddress

    from checker.monitoring import jobs
    from tests.web_samples import full_report, make_check

    url, bundle = https_receiver
    settings.CHECKER_CONFIG = EngineConfig(ca_bundle=bundle, allowed_networks=(ipaddress.ip_network("127.0.0.1/32"),))
    request = watching.request_watch("example.fi", "", url, "192.0.2.1", "https://checker.example")
    assert jobs.deliver_confirmation(str(request.watch.pk)) == "sent"
    [(headers, body)] = Receiver.seen
    event = json.loads(body)
    assert event["event"] == "watch.confirm" and event["confirm_url"].startswith("https://checker.example/watch/")
    assert headers[webhook.SIGNATURE_HEADER] == webhook.signature(request.watch.secret, body)
    watching.confirm(request.watch.token)
    check = make_check("example.fi", report=full_report())
    assert jobs.deliver_alert(str(request.watch.pk), str(check.pk), [{"kind": "change", "text": "x"}]) == "sent"
    alert = json.loads(Receiver.seen[-1][1])
    assert alert["event"] == "alert" and alert["alerts"] == [{"kind": "change", "text": "x"}]
    assert alert["unsubscribe_url"].startswith("https://checker.example/watch/unsubscribe/")
    watching.unsubscribe(request.watch.token)
    assert jobs.deliver_alert(str(request.watch.pk), str(check.pk), []) == "gone"
    assert len(Receiver.seen) == 2


def test_contradictory_mail_settings_are_a_system_check_error(settings):
    from checker.monitoring.checks import mail_goes_somewhere, mail_settings

    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = True
    settings.SITE_URL = "checker.example"
    assert [p.id for p in mail_settings(None)] == ["checker.E101", "checker.E102"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert [p.id for p in mail_goes_somewhere(None)] == ["checker.W101"]
