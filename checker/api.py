"""JSON API v1 (README "API"): POST /api/v1/checks, GET /api/v1/checks/<uuid>."""
import json
import logging

from django.db import DatabaseError
from django.http import JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from .engine.names import InvalidDomain
from .models import Check
from .submit import RateLimited, client_address, submit

log = logging.getLogger(__name__)


def _error(message: str, status: int, **extra) -> JsonResponse:
    response = JsonResponse({"error": message, **extra}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _urls(request, check: Check) -> dict:
    return {
        "url": request.build_absolute_uri(reverse("check", args=[check.pk])),
        "api_url": request.build_absolute_uri(reverse("api-check", args=[check.pk])),
    }


def _iso(value):
    return value.isoformat().replace("+00:00", "Z") if value else None


def _read_domain(request):
    """The domain from a JSON body ({"domain": ...}) or, for convenience, a form field."""
    if request.content_type == "application/json" or request.body.lstrip()[:1] == b"{":
        try:
            body = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            raise InvalidDomain("the request body is not valid JSON") from None
        if not isinstance(body, dict) or "domain" not in body:
            raise InvalidDomain('send a JSON object like {"domain": "example.fi"}')
        return body["domain"]
    if "domain" in request.POST:
        return request.POST["domain"]
    raise InvalidDomain('send a JSON object like {"domain": "example.fi"}')


USAGE = {
    "create": 'POST /api/v1/checks with {"domain": "example.fi"} -> 202 {id, status, url, api_url}',
    "read": "GET /api/v1/checks/<id> -> {status, progress, ..., report (when status is done)}",
}


@csrf_exempt  # no cookies or sessions are involved: nothing for a cross-site request to ride on
@require_http_methods(["GET", "POST"])
def create_check(request):
    if request.method == "GET":
        return JsonResponse({"usage": USAGE})
    try:
        result = submit(_read_domain(request), client_address(request))
    except InvalidDomain as error:
        return _error(str(error), 400)
    except RateLimited as limited:
        response = _error(
            f"rate limit reached; try again in {limited.retry_after} seconds", 429, retry_after=limited.retry_after
        )
        response["Retry-After"] = str(limited.retry_after)
        return response
    except DatabaseError:
        log.exception("database error in POST /api/v1/checks")
        return _error("temporarily unavailable; try again shortly", 503)
    check = result.check
    body = {
        "id": str(check.pk),
        "domain": check.domain,
        "status": check.status,
        "reused": result.reused,
        **_urls(request, check),
    }
    response = JsonResponse(body, status=202)
    response["Location"] = body["api_url"]
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@require_GET
def check_detail(request, check_id):
    try:
        check = Check.objects.filter(pk=check_id).first()
    except DatabaseError:
        log.exception("database error in GET /api/v1/checks/%s", check_id)
        return _error("temporarily unavailable; try again shortly", 503)
    if check is None:
        return _error("no such check", 404)
    body = {
        "id": str(check.pk),
        "domain": check.domain,
        "input": check.input,
        "status": check.status,
        "progress": list(check.progress or []),
        "created_at": _iso(check.created_at),
        "started_at": _iso(check.started_at),
        "finished_at": _iso(check.finished_at),
        "error": check.error or None,
        **_urls(request, check),
        "report": check.report if check.status == Check.Status.DONE else None,
    }
    return JsonResponse(body)
