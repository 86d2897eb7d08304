"""The HTML pages: home, submission, report/progress page, status endpoint, error pages."""
import uuid
from datetime import timedelta

import pytest
from django.db import DatabaseError
from django.utils import timezone

from checker import presenter
from checker.models import Check
from checker.submit import client_key
from tests.web_samples import (  # noqa: F401
    HIDDEN_TEXT, SCRIPT, SVG_ATTR, full_report, hostile_report, make_check, plain_static, queue, sneaky_report,
)

pytestmark = pytest.mark.django_db


def report_url(check):
    return f"/check/{check.pk}/"


def test_home_page_has_one_labelled_input_and_a_button(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<input type=\"text\"") == 1
    assert '<label for="id_domain">' in html
    assert 'type="submit"' in html
    assert "DNSSEC" in html and "MTA-STS" in html and "TLS-RPT" in html
    assert "csrfmiddlewaretoken" in html


def test_submitting_a_domain_creates_a_queued_check_and_redirects_to_its_page(client, queue):
    response = client.post("/", {"domain": "  Example.FI. "})
    check = Check.objects.get()
    assert response.status_code == 302
    assert response["Location"] == report_url(check)
    assert check.domain == "example.fi"
    assert check.input == "Example.FI."
    assert check.status == "queued"
    assert check.enqueued_at is not None
    assert queue.jobs == [("run_check", (str(check.pk),), {"job_id": str(check.pk), "result_ttl": 3600, "failure_ttl": 86400})]


def test_submitting_a_mail_address_checks_its_domain(client, queue):
    client.post("/", {"domain": "someone@Mail.Example.org"})
    assert Check.objects.get().domain == "mail.example.org"


@pytest.mark.parametrize("bad", ["", "   ", "192.0.2.1", "not a domain", "localhost", "a..b.fi", "x" * 2000])
def test_bad_input_is_shown_inline_and_creates_nothing(client, queue, bad):
    response = client.post("/", {"domain": bad})
    html = response.content.decode()
    assert response.status_code == 400
    assert 'aria-invalid="true"' in html
    assert 'id="domain-error"' in html
    assert Check.objects.count() == 0
    assert queue.jobs == []


def test_input_is_escaped_when_shown_back_after_an_error(client, queue):
    response = client.post("/", {"domain": f'"><img src=x onerror=alert(1)>'})
    html = response.content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x" in html or "&quot;&gt;&lt;img" in html


def test_a_recent_running_check_of_the_same_domain_is_reused(client, queue):
    running = make_check("example.fi", status=Check.Status.RUNNING, enqueued_at=timezone.now())
    response = client.post("/", {"domain": "EXAMPLE.fi"})
    assert response["Location"] == report_url(running)
    assert Check.objects.count() == 1
    assert queue.jobs == []


def test_a_check_finished_within_the_reuse_window_is_reused(client, queue, settings):
    settings.CHECK_REUSE_SECONDS = 120
    done = make_check("example.fi", finished_at=timezone.now() - timedelta(seconds=60))
    response = client.post("/", {"domain": "example.fi"})
    assert response["Location"] == report_url(done)


def test_a_check_finished_before_the_reuse_window_is_not_reused(client, queue, settings):
    settings.CHECK_REUSE_SECONDS = 120
    old = make_check("example.fi", finished_at=timezone.now() - timedelta(seconds=121))
    response = client.post("/", {"domain": "example.fi"})
    assert response["Location"] != report_url(old)
    assert Check.objects.count() == 2


def test_a_failed_check_is_not_reused_so_retry_starts_a_new_one(client, queue):
    failed = make_check("example.fi", status=Check.Status.FAILED, error="worker died", finished_at=timezone.now())
    response = client.post("/", {"domain": "example.fi"})
    assert response["Location"] != report_url(failed)
    assert Check.objects.filter(status="queued").count() == 1


def test_the_rate_limit_answers_429_with_retry_after_and_a_clear_page(client, queue, settings):
    settings.RATE_LIMIT_CHECKS = 3
    settings.RATE_LIMIT_WINDOW_SECONDS = 600
    for n in range(3):
        assert client.post("/", {"domain": f"d{n}.example"}).status_code == 302
    response = client.post("/", {"domain": "d9.example"})
    assert response.status_code == 429
    assert 590 <= int(response["Retry-After"]) <= 600
    html = response.content.decode()
    assert "Too many checks" in html and "10 minutes" in html
    assert Check.objects.count() == 3


def test_deduplicated_submissions_do_not_count_against_the_rate_limit(client, queue, settings):
    settings.RATE_LIMIT_CHECKS = 2
    for _ in range(5):
        assert client.post("/", {"domain": "same.example"}).status_code == 302
    assert client.post("/", {"domain": "other.example"}).status_code == 302
    assert Check.objects.count() == 2


def test_the_rate_limit_is_per_client_address(client, queue, settings):
    settings.RATE_LIMIT_CHECKS = 1
    assert client.post("/", {"domain": "a.example"}, REMOTE_ADDR="192.0.2.1").status_code == 302
    assert client.post("/", {"domain": "b.example"}, REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.post("/", {"domain": "b.example"}, REMOTE_ADDR="192.0.2.2").status_code == 302


def test_checks_older_than_the_window_free_the_rate_limit(client, queue, settings):
    settings.RATE_LIMIT_CHECKS = 1
    old = make_check("a.example", client=client_key("127.0.0.1"))
    Check.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(seconds=601))
    assert client.post("/", {"domain": "b.example"}).status_code == 302


def test_the_client_address_is_stored_only_as_a_keyed_hash(client, queue):
    client.post("/", {"domain": "a.example"}, REMOTE_ADDR="192.0.2.55")
    stored = Check.objects.get().client
    assert "192.0.2.55" not in stored and len(stored) == 64


def test_forwarded_for_is_ignored_unless_a_trusted_proxy_is_configured(client, queue, settings):
    settings.RATE_LIMIT_CHECKS = 1
    client.post("/", {"domain": "a.example"}, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client.post("/", {"domain": "b.example"}, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 429
    settings.TRUSTED_PROXY = True
    assert client.post("/", {"domain": "c.example"}, HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.3").status_code == 302
    assert Check.objects.get(domain="c.example").client == client_key("198.51.100.3")


def test_a_submission_while_redis_is_down_is_saved_and_the_page_says_so_calmly(client, queue):
    queue.down = True
    response = client.post("/", {"domain": "example.fi"})
    check = Check.objects.get()
    assert response.status_code == 302
    assert check.status == "queued" and check.enqueued_at is None
    html = client.get(report_url(check)).content.decode()
    assert "will start by itself" in html
    assert 'id="queue-notice"' in html and 'class="notice notice-neutral hidden"' not in html


def test_the_progress_page_lists_the_parts_done_and_refreshes_without_javascript(client):
    check = make_check(status=Check.Status.RUNNING, progress=["dnssec", "mx"], enqueued_at=timezone.now())
    html = client.get(report_url(check)).content.decode()
    assert '<noscript><meta http-equiv="refresh"' in html
    assert '<li data-part="dnssec" class="is-done">' in html
    assert '<li data-part="dane" class="is-pending">' in html
    assert f'data-status-url="/check/{check.pk}/status.json"' in html
    assert "/static/js/check.js" in html
    assert 'class="notice notice-neutral hidden"' in html


def test_the_status_endpoint_reports_progress_as_json(client):
    check = make_check(status=Check.Status.RUNNING, progress=["mx"], enqueued_at=timezone.now())
    response = client.get(f"/check/{check.pk}/status.json")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    body = response.json()
    assert body["status"] == "running" and body["finished"] is False
    assert body["progress"] == ["mx"] and body["waiting_for_queue"] is False


def test_the_status_endpoint_answers_404_json_for_an_unknown_check(client):
    response = client.get(f"/check/{uuid.uuid4()}/status.json")
    assert response.status_code == 404 and response.json() == {"error": "no such check"}


def test_the_finished_report_shows_grade_score_and_the_worst_finding_first(client):
    check = make_check()
    html = client.get(report_url(check)).content.decode()
    assert 'aria-label="Grade C"' in html and "61 / 100" in html
    top = html.index("Most important")
    assert html.index("does not offer STARTTLS", top) < html.index("No TLS-RPT record", top)
    assert '<noscript><meta http-equiv="refresh"' not in html


def test_the_page_keeps_the_findings_in_the_graded_order_the_api_shows(client):
    report = full_report()
    report["findings"].reverse()  # whatever order grading gave, the page does not re-sort it
    check = make_check(report=report)
    findings = presenter.summary(check.report)["findings"]
    assert [f["code"] for f in findings] == [f["code"] for f in report["findings"]]
    api = client.get(f"/api/v1/checks/{check.pk}").json()
    assert [f["code"] for f in api["report"]["findings"]] == [f["code"] for f in findings]


def test_the_report_has_one_section_per_protocol_in_order(client):
    html = client.get(report_url(make_check())).content.decode()
    positions = [html.index(f'<section class="panel part" id="{key}"') for key in
                 ("dnssec", "mx", "starttls", "dane", "mta_sts", "tls_rpt")]
    assert positions == sorted(positions)


def test_the_report_shows_raw_records_remediation_and_a_copy_button(client):
    html = client.get(report_url(make_check())).content.decode()
    assert "v=STSv1; id=20250101" in html
    assert "3 1 1 " + "ab" * 32 in html
    assert "Publish a TLS-RPT record" in html
    assert "_smtp._tls.example.fi. 3600 IN TXT &quot;v=TLSRPTv1; rua=mailto:tlsrpt@example.fi&quot;" in html
    assert 'data-copy="rec-tls_rptrecordmissing-1"' in html
    assert "RFC 8460 3" in html


def test_status_words_are_written_out_not_only_coloured(client):
    html = client.get(report_url(make_check())).content.decode()
    assert '<span class="chip chip-good">secure</span>' in html
    assert '<span class="chip chip-bad">not-offered</span>' in html


def test_the_report_page_has_a_live_region_for_the_copy_buttons_from_the_start(client):
    # Screen readers announce changes only to a live region that was in the page before them.
    html = client.get(report_url(make_check())).content.decode()
    assert '<p id="live-region" class="visually-hidden" aria-live="polite"></p>' in html


def test_status_marks_are_decoration_with_an_empty_text_alternative():
    from pathlib import Path

    css = (Path(__file__).resolve().parent.parent / "static" / "css" / "site.css").read_text()
    for mark in ("✓", "!", "✗", "i", "⚠ "):
        assert f'content: "{mark}" / "";' in css


def test_the_report_has_timestamps_and_a_check_again_button(client):
    html = client.get(report_url(make_check())).content.decode()
    assert "2025-01-02 03:04:05 UTC" in html
    assert "Check again" in html and 'name="domain" value="example.fi"' in html


def test_everything_from_dns_and_http_is_escaped_on_the_report(client):
    html = client.get(report_url(make_check(report=hostile_report()))).content.decode()
    assert SCRIPT not in html
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    # Every script tag on the page is our own external file.
    assert html.count("<script") == html.count('<script src="/static/js/check.js" defer></script>') == 1


def test_hidden_characters_from_dns_and_http_are_shown_as_escapes(client):
    check = make_check(report=sneaky_report(), input="https://example.fi/\u202eyour-domain-is-hacked")
    html = client.get(report_url(check)).content.decode()
    for raw, shown in HIDDEN_TEXT.items():
        assert raw not in html
        assert shown in html
    for char in "\x1b\x9b\x00\r\u202e\u200b":
        assert char not in html
    assert SVG_ATTR not in html and "&quot;&gt;&lt;svg onload=alert(1)&gt;" in html
    # What the visitor typed is shown with its hidden characters visible too.
    assert "https://example.fi/\\u202eyour-domain-is-hacked" in html
    # The policy file's CRLF line ends are ordinary line breaks, not escapes.
    assert "version: STSv1\nmode: enforce\n" in html


def test_an_ungraded_null_mx_report_does_not_headline_a_warning(client):
    report = {
        "domain": "example.fi", "grade": None, "score": None, "top_finding": None,
        "grade_reason": "The domain publishes a null MX (RFC 7505): it accepts no mail, so there is no mail transport to grade.",
        "mx": {"status": "null", "hosts": []},
        "findings": [
            {"code": "mta_sts.none", "severity": "warn", "protocol": "mta_sts", "title": "No MTA-STS"},
            {"code": "mx.null", "severity": "info", "protocol": "mx", "title": "The domain accepts no mail (null MX)"},
        ],
    }
    html = client.get(report_url(make_check(report=report))).content.decode()
    assert "Most important" not in html
    assert html.count("it accepts no mail, so there is no mail transport to grade") == 1
    assert "does not accept mail, so there is nothing to grade" not in html  # said once, by the grading


def test_a_report_with_missing_and_malformed_parts_still_renders(client):
    report = {"domain": "example.fi", "grade": None, "score": None, "mx": {"status": "null", "hosts": "oops"},
              "starttls": [], "dane": None, "findings": [None, "x", {"severity": "bogus", "title": "odd"}]}
    response = client.get(report_url(make_check(report=report)))
    html = response.content.decode()
    assert response.status_code == 200
    assert "not checked or its result is missing" in html
    assert "does not accept mail" in html


def test_a_report_that_is_not_even_a_dict_renders_as_a_page_not_a_500(client):
    check = make_check()
    Check.objects.filter(pk=check.pk).update(report=["garbage"])
    assert client.get(report_url(check)).status_code == 200


def test_a_failed_check_shows_the_reason_and_a_retry_button(client):
    check = make_check(status=Check.Status.FAILED, error="The worker stopped during the check.", finished_at=timezone.now())
    html = client.get(report_url(check)).content.decode()
    assert "The worker stopped during the check." in html
    assert "Retry the check" in html


def test_recent_checks_of_the_same_domain_are_linked_newest_first(client):
    older = make_check()
    Check.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=2))
    newer = make_check()
    Check.objects.filter(pk=newer.pk).update(created_at=timezone.now() - timedelta(days=1))
    make_check("other.example")
    current = make_check()
    html = client.get(report_url(current)).content.decode()
    assert html.index(f"/check/{newer.pk}/") < html.index(f"/check/{older.pk}/")
    assert "other.example" not in html.split("Other checks of")[1]


def test_the_share_link_is_the_uuid_url_and_integers_are_not_report_urls(client):
    check = make_check()
    html = client.get(report_url(check)).content.decode()
    assert f"http://testserver/check/{check.pk}/" in html
    assert client.get("/check/1/").status_code == 404


def test_an_unknown_check_gets_the_styled_404_page(client):
    response = client.get(f"/check/{uuid.uuid4()}/")
    assert response.status_code == 404
    assert "There is nothing here" in response.content.decode()
    assert "/static/css/site.css" in response.content.decode()


def test_a_database_error_on_the_report_url_is_a_calm_503_not_a_500(client, monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr("checker.views.Check.objects.filter", broken)
    response = client.get(f"/check/{uuid.uuid4()}/")
    assert response.status_code == 503
    assert "cannot be loaded right now" in response.content.decode()


def test_the_500_page_is_styled_and_needs_no_request():
    from django.template.loader import render_to_string

    html = render_to_string("500.html")
    assert "Something went wrong on our side" in html and "/static/css/site.css" in html


def test_an_oversized_form_post_gets_the_styled_400_page_and_creates_nothing(client, queue):
    response = client.post("/", {"domain": "a" * 100_000})
    assert response.status_code == 400
    html = response.content.decode()
    assert "We could not read that request" in html and "/static/css/site.css" in html
    assert Check.objects.count() == 0


def test_a_database_error_while_submitting_keeps_the_form_with_a_message(client, queue, monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("database is locked")

    monkeypatch.setattr("checker.submit.Check.objects.create", broken)
    response = client.post("/", {"domain": "example.fi"})
    assert response.status_code == 400
    assert "could not save your check" in response.content.decode()


def test_forms_are_csrf_protected(queue):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/", {"domain": "example.fi"})
    assert response.status_code == 403
    assert "The form could not be accepted" in response.content.decode()  # our page, not Django's
    assert Check.objects.count() == 0


def test_a_cached_report_page_carries_each_visitors_own_working_csrf_token(queue, settings):
    import re

    from django.test import Client

    settings.CHECK_REUSE_SECONDS = 0
    check = make_check()
    tokens = []
    for _ in range(2):
        visitor = Client(enforce_csrf_checks=True)
        html = visitor.get(report_url(check)).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        tokens.append(token)
        response = visitor.post("/", {"domain": "example.fi", "csrfmiddlewaretoken": token})
        assert response.status_code == 302
    assert tokens[0] != tokens[1]
    assert "\x00" not in html


def test_a_cached_report_page_keeps_the_share_link_of_the_scheme_it_was_asked_with(client):
    check = make_check()
    assert f'value="http://testserver/check/{check.pk}/"' in client.get(report_url(check)).content.decode()
    html = client.get(report_url(check), secure=True).content.decode()
    assert f'value="https://testserver/check/{check.pk}/"' in html


def test_a_running_check_page_is_not_cached(client):
    check = make_check(status=Check.Status.RUNNING, progress=[], enqueued_at=timezone.now())
    assert "is-pending" in client.get(report_url(check)).content.decode()
    Check.objects.filter(pk=check.pk).update(status=Check.Status.FAILED, error="stopped", finished_at=timezone.now())
    assert "Retry the check" in client.get(report_url(check)).content.decode()


def test_a_report_stored_before_starttls_had_a_status_still_shows_one():
    report = full_report()
    del report["starttls"]["status"]
    sections = {s["key"]: s for s in presenter.summary(report)["sections"]}
    assert sections["starttls"]["status"] == "partial" and sections["starttls"]["tone"] == "warn"
