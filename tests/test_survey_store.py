"""Leases and exactly-once saving (checker/survey/store.py, worker.flush), on the database."""
from datetime import timedelta

import pytest
from django.utils import timezone

from checker.models import Check, SurveyChunk, SurveyDomain
from checker.survey import store
from checker.survey.importer import parse_list
from checker.survey.worker import Outcome, SurveyWorker


@pytest.fixture
def survey(db):
    result = parse_list([f"d{i}.fi" for i in range(10)])
    survey, _ = store.create("leases", result, "list.txt", chunk_size=4, opted_out=set())
    store.start(survey, "dns", False)
    return survey


def test_an_import_is_split_into_chunks_that_cover_every_domain_once(survey):
    assert list(SurveyChunk.objects.filter(survey=survey).order_by("number").values_list("size", flat=True)) == [4, 4, 2]
    assert SurveyDomain.objects.filter(survey=survey).count() == 10


def test_two_workers_never_hold_the_same_chunk_and_a_lapsed_lease_is_taken_over(survey):
    first = store.claim(survey, "a", 60)
    second = store.claim(survey, "b", 60)
    third = store.claim(survey, "c", 60)
    assert len({first.pk, second.pk, third.pk}) == 3
    assert store.claim(survey, "d", 60) is None
    SurveyChunk.objects.filter(pk=second.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert store.claim(survey, "d", 60).pk == second.pk


def test_a_result_saved_twice_is_counted_once(survey):
    worker = SurveyWorker(survey, concurrency=1, lease_seconds=60)
    chunk = store.claim(survey, worker.owner, 60)
    domain = SurveyDomain.objects.filter(survey=survey, chunk=chunk.number).order_by("pk").first()

    def outcome():
        check = Check(domain=domain.domain, input=domain.domain, source="survey", survey=survey, status="done",
                      mx_status="present")
        return Outcome(domain.pk, chunk.pk, check)

    worker.outstanding[chunk.pk] = 4
    worker.buffer = [outcome()]
    worker.flush()
    other = SurveyWorker(survey, concurrency=1, lease_seconds=60)   # took the chunk over, redid the domain
    other.outstanding[chunk.pk] = 4
    other.buffer = [outcome()]
    other.flush()
    assert Check.objects.filter(survey=survey, domain=domain.domain).count() == 1
    assert SurveyChunk.objects.get(pk=chunk.pk).checked == 1
    assert SurveyDomain.objects.get(pk=domain.pk).done


def test_a_survey_keeps_its_profile_unless_restarted(survey):
    Check.objects.create(domain="d0.fi", input="d0.fi", source="survey", survey=survey, status="done")
    with pytest.raises(store.SurveyError, match="profile 'dns'"):
        store.start(survey, "full", False)
    assert store.start(survey, "full", False, restart=True) == 3
    assert not Check.objects.filter(survey=survey).exists()


def test_an_unknown_survey_is_a_clear_error(db):
    with pytest.raises(store.SurveyError, match="no survey named 'nope'"):
        store.get("nope")
