"""GET /badge/<domain>.svg: the latest grade of a domain and the date of that check, as a small
SVG, cacheable. A grade from a check older than twice the re-check interval is marked stale
(grey): the domain is not being watched, or its checks stopped."""
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from .engine.names import InvalidDomain, normalize_domain
from .models import Check

COLOURS = {  # dark enough for white text (WCAG AA, 4.5:1)
    "A+": "#1a7f37", "A": "#1a7f37", "B": "#4d7c0f", "C": "#9a6700",
    "D": "#bc4c00", "E": "#c4321f", "F": "#b42318",
}
UNKNOWN = "#57606a"
CACHE_SECONDS = 300
CHAR_WIDTH = 7  # Verdana 11px average; enough to size the two boxes


def _svg(label: str, value: str, colour: str) -> str:
    left = len(label) * CHAR_WIDTH + 12
    right = max(len(value) * CHAR_WIDTH + 12, 24)
    return render_to_string("badge.svg", {
        "label": label, "value": value, "colour": colour,
        "left": left, "right": right, "width": left + right,
        "left_mid": left / 2, "right_mid": left + right / 2,
    })


@require_GET
def badge(request, domain):
    try:
        name = normalize_domain(domain)
    except InvalidDomain:
        return HttpResponse(_svg("mail security", "invalid", UNKNOWN), content_type="image/svg+xml", status=404)
    try:
        latest = (
            Check.objects.filter(domain=name, status=Check.Status.DONE)
            .only("grade", "finished_at").order_by("-finished_at").first()
        )
    except DatabaseError:
        latest = None
    if latest is None:
        value, colour, max_age = "not checked", UNKNOWN, 60
    elif latest.grade is None:
        value, colour, max_age = "no mail", UNKNOWN, CACHE_SECONDS
    else:
        value, colour, max_age = latest.grade, COLOURS.get(latest.grade, UNKNOWN), CACHE_SECONDS
    if latest is not None and latest.finished_at is not None:
        value = f"{value} {latest.finished_at:%Y-%m-%d}"
        if timezone.now() - latest.finished_at > 2 * timedelta(seconds=settings.MONITOR_INTERVAL_SECONDS):
            value, colour = f"{value} stale", UNKNOWN
    response = HttpResponse(_svg("mail security", value, colour), content_type="image/svg+xml")
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response
