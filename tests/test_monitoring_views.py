"""History page, chart, diff, history API, and the watch / confirm / unsubscribe flow with its limits."""
import json
from datetime import timedelta

import jsonschema
import pytest
from django.core import mail
from django.utils import timezone

from checker.models import Check, MonitoredDomain, Watch
from checker.monitoring import jobs, schedule
from tests.web_samples import SCRIPT, full_report, make_check, plain_static, queue  # noqa: F401

pytestmark = pytest.mark.django_db
SCHEMA = json.load(open("docs/report.schema.json"))


def two_checks(domain="example.fi"):
    old = make_check(domain, report={**full_report(domain), "grade": "A", "score": 90})
    Check.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=1),
                                           finished_at=timezone.now() - timedelta(days=1))
    new_report = full_report(domain)
    new_report["dane"]["hosts"][0]["match"] = "fail"
    new = make_check(domain, report={**new_report, "grade": "F", "score": 10})
    return old, new


def test_the_history_page_lists_finished_checks_with_grade_and_section_statuses_and_the_latest_diff(client):
    old, new = two_checks()
    make_check("example.fi", status=Check.Status.FAILED)
    page = client.get("/domain/example.fi/").content.decode()
    assert page.count('<tr><td><a href="/check/') == 2
    assert f'href="/check/{old.pk}/"' in page and f'href="/check/{new.pk}/"' in page
    assert "<td>secure</td>" in page and "<td>some</td>" in page  # DNSSEC, DANE statuses
    assert "The grade dropped from A to F." in page
    assert "mx1.example.fi now presents a certificate whose key matches no TLSA record." in page
    assert 'src="/domain/example.fi/chart.svg"' in page


def test_any_two_reports_can_be_compared_and_the_order_does_not_matter(client):
    old, new = two_checks()
    page = client.get(f"/domain/example.fi/?from={new.pk}&to={old.pk}").content.decode()
    assert "The grade dropped from A to F." in page
    same = client.get(f"/domain/example.fi/?from={old.pk}&to={old.pk}").content.decode()
    assert "Nothing changed between" in same


def test_the_history_page_normalises_the_name_and_refuses_what_is_no_domain(client):
    assert client.get("/domain/Example.FI/").url == "/domain/example.fi/"
    assert client.get("/domain/192.0.2.1/").status_code == 404
    assert b"has no finished check yet" in client.get("/domain/never.example/").content


def test_hostile_report_text_on_the_history_page_is_escaped(client):
    old = make_check("example.fi")
    Check.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=1))
    report = full_report()
    report["mx"]["hosts"][0]["name"] = SCRIPT
    make_check("example.fi", report=report)
    page = client.get("/domain/example.fi/").content.decode()
    assert SCRIPT not in page and "&lt;script&gt;" in page


def test_the_chart_is_a_pygal_svg_without_script(client):
    two_checks()
    response = client.get("/domain/example.fi/chart.svg")
    svg = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert "<svg" in svg and "pygal" in svg and "<script" not in svg
    assert ">A+<" in svg and ">F<" in svg  # the grade bands label the axis
    assert "script-src" not in response["Content-Security-Policy"]


def test_a_report_page_links_to_the_previous_report_of_its_domain(client):
    old, new = two_checks()
    page = client.get(f"/check/{new.pk}/").content.decode()
    assert f'<a href="/check/{old.pk}/" rel="prev" id="previous-report">' in page
    assert 'href="/domain/example.fi/#diff"' in page
    assert 'rel="prev"' not in client.get(f"/check/{old.pk}/").content.decode()


def test_the_watch_form_is_on_the_report_page_and_works_from_there(client, queue):
    _, new = two_checks()
    page = client.get(f"/check/{new.pk}/").content.decode()
    assert '<form method="post" action="/domain/example.fi/watch" class="watch-form">' in page
    client.get(f"/check/{new.pk}/")  # the cached copy gets this visitor's CSRF token too
    assert client.post("/domain/example.fi/watch", {"email": "a@example.org"}).status_code == 202


def test_the_history_api_is_paged_and_matches_its_schema(client):
    for i in range(53):
        check = make_check("example.fi")
        Check.objects.filter(pk=check.pk).update(finished_at=timezone.now() - timedelta(hours=i))
    first = client.get("/api/v1/domains/example.fi/history").json()
    jsonschema.validate(first, {**SCHEMA["$defs"]["historyPage"], "$defs": SCHEMA["$defs"]})
    assert (first["count"], first["pages"], len(first["results"])) == (53, 2, 50)
    assert first["previous"] is None and first["next"].endswith("/api/v1/domains/example.fi/history?page=2")
    assert first["results"][0]["sections"]["dnssec"] == "secure"
    second = client.get("/api/v1/domains/example.fi/history?page=2").json()
    assert len(second["results"]) == 3 and second["next"] is None
    assert client.get("/api/v1/domains/example.fi/history?page=3").status_code == 404
    assert client.get("/api/v1/domains/example.fi/history?page=x").status_code == 400
    assert client.get("/api/v1/domains/192.0.2.1/history").status_code == 400
    empty = client.get("/api/v1/domains/never.example/history").json()
    assert (empty["count"], empty["results"]) == (0, [])


def test_reports_keep_the_grading_version_they_were_graded_with(client):
    report = {**full_report(), "grading_version": 1}
    make_check("example.fi", report=report)
    assert client.get("/api/v1/domains/example.fi/history").json()["results"][0]["grading_version"] == 1


# -- watching ------------------------------------------------------------------------------

def confirmation_link(message):
    return next(line.strip() for line in message.body.splitlines() if "/watch/confirm/" in line)


def test_watching_by_mail_is_double_opt_in(client, queue):
    response = client.post("/domain/example.fi/watch", {"email": "Owner@Example.ORG"})
    assert response.status_code == 202 and b"Check your mailbox" in response.content
    watch = Watch.objects.get()
    assert (watch.email, watch.confirmed_at) == ("Owner@example.org", None)
    assert [job[0] for job in queue.jobs] == ["deliver_confirmation"]
    assert not MonitoredDomain.objects.exists()  # nothing is scheduled before the confirmation
    jobs.deliver_confirmation(str(watch.pk))
    [message] = mail.outbox
    assert message.to == ["Owner@example.org"] and "example.fi" in message.subject
    page = client.get(confirmation_link(message).split("//", 1)[1].split("/", 1)[1].join(["/", ""]))
    assert page.status_code == 200 and b"You are watching" in page.content
    watch.refresh_from_db()
    assert watch.confirmed_at is not None and MonitoredDomain.objects.filter(domain="example.fi").exists()
    again = client.post("/domain/example.fi/watch", {"email": "owner@example.org"})
    assert again.status_code == 200 and b"Already watching" in again.content


def test_an_unconfirmed_watch_expires_after_48_hours_with_its_address(client, queue):
    client.post("/domain/example.fi/watch", {"email": "late@example.org"})
    watch = Watch.objects.get()
    Watch.objects.filter(pk=watch.pk).update(created_at=timezone.now() - timedelta(hours=49))
    assert client.get(f"/watch/confirm/{watch.token}/").status_code == 404
    assert not Watch.objects.exists()
    client.post("/domain/example.fi/watch", {"email": "late@example.org"})
    Watch.objects.update(created_at=timezone.now() - timedelta(hours=49))
    assert schedule.purge_unconfirmed() == 1 and not Watch.objects.exists()


def test_unsubscribe_is_one_click_also_by_post_and_deletes_the_address(client):
    from checker.monitoring import watching

    request = watching.request_watch("example.fi", "a@example.org", "", "192.0.2.1", "http://testserver")
    watching.confirm(request.watch.token)
    response = client.post(f"/watch/unsubscribe/{request.watch.token}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and not Watch.objects.exists()
    assert not MonitoredDomain.objects.exists()
    assert client.get(f"/watch/unsubscribe/{request.watch.token}/").status_code == 404


def test_watch_requests_are_rate_limited_per_client(client, queue, settings):
    settings.RATE_LIMIT_WATCHES = 2
    for i in range(2):
        assert client.post(f"/domain/d{i}.example/watch", {"email": f"x{i}@example.org"}).status_code == 202
    refused = client.post("/domain/d3.example/watch", {"email": "x3@example.org"})
    assert refused.status_code == 429 and refused["Retry-After"] and b"Too many watch requests" in refused.content


def test_one_address_cannot_be_sent_many_open_confirmation_requests(client, queue, settings):
    settings.RATE_LIMIT_WATCH_ADDRESS = 2
    for i in range(2):
        client.post(f"/domain/d{i}.example/watch", {"email": "victim@example.org"}, REMOTE_ADDR=f"192.0.2.{i}")
    refused = client.post("/domain/d9.example/watch", {"email": "VICTIM@example.org"}, REMOTE_ADDR="192.0.2.9")
    assert refused.status_code == 429 and Watch.objects.count() == 2


def test_one_address_watches_at_most_the_configured_number_of_domains(client, queue, settings):
    settings.WATCH_MAX_DOMAINS_PER_ADDRESS = 2
    for i in range(2):
        client.post(f"/domain/d{i}.example/watch", {"email": "many@example.org"})
    Watch.objects.update(confirmed_at=timezone.now())
    refused = client.post("/domain/d9.example/watch", {"email": "many@example.org"})
    assert refused.status_code == 403 and b"already watches 2 domains" in refused.content


@pytest.mark.parametrize("form, message", [
    ({"email": "not an address"}, b"not an e-mail address"),
    ({}, b"either an e-mail address or a webhook URL"),
    ({"email": "a@example.org", "webhook_url": "https://hooks.example/x"}, b"either an e-mail address"),
    ({"webhook_url": "http://hooks.example/x"}, b"must start with https://"),
    ({"webhook_url": "https://10.0.0.1/hook"}, b"non-public address"),
    ({"webhook_url": "https://[::1]:8443/hook"}, b"non-public address"),
])
def test_bad_watch_requests_get_a_clear_message(client, queue, form, message):
    response = client.post("/domain/example.fi/watch", form)
    assert response.status_code == 400 and message in response.content
    assert not Watch.objects.exists()


def test_a_webhook_watch_shows_its_signing_secret_once(client, queue):
    response = client.post("/domain/example.fi/watch", {"webhook_url": "https://hooks.example/x"})
    watch = Watch.objects.get()
    assert response.status_code == 202 and watch.secret.encode() in response.content
    again = client.post("/domain/example.fi/watch", {"webhook_url": "https://hooks.example/x"})
    assert watch.secret.encode() not in again.content


def test_when_redis_is_down_the_watch_page_says_the_confirmation_was_not_sent(client, queue):
    queue.down = True
    response = client.post("/domain/example.fi/watch", {"email": "a@example.org"})
    assert response.status_code == 202 and b"not sent yet" in response.content
