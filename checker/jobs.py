"""The RQ job: load the check, run the engine, grade, save. Nothing else.

A run first claims its check (queued -> running, attempts + 1) in one conditional
update, and saves its result only while the check is still running as that attempt.
So a check is never run twice at the same time, and a run the sweeper gave up on
(checker/sweeper.py: its worker died, the check was queued again) cannot overwrite the
run that replaced it.
"""
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from rq.timeouts import JobTimeoutException

from .engine.names import InvalidDomain
from .models import Check
from .pipeline import full_report

log = logging.getLogger(__name__)


def run_check(check_id: str) -> str:
    check = Check.objects.filter(pk=check_id).first()
    if check is None:
        log.warning("check %s vanished before it ran", check_id)
        return "missing"
    if check.is_finished:
        return check.status
    claimed = Check.objects.filter(pk=check.pk, status=Check.Status.QUEUED).update(
        status=Check.Status.RUNNING, started_at=timezone.now(), progress=[], attempts=F("attempts") + 1)
    if not claimed:
        log.warning("check %s of %s is already %s; not starting it again", check.pk, check.domain, check.status)
        return "skipped"
    check.refresh_from_db()
    attempt = check.attempts

    def progress(part: str):
        check.progress = sorted(set(check.progress) | {part})
        Check.objects.filter(pk=check.pk, attempts=attempt).update(progress=check.progress)

    try:
        report = full_report(check.input, settings.CHECKER_CONFIG, progress=progress)
    except InvalidDomain as error:
        return _fail(check, attempt, f"Not a domain name: {error}")
    except JobTimeoutException:  # RQ's job timeout (CHECK_JOB_TIMEOUT) fired inside the engine
        log.warning("check %s of %s hit the job timeout", check.pk, check.domain)
        return _fail(check, attempt, "The check took longer than the time limit and was stopped. Please retry.")
    except Exception as error:  # the engine should never raise; if it does, the check still ends
        log.exception("check %s of %s failed in the engine", check.pk, check.domain)
        return _fail(check, attempt, f"Internal error while checking ({type(error).__name__}). Please retry.")
    check.apply_report(report)
    check.status = Check.Status.DONE
    check.finished_at = timezone.now()
    return _save_if_current(check, attempt)


def _fail(check: Check, attempt: int, reason: str) -> str:
    check.status = Check.Status.FAILED
    check.error = reason
    check.finished_at = timezone.now()
    return _save_if_current(check, attempt, update_fields=["status", "error", "finished_at"])


def _save_if_current(check: Check, attempt: int, update_fields=None) -> str:
    """Save unless the sweeper has meanwhile failed the check or handed it to another attempt."""
    with transaction.atomic():  # SQLite: BEGIN IMMEDIATE; PostgreSQL: the row lock below
        current = (Check.objects.select_for_update().filter(pk=check.pk)
                   .values_list("status", "attempts").first())
        if current != (Check.Status.RUNNING, attempt):
            log.warning("check %s of %s: attempt %s superseded (now %s); result dropped",
                        check.pk, check.domain, attempt, current)
            return "superseded"
        check.save(update_fields=update_fields)
    return check.status
