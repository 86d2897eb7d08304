"""The survey job (queue "survey"): lease chunks, check their domains, save each result once.

`manage.py survey run` enqueues jobs; every `manage.py rqworker survey`, on any machine
sharing Redis and the database, runs them. A job keeps taking chunks until none is left,
so a few workers drain any number of jobs; surplus jobs end at once. The job only reads
and writes the database (store.py has the exactness argument), so Redis going away
mid-run does not disturb results already saved.

Within one process SURVEY_CONCURRENCY domains are checked at once, all on one event loop
in a thread of their own (engine.run.acheck_domain: DNS lookups are coroutines, so a
domain costs no thread switches per query); politeness caps (engine/limits.py) bound
queries per resolver and connections per destination IP.
"""
from __future__ import annotations

import asyncio
import concurrent.futures as cf
import dataclasses
import gc
import logging
import os
import queue
import secrets
import socket
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ..engine.dns import AnswerCache
from ..engine.limits import Limits
from ..models import Check, Survey, SurveyChunk, SurveyDomain
from ..pipeline import afull_report
from . import optout, store

log = logging.getLogger(__name__)

# The cyclic garbage collector's first threshold while a survey runs (default 700): a domain
# allocates thousands of short-lived DNS objects, and collecting every 700 of them cost
# 0.2-0.7 ms per domain (more as the process grew); reference counting frees nearly all.
GC_THRESHOLD = 50_000
FLUSH_ROWS = 250         # results saved per transaction
FLUSH_SECONDS = 1.0      # ... or at least this often
POLL_SECONDS = 0.2
TOOL = "smtp-tls-checker-survey/1"

_SHARED = None           # one set of caps and one answer cache per process, shared by its jobs


def user_agent() -> str:
    """Names the tool and where to complain (RFC 9110 10.1.5: product and a comment)."""
    contact = settings.SURVEY_CONTACT_URL.strip()
    return f"{TOOL} (+{contact})" if contact else TOOL


def survey_config():
    """The site's engine settings plus the survey's: its time limit per domain, politeness caps,
    User-Agent, and an answer cache (a zone's domains share a few mail providers' MX hosts)."""
    global _SHARED
    if _SHARED is None:
        _SHARED = (Limits(dns=settings.SURVEY_RESOLVER_LIMIT, https=settings.SURVEY_HTTPS_LIMIT,
                          smtp=settings.SURVEY_SMTP_LIMIT), AnswerCache())
    limits, cache = _SHARED
    return dataclasses.replace(settings.CHECKER_CONFIG, check_timeout=float(settings.SURVEY_CHECK_TIMEOUT),
                               limits=limits, user_agent=user_agent(), answer_cache=cache)


@dataclass
class Outcome:
    pk: int                  # SurveyDomain
    chunk: int               # SurveyChunk pk
    check: Check | None      # None: opted out, nothing saved
    error: bool = False


def run_survey(survey_id: int) -> str:
    """The RQ job."""
    survey = Survey.objects.filter(pk=survey_id).first()
    if survey is None:
        return "missing"
    return SurveyWorker(survey).run()


class SurveyWorker:
    def __init__(self, survey: Survey, concurrency: int | None = None, lease_seconds: float | None = None):
        self.survey = survey
        self.concurrency = concurrency or settings.SURVEY_CONCURRENCY
        self.lease = lease_seconds or settings.SURVEY_LEASE_SECONDS
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"[:100]
        self.config = survey_config()
        self.listed = optout.load()
        self.outstanding: dict[int, int] = {}     # held chunk pk -> domains not yet saved
        self.futures: dict[cf.Future, tuple[int, int]] = {}
        self.finished: "queue.SimpleQueue[cf.Future]" = queue.SimpleQueue()   # done futures, in order
        self.buffer: list[Outcome] = []
        self.checked = 0

    def run(self) -> str:
        thresholds = gc.get_threshold()
        gc.freeze()   # what is alive now (Django, the engine's tables) is never scanned again
        gc.set_threshold(GC_THRESHOLD, *thresholds[1:])
        pool = EngineLoop(self.concurrency)
        last_flush = last_renew = time.monotonic()
        try:
            while True:
                claimed = None
                # A new chunk only when fewer than `concurrency` checks are left: enough to keep
                # the loop busy, while the last chunks stay free for idle workers to take.
                if len(self.futures) < self.concurrency:
                    claimed = self.take_chunk(pool)
                if not self.futures and claimed is None:
                    self.flush()
                    if not self.outstanding and not store.unfinished(self.survey):
                        break
                    time.sleep(min(2.0, self.lease / 4))   # others hold the rest; take over if they die
                    continue
                for future in self.done(POLL_SECONDS):
                    pk, chunk = self.futures.pop(future)
                    self.buffer.append(self.outcome(future, pk, chunk))
                now = time.monotonic()
                if len(self.buffer) >= FLUSH_ROWS or (self.buffer and now - last_flush >= FLUSH_SECONDS):
                    self.flush()
                    last_flush = now
                if now - last_renew >= self.lease / 3:
                    store.renew(self.outstanding, self.owner, self.lease)
                    last_renew = now
        finally:
            pool.shutdown()
            gc.set_threshold(*thresholds)
            gc.unfreeze()
        self.flush()
        store.finish_if_done(self.survey)
        return f"checked {self.checked}"

    def take_chunk(self, pool) -> SurveyChunk | None:
        chunk = store.claim(self.survey, self.owner, self.lease)
        if chunk is None:
            return None
        pending = list(SurveyDomain.objects.filter(survey=self.survey, chunk=chunk.number, done=False)
                       .order_by("pk").values_list("pk", "domain", "opted_out"))
        self.outstanding[chunk.pk] = len(pending)
        profile, full = self.survey.profile or "dns", self.survey.full_reports
        for pk, domain, out in pending:
            if out or optout.opted_out(domain, self.listed):
                self.buffer.append(Outcome(pk, chunk.pk, None))
                continue
            future = pool.submit(check_one, self.survey, domain, self.config, profile, full)
            self.futures[future] = (pk, chunk.pk)
            future.add_done_callback(self.finished.put)
        if not pending:
            self.flush()   # marks it done
        return chunk

    def done(self, interval: float) -> list[cf.Future]:
        """The checks finished since the last call, after waiting `interval`: collected in
        batches, not one wake-up of this thread per domain (each one took the GIL from the
        engine's loop)."""
        time.sleep(interval)
        found = []
        while True:
            try:
                found.append(self.finished.get_nowait())
            except queue.Empty:
                return found

    @staticmethod
    def outcome(future, pk, chunk) -> Outcome:
        check = future.result()   # check_one never raises
        return Outcome(pk, chunk, check, error=check.status == Check.Status.FAILED or check.mx_status == "error")

    def flush(self):
        """Save the buffered results: each domain's row and its done mark in one transaction."""
        batch, self.buffer = self.buffer, []
        per_chunk: dict[int, dict[str, int]] = {}
        with transaction.atomic():
            ids = [o.pk for o in batch]
            fresh = set(SurveyDomain.objects.select_for_update().filter(pk__in=ids, done=False)
                        .values_list("pk", flat=True)) if ids else set()
            rows = [o.check for o in batch if o.pk in fresh and o.check is not None]
            Check.objects.bulk_create(rows, batch_size=500)
            SurveyDomain.objects.filter(pk__in=fresh).update(done=True)
            for o in batch:
                counts = per_chunk.setdefault(o.chunk, {"checked": 0, "failed": 0, "errors": 0, "skipped": 0})
                self.outstanding[o.chunk] = self.outstanding.get(o.chunk, 1) - 1
                if o.pk not in fresh:
                    continue  # another worker saved it first (after taking over a lapsed lease)
                if o.check is None:
                    counts["skipped"] += 1
                else:
                    counts["checked"] += 1
                    counts["failed"] += o.check.status == Check.Status.FAILED
                    counts["errors"] += o.check.mx_status == "error"
            for chunk_pk, counts in per_chunk.items():
                SurveyChunk.objects.filter(pk=chunk_pk).update(**{k: F(k) + v for k, v in counts.items()})
            finished = [pk for pk, left in self.outstanding.items() if left <= 0]
            if finished:
                SurveyChunk.objects.filter(pk__in=finished).update(done=True, owner="", lease_until=None)
                for pk in finished:
                    del self.outstanding[pk]
        self.checked += len(fresh)


class EngineLoop:
    """An event loop in a thread of its own, running the survey's checks, at most
    `concurrency` at once (a check's time limit starts when it starts, not while it waits);
    submit() hands back a concurrent.futures.Future to the worker's own thread, which saves."""

    def __init__(self, concurrency: int):
        self.loop = asyncio.new_event_loop()
        self.slots = asyncio.Semaphore(concurrency)
        self.thread = threading.Thread(target=self.loop.run_forever, name="survey-engine", daemon=True)
        self.thread.start()

    def submit(self, coroutine_function, *args) -> cf.Future:
        async def when_free():
            async with self.slots:
                return await coroutine_function(*args)
        return asyncio.run_coroutine_threadsafe(when_free(), self.loop)

    def shutdown(self):
        async def cancel_all():
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        if self.loop.is_running():
            asyncio.run_coroutine_threadsafe(cancel_all(), self.loop).result(timeout=10)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)
        if not self.loop.is_running():
            self.loop.close()


async def check_one(survey: Survey, domain: str, config, profile: str, full_reports: bool) -> Check:
    """One domain's summary row (not saved). Never raises: a failure is a failed row."""
    started = timezone.now()
    check = Check(domain=domain, input=domain, source=Check.Source.SURVEY, survey=survey, started_at=started,
                  enqueued_at=started)
    try:
        report = await afull_report(domain, config, profile=profile, for_people=full_reports)
    except Exception as error:  # the engine should not raise; one domain must not stop a survey
        log.exception("survey %s: %s failed in the engine", survey.name, domain)
        check.status, check.error = Check.Status.FAILED, f"Internal error ({type(error).__name__})"[:200]
        check.finished_at = timezone.now()
        return check
    check.apply_report(report)
    if profile != "full":
        check.grade = check.score = None   # a grade needs the STARTTLS probes
    if not full_reports:
        check.report = None
    check.status, check.finished_at = Check.Status.DONE, timezone.now()
    return check
