"""JSON API v1 (README "API"): POST /api/v1/checks, GET /api/v1/checks/<uuid>, GET /api/v1/schema.json."""
import hashlib
import json
import logging
from functools import lru_cache, wraps
from pathlib import Path

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from .engine.names import InvalidDomain
from .models import Check
from .submit import RateLimited, client_address, submit

log = logging.getLogger(__name__)
# {"domain": ...} with the longest input we accept (names.MAX_INPUT) fits easily.
MAX_BODY = 4096


class BadRequest(Exception):
    """The request itself is unusable (not JSON, too large); str() is the message for the caller."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


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


def allow(*methods):
    """Like Django's require_http_methods, but the 405 is JSON like every other API answer."""
    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in methods:
                response = _error(f"method not allowed; use {' or '.join(methods)}", 405)
                response["Allow"] = ", ".join(methods)
                return response
            return view(request, *args, **kwargs)
        return wrapper
    return decorate


def _read_domain(request):
    """The domain from a JSON body ({"domain": ...}) or, for convenience, a form field."""
    too_large = BadRequest(f"the request body is larger than {MAX_BODY} bytes", 413)
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY:
            raise too_large
        raw = request.body
    except ValueError:  # a Content-Length that is not a number
        raise BadRequest("bad Content-Length") from None
    except RequestDataTooBig:
        raise too_large from None
    if len(raw) > MAX_BODY:
        raise too_large
    if request.content_type == "application/json" or raw.lstrip()[:1] == b"{":
        try:
            body = json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: [[[[... nested deeply
            raise BadRequest("the request body is not valid JSON") from None
        if not isinstance(body, dict) or "domain" not in body:
            raise BadRequest('send a JSON object like {"domain": "example.fi"}')
        return body["domain"]
    if "domain" in request.POST:
        return request.POST["domain"]
    raise BadRequest('send a JSON object like {"domain": "example.fi"}')


USAGE = {
    "create": 'POST /api/v1/checks with {"domain": "example.fi"} -> 202 {id, status, url, api_url}',
    "read": "GET /api/v1/checks/<id> -> {status, progress, ..., report (when status is done)}",
}


@csrf_exempt  # no cookies or sessions are involved: nothing for a cross-site request to ride on
@allow("GET", "POST")
def create_check(request):
    if request.method == "GET":
        return JsonResponse({"usage": USAGE})
    try:
        result = submit(_read_domain(request), client_address(request), source=Check.Source.API)
    except BadRequest as error:
        return _error(str(error), error.status)
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
@allow("GET")
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


# The JSON Schema of the report (docs/report.schema.json; additions: docs/report-additions.md).
SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "report.schema.json"
SCHEMA_CACHE_SECONDS = 3600


@lru_cache(maxsize=1)
def _schema() -> tuple[bytes, str]:
    """The schema file's bytes and their ETag; read once per process (it changes only on deploy)."""
    body = SCHEMA_PATH.read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


@allow("GET", "HEAD")
def report_schema(request):
    body, etag = _schema()
    response = HttpResponse(body, content_type="application/schema+json")
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={SCHEMA_CACHE_SECONDS}"
    response["Access-Control-Allow-Origin"] = "*"  # public, static, no credentials: usable from any validator
    # If-None-Match with the current ETag: 304 carrying the same caching headers.
    return get_conditional_response(request, etag=etag, response=response)
