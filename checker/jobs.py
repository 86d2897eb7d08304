"""The RQ job: load the check, run the engine, grade, save. Nothing else."""
import logging

from django.conf import settings
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
    check.status = Check.Status.RUNNING
    check.started_at = timezone.now()
    check.progress = []
    check.save(update_fields=["status", "started_at", "progress"])

    def progress(part: str):
        check.progress = sorted(set(check.progress) | {part})
        Check.objects.filter(pk=check.pk).update(progress=check.progress)

    try:
        report = full_report(check.input, settings.CHECKER_CONFIG, progress=progress)
    except InvalidDomain as error:
        return _fail(check, f"Not a domain name: {error}")
    except JobTimeoutException:  # RQ's job timeout (CHECK_JOB_TIMEOUT) fired inside the engine
        log.warning("check %s of %s hit the job timeout", check.pk, check.domain)
        return _fail(check, "The check took longer than the time limit and was stopped. Please retry.")
    except Exception as error:  # the engine should never raise; if it does, the check still ends
        log.exception("check %s of %s failed in the engine", check.pk, check.domain)
        return _fail(check, f"Internal error while checking ({type(error).__name__}). Please retry.")
    check.apply_report(report)
    check.status = Check.Status.DONE
    check.finished_at = timezone.now()
    check.save()
    return check.status


def _fail(check: Check, reason: str) -> str:
    check.status = Check.Status.FAILED
    check.error = reason
    check.finished_at = timezone.now()
    check.save(update_fields=["status", "error", "finished_at"])
    return check.status
