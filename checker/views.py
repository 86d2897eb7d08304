"""HTML pages. Thin: the work is in submit.py (new checks) and presenter.py (report shape)."""
import logging

from django.core.cache import cache
from django.db import DatabaseError
from django.http import Http404, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
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
REPORT_CACHE_SECONDS = 3600
# A finished check's page is kept whole for a few seconds (the "other checks" list may lag
# that much). The visitor's own CSRF token is put back into it on every hit.
PAGE_CACHE_SECONDS = 10
CSRF_PLACEHOLDER = "\x00csrf-token\x00"


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
    # The page holds the share link, built from the scheme and host of this request.
    key = f"check-page:v1:{check_id}:{request.scheme}://{request.get_host()}"
    cached = cache.get(key)
    if cached is not None:
        return HttpResponse(cached.replace(CSRF_PLACEHOLDER, get_token(request)))
    response = _render_check_page(request, check_id)
    if getattr(response, "cacheable", False):
        page = response.content.decode().replace(response.csrf_token, CSRF_PLACEHOLDER)
        cache.set(key, page, PAGE_CACHE_SECONDS)
    return response


def _render_check_page(request, check_id):
    try:
        # The report JSON is only read when its rendering is not cached yet.
        check = Check.objects.filter(pk=check_id).defer("report").first()
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
        "previous": _previous_report(check),
    }
    if check.status == Check.Status.DONE:
        try:
            context["report_html"], context["duration_ms"] = _report_html(check)
        except DatabaseError:
            log.exception("database error while loading the report of check %s", check.pk)
            return render(request, "check/unavailable.html", {"check_id": check_id}, status=503)
        except Exception:  # a malformed stored report must not turn into a 500 page
            log.exception("could not present the report of check %s (%s)", check.pk, check.domain)
            context["report_broken"] = True
    # get_token() masks differently on each call: fix the one the page holds, to find it again.
    context["csrf_token"] = get_token(request)
    response = render(request, "check/check.html", context)
    response.csrf_token = context["csrf_token"]
    response.cacheable = check.is_finished and not context.get("report_broken")
    return response


def _previous_report(check: Check):
    """The domain's finished check before this one (the report page links to it)."""
    before = Check.objects.filter(domain=check.domain, status=Check.Status.DONE, created_at__lt=check.created_at)
    return before.only("id", "created_at", "finished_at", "grade").order_by("-created_at").first()


def _report_html(check: Check):
    """The rendered report part of the page. A finished report never changes, so it is
    rendered once per process and check (the cache key includes the finish time anyway)."""
    key = f"report-html:v1:{check.pk}:{check.finished_at.timestamp() if check.finished_at else 0}"
    cached = cache.get(key)
    if cached is None:
        report = presenter.as_dict(check.report)
        html = render_to_string("check/_report.html", {"r": presenter.summary(report), "check": check})
        duration = report.get("duration_ms") if isinstance(report.get("duration_ms"), int) else None
        cached = (html, duration)
        cache.set(key, cached, REPORT_CACHE_SECONDS)
    html, duration = cached
    return mark_safe(html), duration  # rendered by our template, with autoescaping on


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
    key = f"check-status:v1:{check_id}"
    payload = cache.get(key)  # only finished checks are kept: their status no longer changes
    if payload is not None:
        return JsonResponse(payload)
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
    payload = status_payload(check)
    if check.is_finished:
        cache.set(key, payload, PAGE_CACHE_SECONDS)
    return JsonResponse(payload)
