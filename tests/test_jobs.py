"""The RQ job (checker/jobs.py): one run per check at a time, a superseded run saves nothing."""
import pytest
from django.utils import timezone

from checker import jobs
from checker.models import Check
from tests.web_samples import make_check

pytestmark = pytest.mark.django_db


def test_a_run_claims_its_queued_check_as_the_next_attempt():
    check = make_check(domain="not a domain", status=Check.Status.QUEUED, input="not a domain")
    assert jobs.run_check(str(check.pk)) == "failed"  # bad input ends before any network I/O
    check.refresh_from_db()
    assert check.attempts == 1 and check.started_at is not None and check.error.startswith("Not a domain name")


def test_a_check_already_running_is_not_started_a_second_time():
    check = make_check(status=Check.Status.RUNNING, attempts=1, started_at=timezone.now())
    assert jobs.run_check(str(check.pk)) == "skipped"
    check.refresh_from_db()
    assert check.status == "running" and check.attempts == 1


def test_a_finished_check_is_left_as_it_is():
    check = make_check(status=Check.Status.FAILED, error="earlier")
    assert jobs.run_check(str(check.pk)) == "failed"
    check.refresh_from_db()
    assert check.error == "earlier" and check.attempts == 0


def test_a_run_whose_attempt_was_superseded_drops_its_result():
    check = make_check(status=Check.Status.RUNNING, attempts=2, started_at=timezone.now())
    stale = Check.objects.get(pk=check.pk)
    assert jobs._fail(stale, 1, "from the lost first attempt") == "superseded"
    check.refresh_from_db()
    assert check.status == "running" and check.error == ""
    assert jobs._fail(stale, 2, "from the current attempt") == "failed"
    check.refresh_from_db()
    assert check.status == "failed" and check.error == "from the current attempt"


def test_a_run_the_sweeper_failed_meanwhile_does_not_overwrite_it():
    check = make_check(status=Check.Status.RUNNING, attempts=1, started_at=timezone.now())
    run = Check.objects.get(pk=check.pk)
    Check.objects.filter(pk=check.pk).update(status=Check.Status.FAILED, error="stale")
    run.status = Check.Status.DONE
    assert jobs._save_if_current(run, 1) == "superseded"
    check.refresh_from_db()
    assert check.status == "failed" and check.error == "stale"


def test_a_run_records_every_part_as_progress_in_the_database(fakenet, settings):
    """The progress callback writes to the database while the engine runs (on the job's own
    thread: Django refuses it from the event loop's)."""
    from checker.engine.registry import NAMES

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.CHECKER_CONFIG = fakenet.config
    check = make_check(domain="dane-ok.fi", status=Check.Status.QUEUED, input="dane-ok.fi")
    with CaptureQueriesContext(connection) as queries:
        assert jobs.run_check(str(check.pk)) == "done"
    progress_updates = [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "checker_check" SET "progress"')]
    assert len(progress_updates) == len(NAMES)   # one per part, each executed while the engine ran
    check.refresh_from_db()
    assert sorted(check.progress) == sorted(NAMES) and check.report["dnssec"]["status"] == "secure"
