"""Hand-made reports that follow docs/report-contract.md, for the web tests.

The web layer must render any report the engine can produce, including partial ones,
so these are built by hand rather than by running the engine.
"""
import copy

import pytest

from checker.models import Check

SCRIPT = '<script>alert("x")</script>'


def full_report(domain="example.fi"):
    """Findings in the order grading gives them (most important first): the page keeps it."""
    return {
        "domain": domain,
        "input": domain,
        "checked_at": "2025-01-02T03:04:05Z",
        "duration_ms": 1234,
        "grade": "C",
        "score": 61,
        "dnssec": {"status": "secure", "ds_present": True, "reason": None},
        "mx": {
            "status": "present",
            "hosts": [
                {"name": f"mx1.{domain}", "preference": 10, "addresses": ["192.0.2.25", "2001:db8::25"], "dnssec": "secure"},
                {"name": "mx.provider.example", "preference": 20, "addresses": ["198.51.100.7"], "dnssec": "insecure"},
            ],
        },
        "dane": {
            "status": "some",
            "verified": "all",
            "hosts": [
                {"name": f"mx1.{domain}", "tlsa": "valid", "records": ["3 1 1 " + "ab" * 32], "match": "pass"},
                {"name": "mx.provider.example", "tlsa": "none", "records": [], "match": "not-tested"},
            ],
        },
        "starttls": {
            "status": "partial",
            "hosts": [
                {
                    "name": f"mx1.{domain}", "address": "192.0.2.25", "status": "ok", "tls_version": "TLSv1.3",
                    "certificate": {
                        "subject": f"CN=mx1.{domain}", "names": [f"mx1.{domain}"], "issuer": "CN=Test CA",
                        "not_after": "2026-01-01T00:00:00Z", "webpki_valid": True, "webpki_error": None,
                    },
                },
                {
                    "name": "mx.provider.example", "address": "198.51.100.7", "status": "not-offered",
                    "tls_version": None, "certificate": None,
                },
            ]
        },
        "mta_sts": {
            "status": "invalid",
            "record": {"status": "valid", "id": "20250101", "raw": ["v=STSv1; id=20250101"]},
            "policy_host": {"status": "resolves", "addresses": ["192.0.2.80"]},
            "policy": {
                "status": "fetch-error", "fetch_error": "certificate", "http_status": None,
                "mode": None, "max_age": None, "mx": [], "errors": [],
            },
            "mx_coverage": {"covered": [], "uncovered": []},
        },
        "tls_rpt": {"status": "none", "rua": [], "raw": []},
        "findings": [
            {
                "code": "starttls.not_offered", "severity": "fail", "protocol": "starttls",
                "title": "A mail server does not offer STARTTLS",
                "detail": "mx.provider.example does not announce STARTTLS",
                "remediation": "Enable STARTTLS on mx.provider.example.", "references": ["RFC 3207"],
            },
            {
                "code": "mta_sts.policy.certificate", "severity": "fail", "protocol": "mta_sts",
                "title": "The MTA-STS policy host's certificate is not trusted",
                "detail": f"mta-sts.{domain} presented a certificate for another name",
                "remediation": "Install a certificate valid for the policy host.",
                "references": ["RFC 8461 3.3"],
            },
            {
                "code": "tls_rpt.record.missing", "severity": "warn", "protocol": "tls_rpt",
                "title": "No TLS-RPT record", "detail": f"_smtp._tls.{domain} has no TXT record",
                "remediation": "Publish a TLS-RPT record so that senders report TLS failures to you.",
                "records": [f'_smtp._tls.{domain}. 3600 IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@{domain}"'],
                "references": ["RFC 8460 3"],
            },
            {
                "code": "dnssec.secure", "severity": "pass", "protocol": "dnssec",
                "title": "The domain is DNSSEC-signed", "detail": "validated from the root",
                "remediation": "", "references": ["RFC 4035"],
            },
        ],
    }


def hostile_report(domain="example.fi"):
    """Attacker-controlled text in every place DNS or HTTP data reaches the page."""
    report = full_report(domain)
    report["dnssec"]["reason"] = SCRIPT
    report["mx"]["hosts"][0]["name"] = SCRIPT
    report["mx"]["hosts"][0]["addresses"] = [SCRIPT]
    report["dane"]["hosts"][0]["records"] = [SCRIPT]
    report["starttls"]["hosts"][0]["certificate"]["subject"] = SCRIPT
    report["starttls"]["hosts"][0]["certificate"]["names"] = [SCRIPT]
    report["starttls"]["hosts"][0]["certificate"]["issuer"] = SCRIPT
    report["mta_sts"]["record"] = {"status": "invalid", "id": SCRIPT, "raw": [f"v=STSv1; id={SCRIPT}"]}
    report["mta_sts"]["policy"] = {
        "status": "invalid", "fetch_error": None, "http_status": 200, "mode": SCRIPT, "max_age": None,
        "mx": [SCRIPT], "errors": [f"unknown key {SCRIPT}"],
        "body": f"version: STSv1\nmode: {SCRIPT}\nmx: {SCRIPT}\n",
    }
    report["mta_sts"]["mx_coverage"] = {"covered": [], "uncovered": [SCRIPT]}
    report["tls_rpt"] = {"status": "invalid", "rua": [SCRIPT], "raw": [f"v=TLSRPTv1; rua={SCRIPT}"]}
    report["findings"].append({
        "code": "tls_rpt.record.invalid", "severity": "fail", "protocol": "tls_rpt",
        "title": "Invalid TLS-RPT record", "detail": f"the record {SCRIPT} does not parse",
        "remediation": f"Replace {SCRIPT}", "records": [SCRIPT], "references": [SCRIPT],
    })
    return report


SVG_ATTR = '"><svg onload=alert(1)>'
# Text that is harmless to HTML escaping but hides, rearranges or controls what is shown.
HIDDEN_TEXT = {
    "\x1b[2J": "\\x1b[2J",          # ESC: clears a terminal
    "\x9b31m": "\\x9b31m",          # C1 CSI: the one-byte ESC [
    "ok\rFAIL": "ok\\x0dFAIL",      # a lone CR overwrites the line
    "nul\x00byte": "nul\\x00byte",
    "txt.\u202eexe": "txt.\\u202eexe",  # RTL override
    "zero\u200bwidth": "zero\\u200bwidth",
}


def sneaky_report(domain="example.fi"):
    """Every HIDDEN_TEXT key, an attribute breakout and a very long name where DNS or HTTP text is shown."""
    report = hostile_report(domain)
    sneaky = " ".join(HIDDEN_TEXT) + " " + SVG_ATTR
    report["dnssec"]["reason"] = sneaky
    report["mx"]["hosts"][0]["name"] = "a" * 63 + "." + ("b" * 63 + ".") * 3 + "fi"
    report["starttls"]["hosts"][0]["certificate"]["subject"] = "CN=" + "x" * 5000
    report["starttls"]["hosts"][0]["certificate"]["webpki_error"] = sneaky
    report["mta_sts"]["policy"]["body"] = "version: STSv1\r\nmode: enforce\r\n" + sneaky + "\r\n"
    report["tls_rpt"]["raw"] = [sneaky]
    report["findings"].append({
        "code": "mta_sts.policy.invalid", "severity": "fail", "protocol": "mta_sts",
        "title": "Sneaky", "detail": sneaky + "\n  [ ok ] forged line", "remediation": "Fix " + sneaky,
        "records": [sneaky], "references": ["RFC 8461"],
    })
    return report


def make_check(domain="example.fi", report=None, status=Check.Status.DONE, **fields):
    """A Check row as the job would leave it."""
    from django.utils import timezone

    check = Check(domain=domain, input=fields.pop("input", domain), status=status, **fields)
    if status == Check.Status.DONE:
        report = copy.deepcopy(report if report is not None else full_report(domain))
        check.apply_report(report)
        check.started_at = check.started_at or timezone.now()
        check.finished_at = check.finished_at or timezone.now()
    check.save()
    return check


@pytest.fixture(autouse=True)
def plain_static(settings):
    """The manifest storage needs collectstatic; the web tests need only the URLs."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def queue(monkeypatch):
    """Stand-in for Redis: records what would be enqueued. `queue.down = True` fails like Redis does."""

    class FakeQueue:
        def __init__(self):
            self.jobs = []
            self.down = False

        def enqueue(self, func, *args, **kwargs):
            if self.down:
                import redis

                raise redis.exceptions.ConnectionError("Connection refused")
            self.jobs.append((func.__name__, args, kwargs))

    fake = FakeQueue()
    monkeypatch.setattr("django_rq.get_queue", lambda name="default", **kw: fake)
    return fake
