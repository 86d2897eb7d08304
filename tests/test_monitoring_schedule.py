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
