import uuid

from django.db import models


def without_nul(value):
    """`value` (a report: any JSON value) with every NUL written as the text \\x00.
    PostgreSQL's jsonb cannot hold U+0000, and a TXT record or policy file may contain it."""
    if isinstance(value, str):
        return value.replace("\x00", "\\x00")
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_nul(item) for item in value]
    return value


GRADES = ("A+", "A", "B", "C", "D", "E", "F")


class Check(models.Model):
    """One check of one domain. The UUID is the permanent, unguessable share link."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    domain = models.CharField(max_length=253, db_index=True)
    input = models.CharField(max_length=1024)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    progress = models.JSONField(default=list, blank=True)  # names of the parts already done
    error = models.TextField(blank=True)
    client = models.CharField(max_length=64, blank=True, db_index=True)  # hashed client address
    report = models.JSONField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)  # runs started (a lost run is retried once)

    # Summary columns (copied from the report) for statistics and listings.
    grade = models.CharField(max_length=2, null=True, blank=True, db_index=True)
    score = models.SmallIntegerField(null=True, blank=True)
    dnssec_status = models.CharField(max_length=16, blank=True, db_index=True)
    mx_status = models.CharField(max_length=16, blank=True, db_index=True)
    dane_status = models.CharField(max_length=16, blank=True, db_index=True)
    mta_sts_status = models.CharField(max_length=16, blank=True, db_index=True)
    tls_rpt_status = models.CharField(max_length=16, blank=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["domain", "-created_at"])]
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.domain} ({self.status})"

    @property
    def is_finished(self):
        return self.status in (self.Status.DONE, self.Status.FAILED)

    def apply_report(self, report: dict):
        """Store the report and copy its summary into the indexed columns. The columns take
        only values that fit them, so an odd report can never make the save fail."""
        report = without_nul(report)
        self.report = report
        grade, score = report.get("grade"), report.get("score")
        self.grade = grade if grade in GRADES else None
        self.score = score if isinstance(score, int) and 0 <= score <= 100 else None
        for column, section in (("dnssec_status", "dnssec"), ("mx_status", "mx"), ("dane_status", "dane"),
                                ("mta_sts_status", "mta_sts"), ("tls_rpt_status", "tls_rpt")):
            part = report.get(section)
            value = part.get("status") if isinstance(part, dict) else None
            limit = self._meta.get_field(column).max_length
            setattr(self, column, value if isinstance(value, str) and len(value) <= limit else "")
