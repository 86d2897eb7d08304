"""Pages and API of monitoring: history, diff, chart, watch / confirm / unsubscribe. Thin."""
from __future__ import annotations

import logging
import math

from django.core.paginator import EmptyPage, Paginator
from django.db import DatabaseError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..engine.names import InvalidDomain, display_name, normalize_domain
from ..models import Check
from ..pipeline import GRADING_VERSION
from ..submit import client_address
from . import chart, jobs, sections, watching
from .diff import compare

log = logging.getLogger(__name__)
HISTORY_ROWS = 100     # checks listed on the page (the API pages through all of them)
API_PAGE_SIZE = 50
CHART_POINTS = 365
HISTORY_FIELDS = ("id", "domain", "created_at", "started_at", "finished_at", "grade", "score",
                  "dnssec_status", "mx_status", "dane_status", "mta_sts_status", "tls_rpt_status")


def _domain_or_404(name: str) -> str:
    try:
        return normalize_domain(name)
    except InvalidDomain:
        raise Http404("not a domain name") from None


def finished_checks(domain: str):
    return Check.objects.filter(domain=domain, status=Check.Status.DONE).order_by("-finished_at")


def _row(check: Check) -> dict:
    report = check.report if isinstance(check.report, dict) else {}
    version = report.get("grading_version")
    return {
        "id": str(check.pk), "check": check, "grade": check.grade, "score": check.score,
        "checked_at": report.get("checked_at") if isinstance(report.get("checked_at"), str) else None,
        "grading_version": version if isinstance(version, int) else None,
        "sections": sections.statuses(report),
    }


def _diff_pair(rows: list[dict], request) -> tuple[dict | None, dict | None]:
    by_id = {row["id"]: row for row in rows}
    older, newer = by_id.get(request.GET.get("from", "")), by_id.get(request.GET.get("to", ""))
    if older is None and newer is None and len(rows) >= 2:
        older, newer = rows[1], rows[0]
    if older and newer and older["check"].finished_at > newer["check"].finished_at:
        older, newer = newer, older
    return older, newer


@require_GET
def history(request, name):
    domain = _domain_or_404(name)
    if name != domain:
        return redirect("domain-history", name=domain)
    try:
        rows = [_row(c) for c in finished_checks(domain)[:HISTORY_ROWS]]
    except DatabaseError:
        log.exception("database error while loading the history of %s", domain)
        return render(request, "check/unavailable.html", {"check_id": None}, status=503)
    older, newer = _diff_pair(rows, request)
    changes = compare(older["check"].report, newer["check"].report) if older and newer else None
    return render(request, "monitoring/history.html", {
        "domain": domain, "domain_display": display_name(domain), "rows": rows, "labels": sections.SECTIONS,
        "older": older, "newer": newer, "changes": changes, "grading_version": GRADING_VERSION,
    })


@require_GET
def history_chart(request, name):
    domain = _domain_or_404(name)
    try:
        points = list(finished_checks(domain).values_list("finished_at", "score")[:CHART_POINTS])
    except DatabaseError:
        return HttpResponse(status=503)
    svg = chart.grade_chart(list(reversed(points)), f"Score of {domain} over time")
    response = HttpResponse(svg, content_type="image/svg+xml")
    # pygal styles its SVG inline; nothing else is allowed in it (no script, no external loads).
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def history_api(request, name):
    try:
        domain = normalize_domain(name)
    except InvalidDomain as error:
        return JsonResponse({"error": f"not a domain name: {error}"}, status=400)
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        return JsonResponse({"error": "page must be a whole number"}, status=400)
    try:
        paginator = Paginator(finished_checks(domain).only(*HISTORY_FIELDS, "report"), API_PAGE_SIZE)
        count = paginator.count
        if number < 1 or (count and number > paginator.num_pages):
            return JsonResponse({"error": f"no page {number}"}, status=404)
        page = paginator.page(number) if count else None
    except EmptyPage:
        return JsonResponse({"error": f"no page {number}"}, status=404)
    except DatabaseError:
        return JsonResponse({"error": "temporarily unavailable"}, status=503)
    base = request.build_absolute_uri(reverse("api-domain-history", args=[domain]))
    results = []
    for check in page.object_list if page else []:
        row = _row(check)
        results.append({
            "id": row["id"], "checked_at": row["checked_at"],
            "finished_at": check.finished_at.isoformat() if check.finished_at else None,
            "grade": check.grade, "score": check.score, "grading_version": row["grading_version"],
            "sections": row["sections"],
            "url": request.build_absolute_uri(reverse("check", args=[check.pk])),
            "api_url": request.build_absolute_uri(reverse("api-check", args=[check.pk])),
        })
    pages = math.ceil(count / API_PAGE_SIZE) if count else 0
    return JsonResponse({
        "domain": domain, "page": number, "pages": pages, "count": count, "results": results,
        "next": f"{base}?page={number + 1}" if number < pages else None,
        "previous": f"{base}?page={number - 1}" if number > 1 else None,
    })


def _refused(request, domain, message, status, retry_after=None):
    response = render(request, "monitoring/watch_result.html",
                      {"domain": domain, "domain_display": display_name(domain), "error": message}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
def watch(request, name):
    domain = _domain_or_404(name)
    site_url = f"{request.scheme}://{request.get_host()}"
    try:
        result = watching.request_watch(domain, request.POST.get("email", "")[:300],
                                        request.POST.get("webhook_url", "")[:2100], client_address(request), site_url)
    except watching.WatchRefused as refused:
        return _refused(request, domain, str(refused), refused.status, refused.retry_after)
    except DatabaseError:
        log.exception("database error while saving a watch of %s", domain)
        return _refused(request, domain, "We could not save your request just now. Please try again later.", 503)
    watch = result.watch
    sent = True
    if watch.confirmed_at is None:
        sent = jobs.enqueue_delivery(jobs.deliver_confirmation, str(watch.pk))
    return render(request, "monitoring/watch_result.html", {
        "domain": domain, "domain_display": display_name(domain), "watch": watch, "created": result.created,
        "sent": sent, "already": watch.confirmed_at is not None,
        # The signing key is shown once, to whoever made the webhook watch.
        "secret": watch.secret if watch.kind == watch.Kind.WEBHOOK and result.created else None,
    }, status=202 if watch.confirmed_at is None else 200)


@never_cache
@require_GET
def confirm(request, token):
    watch = watching.confirm(token[:100])
    if watch is None:
        return render(request, "monitoring/confirmed.html", {"watch": None}, status=404)
    return render(request, "monitoring/confirmed.html",
                  {"watch": watch, "domain_display": display_name(watch.domain)})


@never_cache
@csrf_exempt  # RFC 8058 one-click: the mail client POSTs without our cookie; the token is the secret
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    domain = watching.unsubscribe(token[:100])
    return render(request, "monitoring/unsubscribed.html",
                  {"domain": domain, "domain_display": display_name(domain) if domain else None},
                  status=200 if domain else 404)
