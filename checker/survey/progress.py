"""Counts, rate and ETA of a survey for `survey status` (from the chunk counters: one query)."""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone

from ..models import Survey, SurveyChunk


@dataclass(frozen=True)
class Snapshot:
    total: int
    checked: int
    skipped: int
    failed: int
    errors: int
    chunks: int
    chunks_done: int
    workers: int           # distinct live leases

    @property
    def finished(self) -> int:
        return self.checked + self.skipped

    @property
    def complete(self) -> bool:
        return self.chunks_done == self.chunks


def snapshot(survey: Survey) -> Snapshot:
    now = timezone.now()
    agg = SurveyChunk.objects.filter(survey=survey).aggregate(
        total=Sum("size"), checked=Sum("checked"), skipped=Sum("skipped"), failed=Sum("failed"),
        errors=Sum("errors"), chunks=Count("pk"), chunks_done=Count("pk", filter=Q(done=True)))
    workers = (SurveyChunk.objects.filter(survey=survey, done=False, lease_until__gt=now)
               .values("owner").distinct().count())
    return Snapshot(**{k: v or 0 for k, v in agg.items()}, workers=workers)


class Rate:
    """Domains per second over the last `window` seconds of samples."""

    def __init__(self, window: float = 15.0):
        self.window = window
        self.samples: deque[tuple[float, int]] = deque()

    def add(self, finished: int, at: float | None = None) -> float | None:
        at = time.monotonic() if at is None else at
        self.samples.append((at, finished))
        while len(self.samples) > 2 and at - self.samples[0][0] > self.window:
            self.samples.popleft()
        (t0, n0), (t1, n1) = self.samples[0], self.samples[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else None


def line(snap: Snapshot, rate: float | None, width: int = 30) -> str:
    share = snap.finished / snap.total if snap.total else 1.0
    filled = int(share * width)
    bar = "#" * filled + "-" * (width - filled)
    speed = f"{rate:7.1f}/s" if rate is not None else "      -/s"
    left = snap.total - snap.finished
    if snap.complete:
        eta = "done"
    elif rate:
        eta = f"ETA {_duration(left / rate)}"
    elif snap.workers == 0:
        eta = "no worker is working on it (start `manage.py rqworker survey`, then `survey run` again)"
    else:
        eta = "ETA -"
    return (f"[{bar}] {snap.finished}/{snap.total} {100 * share:5.1f}% {speed} {eta} | "
            f"errors {snap.errors} failed {snap.failed} opted-out {snap.skipped} workers {snap.workers}")


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s"
