"""JSON API v1: POST /api/v1/checks and GET /api/v1/checks/<uuid>."""
import json
import uuid

import pytest
from django.utils import timezone

from checker.models import Check
from tests.web_samples import full_report, make_check, plain_static, queue  # noqa: F401

pytestmark = pytest.mark.django_db


def post(client, body, **extra):
    return client.post("/api/v1/checks", data=body if isinstance(body, (str, bytes)) else json.dumps(body),
                       content_type="application/json", **extra)


def test_posting_a_domain_answers_202_with_id_and_urls(client, queue):
    response = post(client, {"domain": "Example.FI"})
    body = response.json()
    check = Check.objects.get()
    assert response.status_code == 202
    assert body["id"] == str(check.pk) and body["domain"] == "example.fi"
    assert body["status"] == "queued" and body["reused"] is False
    assert body["url"] == f"http://testserver/check/{check.pk}/"
    assert body["api_url"] == f"http://testserver/api/v1/checks/{check.pk}"
    assert response["Location"] == body["api_url"]
    assert len(queue.jobs) == 1


def test_the_api_needs_no_csrf_token(queue):
    from django.test import Client

    response = post(Client(enforce_csrf_checks=True), {"domain": "example.fi"})
    assert response.status_code == 202


def test_a_form_encoded_post_works_too(client, queue):
    response = client.post("/api/v1/checks", {"domain": "example.fi"})
    assert response.status_code == 202


@pytest.mark.parametrize("body, message", [
    ({"domain": "192.0.2.1"}, "IP address"),
    ({"domain": ""}, "no domain"),
    ({"domain": 42}, "must be text"),
    ({"name": "example.fi"}, '{"domain": "example.fi"}'),
    (["example.fi"], '{"domain": "example.fi"}'),
    ("{not json", "not valid JSON"),
    ("[" * 3000, "not valid JSON"),             # nested deeper than the parser's recursion limit
    ('{"domain": "\\ud800.fi"}', "domain"),    # a lone surrogate
    (b'{"domain": "\xff.fi"}', "not valid JSON"),  # not UTF-8
    ({"domain": "https://example.fi/\x00"}, "NUL"),  # PostgreSQL cannot store it
])
def test_bad_input_answers_400_with_a_message(client, queue, body, message):
    response = post(client, body)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert Check.objects.count() == 0


def test_a_recent_check_is_returned_instead_of_a_new_one(client, queue):
    done = make_check("example.fi")
    body = post(client, {"domain": "example.fi"}).json()
    assert body["id"] == str(done.pk) and body["reused"] is True and body["status"] == "done"
    assert queue.jobs == []


def test_the_rate_limit_answers_429_with_retry_after(client, queue, settings):
    settings.RATE_LIMIT_CHECKS = 2
    assert post(client, {"domain": "a.example"}).status_code == 202
    assert post(client, {"domain": "b.example"}).status_code == 202
    response = post(client, {"domain": "c.example"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) == response.json()["retry_after"] > 0
    assert "rate limit" in response.json()["error"]


def test_the_api_and_the_form_share_one_rate_limit(client, queue, settings):
    settings.RATE_LIMIT_CHECKS = 1
    client.post("/", {"domain": "a.example"})
    assert post(client, {"domain": "b.example"}).status_code == 429


def test_get_on_the_collection_explains_the_api(client):
    response = client.get("/api/v1/checks")
    assert response.status_code == 200 and "create" in response.json()["usage"]


def test_reading_a_running_check_gives_status_and_progress_without_report(client):
    check = make_check(status=Check.Status.RUNNING, progress=["dnssec"], started_at=timezone.now())
    body = client.get(f"/api/v1/checks/{check.pk}").json()
    assert body["status"] == "running" and body["progress"] == ["dnssec"]
    assert body["report"] is None and body["finished_at"] is None
    assert body["started_at"].endswith("Z")


def test_reading_a_finished_check_gives_the_report_contract_json(client):
    check = make_check("example.fi")
    response = client.get(f"/api/v1/checks/{check.pk}")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "done"
    assert body["report"] == full_report("example.fi")
    for key in ("domain", "grade", "score", "dnssec", "mx", "dane", "starttls", "mta_sts", "tls_rpt", "findings"):
        assert key in body["report"]


def test_reading_a_failed_check_gives_the_reason(client):
    check = make_check(status=Check.Status.FAILED, error="The worker stopped.", finished_at=timezone.now())
    body = client.get(f"/api/v1/checks/{check.pk}").json()
    assert body["status"] == "failed" and body["error"] == "The worker stopped." and body["report"] is None


def test_an_unknown_check_answers_404_json(client):
    response = client.get(f"/api/v1/checks/{uuid.uuid4()}")
    assert response.status_code == 404 and response.json() == {"error": "no such check"}


def test_a_non_uuid_id_is_not_found(client):
    assert client.get("/api/v1/checks/1").status_code == 404


def test_api_answers_are_not_cached(client, queue):
    check = make_check()
    assert "no-cache" in client.get(f"/api/v1/checks/{check.pk}")["Cache-Control"]
    assert post(client, {"domain": "x.example"})["Cache-Control"] == "no-store"


def test_a_body_larger_than_the_api_limit_answers_413_json(client, queue):
    from checker.api import MAX_BODY

    response = post(client, {"domain": "example.fi", "padding": "x" * MAX_BODY})
    assert response.status_code == 413 and "larger than" in response.json()["error"]
    huge = client.post("/api/v1/checks", {"domain": "a" * 3_000_000})  # over DATA_UPLOAD_MAX_MEMORY_SIZE too
    assert huge.status_code == 413 and huge["Content-Type"] == "application/json"
    assert Check.objects.count() == 0


@pytest.mark.parametrize("method, url", [
    ("put", "/api/v1/checks"), ("delete", "/api/v1/checks"), ("patch", "/api/v1/checks"),
    ("post", f"/api/v1/checks/{uuid.uuid4()}"), ("delete", f"/api/v1/checks/{uuid.uuid4()}"),
])
def test_other_methods_answer_405_json_with_allow(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 405 and response["Content-Type"] == "application/json"
    assert "method not allowed" in response.json()["error"]
    assert response["Allow"] in ("GET, POST", "GET")


def test_a_nul_in_a_report_is_stored_as_visible_text(client):
    """PostgreSQL's jsonb refuses U+0000; a TXT record may hold one."""
    report = full_report("example.fi")
    report["tls_rpt"]["raw"] = ["v=TLSRPTv1;\x00rua=mailto:a@example.fi"]
    check = make_check("example.fi", report=report)
    stored = Check.objects.get(pk=check.pk).report
    assert stored["tls_rpt"]["raw"] == ["v=TLSRPTv1;\\x00rua=mailto:a@example.fi"]
    assert "\\u0000" not in client.get(f"/api/v1/checks/{check.pk}").content.decode()
