import uuid

from django.db import models

from .summary import summarise


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

    # Summary columns (copied from the report) for statistics and listings.
    grade = models.CharField(max_length=2, null=True, blank=True, db_index=True)
    score = models.SmallIntegerField(null=True, blank=True)
    dnssec_status = models.CharField(max_length=16, blank=True, db_index=True)
    mx_status = models.CharField(max_length=16, blank=True, db_index=True)
    dane_status = models.CharField(max_length=16, blank=True, db_index=True)
    mta_sts_status = models.CharField(max_length=16, blank=True, db_index=True)
    tls_rpt_status = models.CharField(max_length=16, blank=True, db_index=True)

    # Where the check came from; a survey's rows carry their survey (one row per domain).
    class Source(models.TextChoices):
        WEB = "web"
        API = "api"
        SURVEY = "survey"

    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB, db_index=True)
    survey = models.ForeignKey("Survey", null=True, blank=True, on_delete=models.CASCADE, related_name="checks")
    # Statistics columns, filled from checker.summary.summarise(report) by apply_report.
    ds_present = models.BooleanField(null=True, blank=True, db_index=True)
    mta_sts_host = models.CharField(max_length=16, blank=True, db_index=True)
    mta_sts_policy = models.CharField(max_length=16, blank=True, db_index=True)
    mta_sts_fetch_error = models.CharField(max_length=16, blank=True, db_index=True)
    mta_sts_mode = models.CharField(max_length=8, blank=True, db_index=True)
    mta_sts_record = models.CharField(max_length=16, blank=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["domain", "-created_at"])]
        ordering = ["-created_at"]
        constraints = [
            # A survey counts each domain once, whatever workers died or retried (checker/survey/).
            models.UniqueConstraint(fields=["survey", "domain"], condition=models.Q(survey__isnull=False),
                                    name="check_survey_domain_once"),
        ]

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
        for column, value in summarise(report).items():
            setattr(self, column, value)


class Survey(models.Model):
    """A list of domains (a zone, or a plain list) scanned like the thesis did (checker/survey/).
    Its results are Check rows with source "survey" and this survey, one per domain."""

    name = models.SlugField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    source_file = models.CharField(max_length=1024, blank=True)
    profile = models.CharField(max_length=16, blank=True)     # engine.run.PROFILES, set by `survey run`
    full_reports = models.BooleanField(default=False)         # keep each domain's whole report
    chunk_size = models.PositiveIntegerField(default=500)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name


class SurveyDomain(models.Model):
    """One domain of a survey: what to check, and whether it has been (exactly once)."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(max_length=253)
    line = models.PositiveIntegerField()                      # where the import found it
    chunk = models.PositiveIntegerField()
    ds_in_zone = models.BooleanField(null=True)               # the zone file's DS (None: a plain list)
    opted_out = models.BooleanField(default=False)
    done = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "domain"], name="survey_domain_once")]
        indexes = [models.Index(fields=["survey", "chunk", "done"], name="survey_domain_chunk")]


class SurveyChunk(models.Model):
    """A slice of a survey's domains, leased by one worker at a time. A lease that is not
    renewed (the worker died) expires and another worker takes the chunk over."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="chunks")
    number = models.PositiveIntegerField()
    size = models.PositiveIntegerField()
    done = models.BooleanField(default=False)
    owner = models.CharField(max_length=100, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    checked = models.PositiveIntegerField(default=0)          # domains finished (exactly once each)
    failed = models.PositiveIntegerField(default=0)           # of those, the engine failed
    errors = models.PositiveIntegerField(default=0)           # of those, DNS lookups failed (mx error)
    skipped = models.PositiveIntegerField(default=0)          # opted out, never contacted

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "number"], name="survey_chunk_once")]
