"""The staff statistics page and its exports. Thin: filters -> queries -> tables -> published."""
import secrets
from functools import wraps

from django.conf import settings
from django.contrib.admin import site as admin_site
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..middleware import CONTENT_SECURITY_POLICY
from . import charts, export, queries, tables
from .concurrent import run_all
from .forms import StatsFilterForm
from .published import percent_text, published, shown_count


def staff_only(view):
    """Anonymous visitors go to the admin login; signed-in people who are not staff get 403."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), "admin:login")
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied("staff only")
        return view(request, *args, **kwargs)
    return wrapper


def threshold() -> int:
    return max(1, settings.STATS_MIN_COUNT)


def _compute(request):
    form = StatsFilterForm(request.GET or None, surveys=queries.survey_labels())
    filters = form.filters()
    checks = queries.latest_per_domain(filters)
    results = run_all({"values": lambda: tables.counts(checks), "codes": lambda: tables.top_codes(checks),
                       "days": lambda: queries.per_day(filters)})
    values, days = results["values"], results["days"]
    computed = tables.build(values, results["codes"])
    limit = threshold()
    meta = export.meta(filters, limit)
    day_rows = [{"day": day.isoformat(), "count": shown_count(n, limit)} for day, n in days]
    return form, meta, published(computed, limit), values, days, day_rows


@never_cache
@require_GET
@staff_only
def stats_page(request):
    form, meta, rows, values, days, _day_rows = _compute(request)
    nonce = secrets.token_urlsafe(16)
    for table in rows:
        for row in table["rows"]:
            row["percent_text"] = percent_text(row)
    context = {
        **admin_site.each_context(request),
        "title": "Statistics",
        "form": form,
        "meta": meta,
        "tables": rows,
        "charts": charts.charts(values, days, threshold(), nonce),
        "query": request.GET.urlencode(),
    }
    response = render(request, "stats/stats.html", context)
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
        "style-src 'self'", f"style-src 'self' 'nonce-{nonce}'")
    return response


@never_cache
@require_GET
@staff_only
def stats_export(request, fmt):
    _form, meta, rows, _values, _days, day_rows = _compute(request)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    if fmt == "csv":
        response = HttpResponse(export.as_csv(meta, rows, day_rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(export.as_json(meta, rows, day_rows), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="checker-stats-{stamp}.{fmt}"'
    return response
