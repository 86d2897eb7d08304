"""Shape a stored report (the contract, docs/report-contract.md) for the templates.

A report can be partial (a part failed, an older engine, hand-made test data), so every
access here tolerates missing keys and wrong types. HTML escaping is the templates' job
(Django's autoescaping); what this module does is make hidden characters visible
(`visible`), because every string may come from DNS, SMTP or HTTP.
"""
import re
from typing import Any

# Characters that are invisible or that change how the text around them is shown: C0 and C1
# controls but tab and newline (ESC and CSI start terminal escape sequences, CR overwrites a
# line), DEL, the soft hyphen, bidi marks, embeddings, overrides and isolates (U+202E turns
# "exe.txt" into "txt.exe"), zero-width characters, line/paragraph separators, the BOM and
# the interlinear annotation marks. Shown as escapes, so people see what the record holds.
HIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2069"
    "\ufeff\ufff9-\ufffb]"
)


def _escape(match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str, newlines: bool = True) -> str:
    """`text` with every HIDDEN character written as an escape (`\\x1b`, `\\u202e`); CRLF
    counts as a newline. With newlines=False a newline is escaped too (one-line output)."""
    text = text.replace("\r\n", "\n")
    text = HIDDEN.sub(_escape, text)
    return text if newlines else text.replace("\n", "\\n")


def neutralise(value):
    """A copy of a report (any JSON value) with `visible` applied to every string in it."""
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, dict):
        return {key: neutralise(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [neutralise(item) for item in value]
    return value


PARTS = (
    ("dnssec", "DNSSEC"),
    ("mx", "MX"),
    ("starttls", "STARTTLS"),
    ("dane", "DANE"),
    ("mta_sts", "MTA-STS"),
    ("tls_rpt", "TLS-RPT"),
)
PART_LABELS = dict(PARTS)
SEVERITY_ORDER = {"fail": 0, "warn": 1, "info": 2, "pass": 3}
SEVERITY_LABELS = {"fail": "Problem", "warn": "Warning", "info": "Note", "pass": "Good"}

# Status word -> tone of its badge. The word itself is always shown next to the colour.
GOOD, WARN, BAD, NEUTRAL = "good", "warn", "bad", "neutral"
_TONES = {
    "dnssec": {"secure": GOOD, "insecure": WARN, "bogus": BAD, "error": BAD},
    "mx": {"present": GOOD, "none": WARN, "null": NEUTRAL, "invalid": BAD, "nxdomain": BAD, "error": BAD},
    "dane": {"all": GOOD, "some": WARN, "none": WARN, "invalid": BAD, "not-applicable": NEUTRAL, "error": BAD},
    "starttls": {"ok": GOOD, "partial": WARN, "failed": BAD, "none": NEUTRAL, "error": BAD},
    "mta_sts": {"valid": GOOD, "invalid": BAD, "none": WARN, "error": BAD},
    "tls_rpt": {"valid": GOOD, "invalid": BAD, "none": WARN, "multiple": BAD, "error": BAD},
}
_HOST_TONES = {
    "ok": GOOD, "valid": GOOD, "pass": GOOD, "secure": GOOD, "resolves": GOOD, "enforce": GOOD,
    "testing": WARN, "insecure": WARN, "not-offered": BAD, "none": NEUTRAL, "missing": WARN,
    "not-tested": NEUTRAL, "skipped": NEUTRAL, "not-fetched": NEUTRAL, "refused-address": NEUTRAL,
    "fail": BAD, "bogus": BAD, "error": BAD, "invalid": BAD, "unusable": BAD, "unreachable": BAD,
    "handshake-failed": BAD, "fetch-error": BAD, "multiple": BAD,
}
GRADE_TONES = {"A+": GOOD, "A": GOOD, "B": GOOD, "C": WARN, "D": WARN, "E": BAD, "F": BAD}


def as_dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else []


def as_text_list(value) -> list[str]:
    return [str(item) for item in as_list(value) if item is not None]


def tone(part: str, status: Any) -> str:
    return _TONES.get(part, {}).get(status, NEUTRAL)


def host_tone(status: Any) -> str:
    return _HOST_TONES.get(status, NEUTRAL) if isinstance(status, str) else NEUTRAL


def grade_tone(grade: Any) -> str:
    return GRADE_TONES.get(grade, NEUTRAL)


def starttls_status(part: dict) -> str | None:
    """The contract has per-host statuses only; summarise them for the section header."""
    if isinstance(part.get("status"), str):
        return part["status"]
    statuses = [as_dict(host).get("status") for host in as_list(part.get("hosts"))]
    tested = [s for s in statuses if s not in ("skipped", "refused-address")]
    if not statuses:
        return None
    if not tested:
        return "none"
    if all(s == "ok" for s in tested):
        return "ok"
    return "partial" if any(s == "ok" for s in tested) else "failed"


def finding(raw) -> dict | None:
    item = as_dict(raw)
    if not item:
        return None
    severity = item.get("severity") if item.get("severity") in SEVERITY_ORDER else "info"
    protocol = item.get("protocol") if item.get("protocol") in PART_LABELS else ""
    remediation = item.get("remediation")
    return {
        "code": str(item.get("code") or ""),
        "severity": severity,
        "severity_label": SEVERITY_LABELS[severity],
        "protocol": protocol,
        "protocol_label": PART_LABELS.get(protocol, ""),
        "title": str(item.get("title") or item.get("detail") or item.get("code") or "Finding"),
        "detail": str(item.get("detail") or ""),
        "subject": str(item.get("subject") or ""),
        "explanation": str(item.get("explanation") or ""),
        "remediation": str(remediation) if remediation else "",
        "records": as_text_list(item.get("records")),
        "references": as_text_list(item.get("references")),
    }


def sorted_findings(report: dict) -> list[dict]:
    """Most important first: fail, warn, info, pass; stable within a severity."""
    items = [f for f in (finding(raw) for raw in as_list(report.get("findings"))) if f]
    return sorted(items, key=lambda f: SEVERITY_ORDER[f["severity"]])


def _hosts(part: dict) -> list[dict]:
    return [as_dict(host) for host in as_list(part.get("hosts")) if isinstance(host, dict)]


def sections(report: dict) -> list[dict]:
    findings = sorted_findings(report)
    result = []
    for key, label in PARTS:
        part = as_dict(report.get(key))
        status = starttls_status(part) if key == "starttls" else part.get("status")
        status = status if isinstance(status, str) and status else None
        section = {
            "key": key,
            "label": label,
            "present": bool(part),
            "status": status,
            "tone": tone(key, status) if status else NEUTRAL,
            "part": part,
            "hosts": _hosts(part),
            "findings": [f for f in findings if f["protocol"] == key],
        }
        if key == "mta_sts":
            section["record"] = as_dict(part.get("record"))
            section["policy_host"] = as_dict(part.get("policy_host"))
            policy = as_dict(part.get("policy"))
            section["policy"] = policy
            # The policy text as fetched, if the engine kept it (not in the stable core).
            body = policy.get("body") or policy.get("text") or policy.get("raw")
            section["policy_body"] = body if isinstance(body, str) else ""
            section["coverage"] = as_dict(part.get("mx_coverage"))
        result.append(section)
    return result


def summary(report: dict) -> dict:
    report = neutralise(as_dict(report))
    findings = sorted_findings(report)
    counts = {severity: 0 for severity in SEVERITY_ORDER}
    for item in findings:
        counts[item["severity"]] += 1
    grade = report.get("grade") if isinstance(report.get("grade"), str) else None
    score = report.get("score") if isinstance(report.get("score"), int) else None
    # The grading names the finding that decided the grade; otherwise the worst one. A domain
    # without a grade accepts no mail: a warning such as "No MTA-STS" is not its headline.
    named = [f for f in findings if f["code"] and f["code"] == report.get("top_finding")]
    headline = ("fail", "warn") if grade else ("fail",)
    top = named[0] if named else (findings[0] if findings and findings[0]["severity"] in headline else None)
    reason = report.get("grade_reason")
    return {
        "grade": grade,
        "score": score,
        "grade_tone": grade_tone(grade),
        "top": top,
        "grade_reason": reason if isinstance(reason, str) else "",
        "findings": findings,
        "counts": counts,
        "sections": sections(report),
        "checked_at": report.get("checked_at") if isinstance(report.get("checked_at"), str) else None,
        "duration_ms": report.get("duration_ms") if isinstance(report.get("duration_ms"), int) else None,
    }
