"""HTML pages. Thin: the work is in submit.py (new checks) and presenter.py (report shape)."""
import logging

from django.db import DatabaseError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from . import presenter
from .engine.names import InvalidDomain, display_name
from .forms import DomainForm
from .models import Check
from .submit import RateLimited, client_address, submit

log = logging.getLogger(__name__)
RECENT_LIMIT = 10
POLL_SECONDS = 2  # meta refresh interval when JavaScript is off


def rate_limited_response(request, retry_after: int):
    response = render(request, "429.html", {"retry_after": retry_after, "minutes": -(-retry_after // 60)}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


@require_http_methods(["GET", "HEAD", "POST"])
def home(request):
    form = DomainForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = submit(form.cleaned_data["domain"], client_address(request))
        except InvalidDomain as error:
            form.add_error("domain", f"That is not a domain we can check: {error}.")
        except RateLimited as limited:
            return rate_limited_response(request, limited.retry_after)
        except DatabaseError:
            log.exception("database error while submitting %r", form.cleaned_data["domain"][:100])
            form.add_error(None, "We could not save your check just now. Please try again in a minute.")
        else:
            return redirect("check", check_id=result.check.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "home.html", {"form": form}, status=status)


def _progress(check: Check) -> list[dict]:
    done = set(presenter.as_text_list(check.progress))
    return [{"key": key, "label": label, "done": key in done} for key, label in presenter.PARTS]


@never_cache
@require_GET
def check_page(request, check_id):
    try:
        check = Check.objects.filter(pk=check_id).first()
        if check is None:
            raise Http404("no such check")
        recent = list(
            Check.objects.filter(domain=check.domain).exclude(pk=check.pk)
            .only("id", "created_at", "status", "grade", "score").order_by("-created_at")[:RECENT_LIMIT]
        )
    except DatabaseError:
        log.exception("database error while loading check %s", check_id)
        return render(request, "check/unavailable.html", {"check_id": check_id}, status=503)
    context = {
        "check": check,
        "domain_display": display_name(check.domain),
        "recent": recent,
        "progress": _progress(check),
        "poll_seconds": POLL_SECONDS,
        "waiting_for_queue": check.status == Check.Status.QUEUED and check.enqueued_at is None,
    }
    if check.status == Check.Status.DONE:
        try:
            context["report"] = presenter.summary(presenter.as_dict(check.report))
        except Exception:  # a malformed stored report must not turn into a 500 page
            log.exception("could not present the report of check %s (%s)", check.pk, check.domain)
            context["report_broken"] = True
    return render(request, "check/check.html", context)


def status_payload(check: Check) -> dict:
    return {
        "id": str(check.pk),
        "domain": check.domain,
        "status": check.status,
        "finished": check.is_finished,
        "progress": presenter.as_text_list(check.progress),
        "waiting_for_queue": check.status == Check.Status.QUEUED and check.enqueued_at is None,
        "url": reverse("check", args=[check.pk]),
    }


@never_cache
@require_GET
def check_status(request, check_id):
    """Polled by static/js/check.js while a check runs: small and cheap."""
    try:
        check = (
            Check.objects.filter(pk=check_id)
            .only("id", "domain", "status", "progress", "enqueued_at").first()
        )
    except DatabaseError:
        log.exception("database error while polling check %s", check_id)
        return JsonResponse({"error": "temporarily unavailable"}, status=503)
    if check is None:
        return JsonResponse({"error": "no such check"}, status=404)
    return JsonResponse(status_payload(check))
