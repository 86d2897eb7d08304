"""GET /badge/<domain>.svg."""
import pytest
from django.utils import timezone
from datetime import timedelta

from checker.models import Check
from tests.web_samples import full_report, make_check, plain_static  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_badge_shows_the_latest_grade_and_is_cacheable(client):
    old = make_check("example.fi", report={**full_report(), "grade": "F", "score": 10})
    Check.objects.filter(pk=old.pk).update(finished_at=timezone.now() - timedelta(days=1))
    make_check("example.fi", report={**full_report(), "grade": "A+", "score": 100})
    response = client.get("/badge/example.fi.svg")
    svg = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Cache-Control"] == "public, max-age=300"
    today = f"{timezone.now():%Y-%m-%d}"
    assert f">A+ {today}</text>" in svg and f'aria-label="mail security: A+ {today}"' in svg
    assert svg.startswith("<svg")


def test_the_badge_ignores_unfinished_and_failed_checks(client):
    make_check("example.fi", report={**full_report(), "grade": "B"})
    make_check("example.fi", status=Check.Status.RUNNING)
    make_check("example.fi", status=Check.Status.FAILED)
    assert ">B " in client.get("/badge/example.fi.svg").content.decode()


def test_the_badge_normalises_the_domain(client):
    make_check("example.fi", report={**full_report(), "grade": "B"})
    assert ">B " in client.get("/badge/EXAMPLE.fi..svg").content.decode()
    assert ">B " in client.get("/badge/Example.FI.svg").content.decode()


def test_an_unchecked_domain_gets_a_not_checked_badge_with_a_short_cache(client):
    response = client.get("/badge/never.example.svg")
    assert response.status_code == 200
    assert ">not checked</text>" in response.content.decode()
    assert response["Cache-Control"] == "public, max-age=60"


def test_a_domain_without_mail_gets_a_no_mail_badge(client):
    make_check("nomail.example", report={**full_report("nomail.example"), "grade": None, "score": None})
    assert ">no mail 20" in client.get("/badge/nomail.example.svg").content.decode()


def test_an_invalid_domain_gets_a_404_badge(client):
    response = client.get("/badge/192.0.2.1.svg")
    assert response.status_code == 404 and ">invalid</text>" in response.content.decode()


def test_the_badge_escapes_what_it_shows(client):
    check = make_check("example.fi")
    Check.objects.filter(pk=check.pk).update(grade="<&")  # only possible by hand: defence in depth
    svg = client.get("/badge/example.fi.svg").content.decode()
    assert "<&" not in svg and "&lt;&amp;" in svg


def test_a_report_with_an_unknown_grade_stores_no_grade_instead_of_failing():
    check = make_check("example.fi", report={**full_report(), "grade": "<script>", "score": 1000})
    check.refresh_from_db()
    assert (check.grade, check.score) == (None, None)


def test_the_badge_shows_the_date_of_its_check_and_turns_grey_when_older_than_two_intervals(client, settings):
    settings.MONITOR_INTERVAL_SECONDS = 86400
    check = make_check("example.fi", report={**full_report(), "grade": "A"})
    Check.objects.filter(pk=check.pk).update(finished_at=timezone.now() - timedelta(days=1, hours=23))
    fresh = client.get("/badge/example.fi.svg").content.decode()
    day = f"{timezone.now() - timedelta(days=1, hours=23):%Y-%m-%d}"
    assert f">A {day}</text>" in fresh and "#1a7f37" in fresh
    Check.objects.filter(pk=check.pk).update(finished_at=timezone.now() - timedelta(days=2, hours=1))
    stale = client.get("/badge/example.fi.svg").content.decode()
    assert " stale</text>" in stale and "#1a7f37" not in stale
