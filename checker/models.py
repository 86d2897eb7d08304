import uuid

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from checker.engine.registry import PROTOCOLS
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
    attempts = models.PositiveSmallIntegerField(default=0)  # runs started (a lost run is retried once)

    # Summary columns (copied from the report) for statistics and listings.
    grade = models.CharField(max_length=2, null=True, blank=True, db_index=True)
    score = models.SmallIntegerField(null=True, blank=True)
    dnssec_status = models.CharField(max_length=16, blank=True, db_index=True)
    mx_status = models.CharField(max_length=16, blank=True, db_index=True)
    dane_status = models.CharField(max_length=16, blank=True, db_index=True)
    mta_sts_status = models.CharField(max_length=16, blank=True, db_index=True)
    tls_rpt_status = models.CharField(max_length=16, blank=True, db_index=True)

    # Where the check came from, for the statistics' source filter (checker/stats/).
    class Source(models.TextChoices):
        WEB = "web"
        API = "api"
        SURVEY = "survey"
        MONITOR = "monitor"  # a scheduled re-check of a watched domain (checker/monitoring/)

    source = models.CharField(max_length=8, choices=Source.choices, default=Source.WEB, db_index=True)
    # A survey's rows carry their survey (one row per domain, checker/survey/).
    survey = models.ForeignKey("Survey", null=True, blank=True, on_delete=models.CASCADE, related_name="checks")
    # Statistics columns, filled from checker.summary.summarise(report) by apply_report.
    ds_present = models.BooleanField(null=True, blank=True, db_index=True)
    starttls_coverage = models.CharField(max_length=16, blank=True, db_index=True)
    tls_version_min = models.CharField(max_length=8, blank=True, db_index=True)
    webpki_coverage = models.CharField(max_length=16, blank=True, db_index=True)
    dane_verified = models.CharField(max_length=16, blank=True, db_index=True)
    mta_sts_host = models.CharField(max_length=16, blank=True, db_index=True)
    mta_sts_policy = models.CharField(max_length=16, blank=True, db_index=True)
    mta_sts_fetch_error = models.CharField(max_length=16, blank=True, db_index=True)
    mta_sts_mode = models.CharField(max_length=8, blank=True, db_index=True)
    mta_sts_record = models.CharField(max_length=16, blank=True, db_index=True)
    finding_codes = models.JSONField(default=list, blank=True)  # fail/warn finding codes
    # The newest done check of its domain (kept by checker/stats/latest.py).
    latest = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["domain", "-created_at"]),
            # The statistics pick each domain's latest finished check (checker/stats/queries.py).
            models.Index(fields=["domain", "status", "created_at"], name="check_domain_status_created"),
            models.Index(fields=["status", "created_at"], name="check_status_created"),
        ]
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
        for protocol in PROTOCOLS:  # a protocol has a summary column when it has a <section>_status field
            column = f"{protocol.section}_status"
            try:
                limit = self._meta.get_field(column).max_length
            except FieldDoesNotExist:
                continue
            part = report.get(protocol.section)
            value = part.get("status") if isinstance(part, dict) else None
            setattr(self, column, value if isinstance(value, str) and len(value) <= limit else "")
        for column, value in summarise(report).items():
            setattr(self, column, value)


class Watch(models.Model):
    """Someone asked to hear when a domain's mail security changes (checker/monitoring/).

    The e-mail address or webhook URL is stored only here, and the row is deleted on
    unsubscribe. `token` is the secret in the confirm and unsubscribe links; `secret` keys
    the HMAC signature of webhook bodies."""

    class Kind(models.TextChoices):
        EMAIL = "email"
        WEBHOOK = "webhook"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    domain = models.CharField(max_length=253, db_index=True)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.EMAIL)
    email = models.EmailField(max_length=254, blank=True, db_index=True)
    webhook_url = models.URLField(max_length=2000, blank=True)
    token = models.CharField(max_length=64, unique=True)
    secret = models.CharField(max_length=64)
    client = models.CharField(max_length=64, blank=True, db_index=True)  # hashed client address
    site_url = models.CharField(max_length=300)  # scheme://host the watch was made on: base of links in mails
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    confirmed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"watch of {self.domain} ({self.kind}, {'confirmed' if self.confirmed_at else 'unconfirmed'})"

    @property
    def target(self) -> str:
        return self.email if self.kind == self.Kind.EMAIL else self.webhook_url


class MonitoredDomain(models.Model):
    """One row per watched domain, however many watchers: when it is re-checked next."""

    domain = models.CharField(max_length=253, unique=True)
    next_check_at = models.DateTimeField(db_index=True)
    last_scheduled_at = models.DateTimeField(null=True, blank=True)
    last_check = models.ForeignKey(Check, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The check whose alerts were sent: claimed once, so a check is never alerted on twice.
    alerted_check = models.ForeignKey(Check, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self):
        return f"{self.domain} (next {self.next_check_at:%Y-%m-%d %H:%M})"


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
