"""Shape a stored report (the contract, docs/report-contract.md) for the templates.

A report can be partial (a part failed, an older engine, hand-made test data), so every
access here tolerates missing keys and wrong types. HTML escaping is the templates' job
(Django's autoescaping); what this module does is make hidden characters visible
(`visible`), because every string may come from DNS, SMTP or HTTP.
"""
import re
from typing import Any

from .engine.findings import SEVERITIES
from .engine.mta_sts.policy import POLICY_PATH
from .engine.protocol import BAD, GOOD, NEUTRAL, WARN
from .engine.registry import PROTOCOLS
from .engine.starttls import section_status

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


PARTS = tuple((protocol.section, protocol.label) for protocol in PROTOCOLS)  # (key, label), report order
PART_LABELS = dict(PARTS)
SEVERITY_LABELS = {"fail": "Problem", "warn": "Warning", "info": "Note", "pass": "Good"}

# A section's status word -> tone of its badge (the protocol's verdict on the word). The
# word itself is always shown next to the colour.
_TONES = {protocol.section: dict(protocol.statuses) for protocol in PROTOCOLS}
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


def finding(raw) -> dict | None:
    item = as_dict(raw)
    if not item:
        return None
    severity = item.get("severity") if item.get("severity") in SEVERITIES else "info"
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


def report_findings(report: dict) -> list[dict]:
    """The findings in the report's order: grading ordered them, most important first
    (checker/grading.py), and the API shows the same order."""
    return [f for f in (finding(raw) for raw in as_list(report.get("findings"))) if f]


def _hosts(part: dict) -> list[dict]:
    return [as_dict(host) for host in as_list(part.get("hosts")) if isinstance(host, dict)]


def part_status(key: str, part: dict) -> str | None:
    """The section's status word, or None. A report stored before the STARTTLS section had a
    status gets the engine's one summary of its hosts."""
    status = part.get("status")
    if key == "starttls" and status is None and _hosts(part):
        status = section_status((h.get("status"), h.get("tls_version")) for h in _hosts(part))
    return status if isinstance(status, str) and status else None


def sections(report: dict) -> list[dict]:
    findings = report_findings(report)
    result = []
    for key, label in PARTS:
        part = as_dict(report.get(key))
        status = part_status(key, part)
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
            section["policy_url"] = f"https://mta-sts.{report.get('domain')}{POLICY_PATH}"
        result.append(section)
    return result


def summary(report: dict) -> dict:
    report = neutralise(as_dict(report))
    findings = report_findings(report)
    counts = {severity: 0 for severity in SEVERITIES}
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
