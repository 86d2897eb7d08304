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
        report = without_nul(report)
        self.report = report
        self.grade = report.get("grade")
        self.score = report.get("score")
        self.dnssec_status = (report.get("dnssec") or {}).get("status", "")
        self.mx_status = (report.get("mx") or {}).get("status", "")
        self.dane_status = (report.get("dane") or {}).get("status", "")
        self.mta_sts_status = (report.get("mta_sts") or {}).get("status", "")
        self.tls_rpt_status = (report.get("tls_rpt") or {}).get("status", "")
