"""Texts for people, keyed by finding code, and the records we can derive for a fix.

The catalogue itself is data (checker/remediation_texts.py); this module renders it:
`enrich(finding, report)` returns the finding with title, explanation, remediation,
records (ready-to-copy lines, possibly empty) and references. Check code never holds
these texts (docs/architecture.md).
"""
from __future__ import annotations

import datetime as _dt
import re

from .remediation_texts import CATALOGUE, GENERIC

TLSA_PORT = 25
POLICY_PATH = "/.well-known/mta-sts.txt"  # RFC 8461 3.3
REPORT_MAILBOX = "tls-reports"          # the local part suggested for TLS-RPT reports
POLICY_MAX_AGE_TESTING = 86400          # one day while testing: mistakes expire fast
POLICY_MAX_AGE_ENFORCE = 1209600        # two weeks, in the range RFC 8461 3.2 suggests


def entry(code: str) -> dict:
    """The catalogue entry for `code`, or a generic one naming the code's protocol."""
    if code in CATALOGUE:
        return CATALOGUE[code]
    protocol = (code or "").split(".", 1)[0]
    return {**GENERIC, "references": list(GENERIC.get("references", ())) + _PROTOCOL_REFS.get(protocol, [])}


_PROTOCOL_REFS = {
    "dnssec": ["RFC 4033"], "mx": ["RFC 5321 5.1"], "starttls": ["RFC 3207"],
    "dane": ["RFC 7672"], "mta_sts": ["RFC 8461"], "tls_rpt": ["RFC 8460"],
}


# --- values derived from the report ---------------------------------------------------

def _domain(report) -> str:
    return str(report.get("domain") or "example.invalid")


def mx_names(report) -> list[str]:
    """The MX host names, by preference then name (the contract's order, whatever order they came in)."""
    hosts = [h for h in (report.get("mx") or {}).get("hosts") or [] if isinstance(h, dict)]
    keyed = sorted((h.get("preference") if isinstance(h.get("preference"), int) else 65536,
                    str(h.get("name") or "").rstrip(".").lower()) for h in hosts)
    names = []
    for _, name in keyed:
        if name and name not in names:
            names.append(name)
    return names


def policy_id(now: _dt.datetime | None = None) -> str:
    """A fresh MTA-STS id (RFC 8461 3.1: 1-32 alphanumerics): a UTC timestamp."""
    now = now or _dt.datetime.now(_dt.timezone.utc)
    return now.astimezone(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S")


def mta_sts_policy(mx: list[str], mode: str = "testing", max_age: int | None = None) -> str:
    """The complete mta-sts.txt body (RFC 8461 3.2), CRLF line ends."""
    if max_age is None:
        max_age = POLICY_MAX_AGE_ENFORCE if mode == "enforce" else POLICY_MAX_AGE_TESTING
    lines = ["version: STSv1", f"mode: {mode}", *[f"mx: {name}" for name in mx], f"max_age: {max_age}"]
    return "\r\n".join(lines) + "\r\n"


def mta_sts_txt_record(domain: str, now: _dt.datetime | None = None) -> str:
    return f'_mta-sts.{domain}. IN TXT "v=STSv1; id={policy_id(now)}"'


def tls_rpt_record(domain: str) -> str:
    return f'_smtp._tls.{domain}. IN TXT "v=TLSRPTv1; rua=mailto:{REPORT_MAILBOX}@{domain}"'


def tlsa_record(mx: str, spki_sha256: str) -> str:
    return f"_{TLSA_PORT}._tcp.{mx.rstrip('.')}. IN TLSA 3 1 1 {spki_sha256.lower()}"


def _spki_by_host(report) -> dict:
    """host name -> SHA-256 of the SPKI of the leaf certificate it served, where known.

    Candidates come from the starttls/dane sections and from findings' data; when they
    disagree (several addresses, several keys) the smallest value wins, so the result
    does not depend on list order.
    """
    found: dict[str, set] = {}

    def note(name, value):
        name = str(name or "").rstrip(".").lower()
        if name and isinstance(value, str) and re.fullmatch(r"[0-9a-fA-F]{64}", value):
            found.setdefault(name, set()).add(value.lower())

    for section in ("starttls", "dane"):
        for host in (report.get(section) or {}).get("hosts") or []:
            if isinstance(host, dict):
                cert = host.get("certificate") if isinstance(host.get("certificate"), dict) else {}
                note(host.get("name"), cert.get("spki_sha256") or host.get("spki_sha256"))
    for finding in report.get("findings") or []:
        data = finding.get("data") if isinstance(finding, dict) else None
        if isinstance(data, dict):
            note(finding.get("subject") or data.get("host"), data.get("spki_sha256"))
    return {name: min(values) for name, values in found.items()}


def tlsa_records(report, hosts: list[str] | None = None) -> list[str]:
    """TLSA 3 1 1 lines for the MX hosts whose served key we know (RFC 7671 5.1, RFC 7672 3.1.1)."""
    spki = _spki_by_host(report)
    names = hosts if hosts is not None else mx_names(report)
    return [tlsa_record(n, spki[n]) for n in names if n in spki]


def _records_for(kind: str, finding: dict, report: dict) -> list[str]:
    domain = _domain(report)
    data = finding.get("data") if isinstance(finding.get("data"), dict) else {}
    if kind == "tlsa":
        subject = str(finding.get("subject") or "").rstrip(".").lower()
        names = mx_names(report)
        hosts = [subject] if subject in names or (subject and isinstance(data.get("spki_sha256"), str)) else None
        if hosts and isinstance(data.get("spki_sha256"), str):
            return [tlsa_record(hosts[0], data["spki_sha256"])]
        return tlsa_records(report, hosts)
    if kind == "mta_sts":
        mx = mx_names(report)
        url = f"https://mta-sts.{domain}{POLICY_PATH}"
        return [
            mta_sts_txt_record(domain),
            f"# {url} now (mode testing):",
            *mta_sts_policy(mx, "testing").splitlines(),
            f"# {url} later (mode enforce; then publish the TXT record again with a new id):",
            *mta_sts_policy(mx, "enforce").splitlines(),
        ]
    if kind == "mta_sts_txt":
        return [mta_sts_txt_record(domain)]
    if kind == "mta_sts_policy":
        mode = "enforce" if ((report.get("mta_sts") or {}).get("policy") or {}).get("mode") == "enforce" else "testing"
        return mta_sts_policy(mx_names(report), mode).splitlines()
    if kind == "tls_rpt":
        return [tls_rpt_record(domain)]
    return []


def _dnssec_reason(report, finding) -> str:
    data = finding.get("data") if isinstance(finding.get("data"), dict) else {}
    reason = data.get("reason") or (report.get("dnssec") or {}).get("reason")
    return str(reason) if reason else "the resolver gave no Extended DNS Error"


def _fill(template: str, values: dict) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template


def render(code: str, finding: dict, report: dict) -> dict:
    e = entry(code)
    values = {
        "domain": _domain(report),
        "subject": str(finding.get("subject") or _domain(report)),
        "mx_list": ", ".join(mx_names(report)) or "(none found)",
        "reason": _dnssec_reason(report, finding),
        "code": code,
    }
    return {
        "title": e["title"],
        "explanation": _fill(e["explanation"], values),
        "remediation": _fill(e["fix"], values),
        "records": _records_for(e.get("records", ""), finding, report),
        "references": list(e["references"]),
    }


def enrich(finding: dict, report: dict) -> dict:
    """The finding with title, explanation, remediation, records and references added."""
    out = dict(finding)
    out.update(render(str(finding.get("code") or ""), finding, report))
    return out
