"""Which checks the statistics count: the latest finished check of each domain among the
checks that match the filters (time window, source), picked in the database."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Substr, TruncDate
from django.utils import timezone

from ..models import Check, Survey

WINDOWS = {"24h": dt.timedelta(hours=24), "7d": dt.timedelta(days=7), "30d": dt.timedelta(days=30), "all": None}
SOURCES = ("all", "web", "api", "survey", "monitor")


@dataclass(frozen=True)
class Filters:
    window: str = "30d"                 # a WINDOWS key, or "range"
    start: dt.datetime | None = None    # inclusive; computed for relative windows
    end: dt.datetime | None = None      # exclusive; None = now
    source: str = "all"
    survey: str | None = None           # one survey run's label (source "survey")

    @classmethod
    def relative(cls, window: str = "30d", source: str = "all", survey: str | None = None, now=None):
        delta = WINDOWS[window]
        start = (now or timezone.now()) - delta if delta else None
        return cls(window, start, None, source, survey)

    def describe(self) -> dict:
        """The filters as plain values, written into the exports."""
        return {
            "window": self.window,
            "from": self.start.isoformat() if self.start else None,
            "to": self.end.isoformat() if self.end else None,
            "source": self.source,
            "survey": self.survey,
        }

    def q(self) -> Q:
        q = Q(status=Check.Status.DONE)
        if self.start is not None:
            q &= Q(created_at__gte=self.start)
        if self.end is not None:
            q &= Q(created_at__lt=self.end)
        if self.source != "all":
            q &= Q(source=self.source)
        if self.survey:
            # By id, not a join on the name: the row scans stay inside the covering index.
            survey_id = Survey.objects.filter(name=self.survey).values_list("id", flat=True).first()
            q &= Q(survey_id=survey_id if survey_id is not None else -1)
        return q


def matching(filters: Filters):
    return Check.objects.filter(filters.q())


def latest_per_domain(filters: Filters):
    """One check per domain: the newest matching one.

    For a window that ends now over every source, that is the domain's newest done check
    (the `latest` flag, checker/stats/latest.py): if it is older than the window's start, so
    is every other. Otherwise NOT EXISTS (a newer matching check of the same domain), an
    index probe per row on (domain, status, created_at)."""
    if filters.end is None and filters.source == "all" and not filters.survey:
        return Check.objects.filter(filters.q(), latest=True).order_by()
    newer = Check.objects.filter(filters.q(), domain=OuterRef("domain"), created_at__gt=OuterRef("created_at"))
    return Check.objects.filter(filters.q()).filter(~Exists(newer)).order_by()


def per_day(filters: Filters) -> list[tuple[dt.date, int]]:
    """Finished checks per day (every check, not one per domain: how busy the checker was)."""
    if connection.vendor == "sqlite":
        # SQLite keeps datetimes as UTC text "YYYY-MM-DD HH:MM:SS"; TruncDate would call a
        # Python function per row (seconds at 500,000 rows), the first ten characters do not.
        day = Substr("created_at", 1, 10)
    else:
        day = TruncDate("created_at", tzinfo=dt.timezone.utc)
    rows = matching(filters).annotate(day=day).values("day").annotate(n=Count("*")).order_by("day")
    return [(_as_date(row["day"]), row["n"]) for row in rows]


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def survey_labels() -> list[str]:
    """The survey runs that have results, by name (checker/survey/)."""
    return list(Survey.objects.filter(checks__isnull=False).values_list("name", flat=True)
                .distinct().order_by("name")[:200])
