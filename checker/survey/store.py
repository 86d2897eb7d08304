"""The survey's state in the database: its domains, chunks and the leases on them.

Resumable and exact by construction: a domain is marked done in the same transaction that
saves its one result row, and a chunk belongs to one worker only while that worker renews
its lease. A worker that dies loses at most its unsaved results; the chunk's lease runs
out and another worker redoes exactly the domains not yet marked done.
"""
from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Check, Survey, SurveyChunk, SurveyDomain
from . import optout
from .importer import ImportResult

INSERT_BATCH = 5000


class SurveyError(Exception):
    """A problem the user can fix; str() is one line for the terminal."""


def create(name: str, result: ImportResult, source_file: str, chunk_size: int, replace: bool = False,
           opted_out: set[str] | None = None) -> tuple[Survey, int]:
    """A new survey holding the imported domains; returns it and how many are opted out."""
    listed = optout.load() if opted_out is None else opted_out
    with transaction.atomic():
        existing = Survey.objects.filter(name=name).first()
        if existing is not None:
            if not replace:
                raise SurveyError(f"survey {name!r} exists already; choose another name or use --replace")
            existing.delete()
        survey = Survey.objects.create(name=name, source_file=source_file[:1024], chunk_size=chunk_size)
        batch, skipped = [], 0
        for index, (domain, line, ds) in enumerate(result.domains):
            out = optout.opted_out(domain, listed)
            skipped += out
            batch.append(SurveyDomain(survey=survey, domain=domain, line=line, chunk=index // chunk_size,
                                      ds_in_zone=ds, opted_out=out))
            if len(batch) >= INSERT_BATCH:
                SurveyDomain.objects.bulk_create(batch)
                batch = []
        SurveyDomain.objects.bulk_create(batch)
        count = len(result.domains)
        SurveyChunk.objects.bulk_create(
            SurveyChunk(survey=survey, number=n, size=min(chunk_size, count - n * chunk_size))
            for n in range((count + chunk_size - 1) // chunk_size))
    return survey, skipped


def get(name: str) -> Survey:
    survey = Survey.objects.filter(name=name).first()
    if survey is None:
        known = ", ".join(Survey.objects.order_by("name").values_list("name", flat=True)[:10]) or "none yet"
        raise SurveyError(f"no survey named {name!r} (known: {known}); create it with `survey import {name} FILE`")
    return survey


def start(survey: Survey, profile: str, full_reports: bool, restart: bool = False) -> int:
    """Prepare a run; returns how many chunks are unfinished. A survey keeps its profile:
    mixing profiles would make its tables count different things."""
    with transaction.atomic():
        if restart:
            Check.objects.filter(survey=survey).delete()
            SurveyDomain.objects.filter(survey=survey).update(done=False)
            SurveyChunk.objects.filter(survey=survey).update(done=False, owner="", lease_until=None, checked=0,
                                                             failed=0, errors=0, skipped=0)
            survey.finished_at = None
        elif survey.profile and survey.profile != profile and Check.objects.filter(survey=survey).exists():
            raise SurveyError(f"survey {survey.name!r} was run with profile {survey.profile!r}; continue with that "
                              f"profile, or start over with --restart")
        survey.profile, survey.full_reports = profile, full_reports
        survey.started_at = survey.started_at or timezone.now()
        survey.save(update_fields=["profile", "full_reports", "started_at", "finished_at"])
    return SurveyChunk.objects.filter(survey=survey, done=False).count()


def claim(survey: Survey, owner: str, lease_seconds: float) -> SurveyChunk | None:
    """Lease the first chunk nobody holds (or whose holder stopped renewing)."""
    now = timezone.now()
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    candidates = (SurveyChunk.objects.filter(survey=survey, done=False).filter(free)
                  .order_by("number").values_list("pk", flat=True)[:8])
    for pk in list(candidates):
        # The conditional UPDATE is the lock: of two workers racing, one changes the row.
        taken = SurveyChunk.objects.filter(pk=pk, done=False).filter(free).update(
            owner=owner, lease_until=now + timedelta(seconds=lease_seconds))
        if taken:
            return SurveyChunk.objects.get(pk=pk)
    return None


def renew(chunk_pks, owner: str, lease_seconds: float):
    if chunk_pks:
        SurveyChunk.objects.filter(pk__in=list(chunk_pks), owner=owner, done=False).update(
            lease_until=timezone.now() + timedelta(seconds=lease_seconds))


def unfinished(survey: Survey) -> int:
    return SurveyChunk.objects.filter(survey=survey, done=False).count()


def finish_if_done(survey: Survey):
    if not SurveyChunk.objects.filter(survey=survey, done=False).exists():
        Survey.objects.filter(pk=survey.pk, finished_at__isnull=True).update(finished_at=timezone.now())
