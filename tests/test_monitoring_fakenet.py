"""Monitoring end to end on the test network: watch, scheduled re-check, alert mail.

The checks run through the real job (checker/jobs.py run_check) and engine against the
loopback network; mail goes to Django's test outbox. rollover-switch.fi's server is made
to present a new key between two checks (Network.present_next_key), so its TLSA record
stops matching, the most common DANE failure.
"""
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from checker.jobs import run_check
from checker.models import Check, MonitoredDomain, Watch
from checker.monitoring import jobs, schedule, watching
from tests.web_samples import plain_static  # noqa: F401

pytestmark = pytest.mark.django_db
SWITCH_HOST = "mx1.rollover-switch.fi"


@pytest.fixture
def net(fakenet, settings):
    settings.CHECKER_CONFIG = fakenet.config
    settings.MONITOR_INTERVAL_SECONDS = 86400
    settings.SITE_URL = "https://checker.example"
    yield fakenet
    fakenet.network.present_next_key(SWITCH_HOST, on=False)


def watch(domain, email="owner@example.org"):
    request = watching.request_watch(domain, email, "", "192.0.2.10", "https://checker.example")
    watching.confirm(request.watch.token)
    return request.watch


def scheduled_run(at):
    """One run of the scheduler at `at`: the re-checks due, each through the job, then the alerts."""
    checks = schedule.tick(now=at, enqueue=False)
    for check in checks:
        assert run_check(str(check.pk)) == Check.Status.DONE
        jobs.notify_watchers(str(check.pk), enqueue=False)
    return checks


def test_a_tlsa_record_that_stops_matching_gives_exactly_one_alert_naming_the_host_and_the_fix(net):
    watch("rollover-switch.fi")
    first = MonitoredDomain.objects.get(domain="rollover-switch.fi").next_check_at
    assert len(scheduled_run(first)) == 1
    assert mail.outbox == []  # the first check has nothing to compare with, and nothing is about to break

    net.network.present_next_key(SWITCH_HOST)  # the certificate was renewed with a new key; DNS not updated
    later = first + timedelta(days=1, seconds=1)
    assert len(scheduled_run(later)) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["owner@example.org"]
    assert f"{SWITCH_HOST} now presents a certificate whose key matches no TLSA record" in message.body
    assert "Fix: Either publish the record below, which hashes the key the server presents now" in message.body
    new_key = Check.objects.filter(domain="rollover-switch.fi").order_by("-created_at").first().report[
        "starttls"]["hosts"][0]["certificate"]["spki_sha256"]
    assert f"_25._tcp.{SWITCH_HOST}. IN TLSA 3 1 1 {new_key}" in message.body
    assert "The grade dropped from B to F." in message.body
    assert message.body.count(SWITCH_HOST + " now presents") == 1
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith("<https://checker.example/watch/unsubscribe/")

    # The next day nothing new happened: no second mail about the same breakage.
    assert len(scheduled_run(later + timedelta(days=1, seconds=1))) == 1
    assert len(mail.outbox) == 1


def test_a_certificate_expiring_within_the_window_without_a_next_key_record_gives_the_rollover_warning(net):
    watch("rollover-due.fi")
    scheduled_run(MonitoredDomain.objects.get(domain="rollover-due.fi").next_check_at)
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert "The certificate of mx1.rollover-due.fi expires on" in body
    assert "no TLSA record matches a key other than the current one" in body
    assert "_25._tcp.mx1.rollover-due.fi. IN TLSA 3 1 1 <SHA-256 of the next key's public key>" in body


def test_with_the_next_key_record_published_the_same_expiry_gives_no_warning(net):
    watch("rollover-ready.fi")
    checks = scheduled_run(MonitoredDomain.objects.get(domain="rollover-ready.fi").next_check_at)
    report = Check.objects.get(pk=checks[0].pk).report
    assert report["dane"]["hosts"][0]["match"] == "pass"
    assert len(report["dane"]["hosts"][0]["unmatched_records"]) == 1  # the next key's 3 1 1
    expires = report["starttls"]["hosts"][0]["certificate"]["not_after"]
    assert expires < (timezone.now() + timedelta(days=21)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert mail.outbox == []


def test_unsubscribing_with_the_link_in_the_mail_stops_the_mails_and_deletes_the_address(net, client):
    watch("rollover-due.fi", "leaving@example.org")
    first = MonitoredDomain.objects.get(domain="rollover-due.fi").next_check_at
    scheduled_run(first)
    assert len(mail.outbox) == 1
    link = next(line.strip() for line in mail.outbox[0].body.splitlines() if "/watch/unsubscribe/" in line)
    response = client.get(link.replace("https://checker.example", ""))
    assert response.status_code == 200 and b"Unsubscribed" in response.content
    assert not Watch.objects.filter(email__iexact="leaving@example.org").exists()
    assert scheduled_run(first + timedelta(days=1, seconds=1)) == []  # no watcher left: not even re-checked
    assert len(mail.outbox) == 1


def test_apex_rrsig_expiry_is_read_from_the_signatures_and_warned_about_inside_its_window(net):
    from checker.monitoring.alerts import rrsig_warnings, parse_time

    watch("rollover-ready.fi")
    checks = scheduled_run(MonitoredDomain.objects.get(domain="rollover-ready.fi").next_check_at)
    report = Check.objects.get(pk=checks[0].pk).report
    expires = parse_time(report["dnssec"]["rrsig_expires"])
    assert timezone.now() < expires < timezone.now() + timedelta(days=60)
    assert rrsig_warnings(report, timezone.now(), 3) == []
    days = (expires - timezone.now()).days + 1
    [warning] = rrsig_warnings(report, timezone.now(), days)
    assert "DNSSEC signatures of rollover-ready.fi's own records expire on" in warning.text
    assert "re-signs the zone" in warning.fix


def test_a_dane_ta_host_reports_when_the_matched_ca_certificate_expires(fakenet):
    report = fakenet.reports(["dane-ta-spki.fi"])["dane-ta-spki.fi"]
    [host] = report["dane"]["hosts"]
    assert host["match"] == "pass" and host["unmatched_records"] == []
    from cryptography import x509

    served = (fakenet.network.state / "certs" / "mx1.dane-ta-spki.fi.pem").read_bytes()  # leaf + intermediate
    intermediate = x509.load_pem_x509_certificates(served)[1].not_valid_after_utc
    assert host["trust_anchor_not_after"] == intermediate.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_record_for_a_key_the_server_does_not_present_is_listed_as_unmatched(fakenet):
    report = fakenet.reports(["all-controls.fi"])["all-controls.fi"]  # "3 1 1 wrong" next to the right one
    [host] = report["dane"]["hosts"]
    assert host["match"] == "pass" and len(host["unmatched_records"]) == 1
    assert host["unmatched_records"][0] in host["records"] and host["trust_anchor_not_after"] is None
