"""The `latest` flag: true on the newest finished (done) check of each domain, so the
statistics find one check per domain with an indexed filter instead of a per-row subquery.

It is kept right by a post_save/post_delete receiver (connected in checker/apps.py) for every
save through the ORM. Code that writes checks in bulk or moves `created_at` with update()
calls `refresh(domain)` or `rebuild()` itself. checker/stats/queries.py uses the flag only
when it gives the exact answer (a window ending now, every source) and a NOT EXISTS subquery
otherwise.
"""
from django.db import transaction
from django.db.models import Exists, OuterRef

from ..models import Check


def refresh(domain: str) -> None:
    """Set the flag on `domain`'s newest done check and clear it elsewhere. The done rows are
    locked (PostgreSQL) or the transaction is IMMEDIATE (SQLite), so two workers finishing
    checks of one domain at once cannot both leave their check flagged."""
    with transaction.atomic():
        rows = list(Check.objects.select_for_update().filter(domain=domain)
                    .filter(status=Check.Status.DONE).order_by("-created_at", "-pk").values_list("pk", "latest"))
        stale = [pk for pk, flagged in rows[1:] if flagged]
        if stale:
            Check.objects.filter(pk__in=stale).update(latest=False)
        if rows and not rows[0][1]:
            Check.objects.filter(pk=rows[0][0]).update(latest=True)
        Check.objects.filter(domain=domain, latest=True).exclude(status=Check.Status.DONE).update(latest=False)


def rebuild(checks=None) -> int:
    """Recompute the flag for every check (or those of `checks`' domains) in two statements."""
    newer = Check.objects.filter(domain=OuterRef("domain"), status=Check.Status.DONE,
                                 created_at__gt=OuterRef("created_at"))
    scope = Check.objects.all() if checks is None else Check.objects.filter(domain__in=checks.values("domain"))
    flagged = scope.filter(status=Check.Status.DONE).filter(~Exists(newer)).values("pk")
    scope.filter(latest=True).update(latest=False)
    return Check.objects.filter(pk__in=flagged).update(latest=True)


def on_save(sender, instance, **kwargs):
    if instance.status == Check.Status.DONE or instance.latest:
        refresh(instance.domain)


def on_delete(sender, instance, **kwargs):
    # The in-memory instance may not know it holds the flag (refresh sets it with update()).
    if instance.status == Check.Status.DONE or instance.latest:
        refresh(instance.domain)
