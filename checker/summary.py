"""The statistics summary of one report: the values of the indexed columns the staff
statistics (checker/stats/) aggregate, so no query ever reads report JSON.

`summarise(report)` is pure and reads only fields of the report contract
(docs/report-contract.md) and findings' `code`/`severity`, so an engine refactor that keeps
the contract does not touch it. Every value is one of a few fixed words (or a bool/None),
short enough for its column; anything unexpected becomes "" (or None), never an error.
"""
from __future__ import annotations

# Column name -> max length (the model's CharFields use these, checker/models.py).
WORD_COLUMNS = {
    "starttls_coverage": 16,     # all | some | none | unreachable | not-applicable | error
    "tls_version_min": 8,       # TLSv1.3 | TLSv1.2 | TLSv1.1 | TLSv1 | SSLv3 | other | ""
    "webpki_coverage": 16,       # all | some | none | not-tested
    "dane_verified": 16,        # all | some | none | not-tested
    "mta_sts_host": 16,         # resolves | missing | error
    "mta_sts_policy": 16,       # valid | invalid | fetch-error | not-fetched
    "mta_sts_fetch_error": 16,  # dns | tcp | timeout | tls | certificate | http-status | redirect | ...
    "mta_sts_mode": 8,          # enforce | testing | none | ""
    "mta_sts_record": 16,       # valid | invalid | missing | multiple | error
}
# Problems counted by "most common findings": what a domain owner has to act on.
COUNTED_SEVERITIES = ("fail", "warn")
MAX_CODE_LENGTH = 80
MAX_CODES = 64
TLS_VERSIONS = ("SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")  # oldest first
# STARTTLS host statuses that mean a server answered SMTP (RFC 3207: it offered STARTTLS or not).
ANSWERED = ("ok", "not-offered", "handshake-failed")


def _part(report: dict, name: str) -> dict:
    value = report.get(name) if isinstance(report, dict) else None
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _word(value, limit: int) -> str:
    return value if isinstance(value, str) and len(value) <= limit else ""


def _all_some_none(flags: list[bool], empty: str) -> str:
    if not flags:
        return empty
    if all(flags):
        return "all"
    return "some" if any(flags) else "none"


def starttls_coverage(report: dict) -> str:
    """Over the MX addresses a server answered on: TLS established on all / some / none.
    `unreachable`: addresses were probed but none answered; `not-applicable`: nothing probed
    (null MX, no address, only refused or skipped addresses)."""
    part = _part(report, "starttls")
    if part.get("status") == "error":
        return "error"
    hosts = [h for h in _list(part.get("hosts")) if isinstance(h, dict)]
    answered = [h.get("status") == "ok" for h in hosts if h.get("status") in ANSWERED]
    if answered:
        return _all_some_none(answered, "not-applicable")
    return "unreachable" if any(h.get("status") == "unreachable" for h in hosts) else "not-applicable"


def tls_version_min(report: dict) -> str:
    """The oldest TLS version any MX address negotiated ("" without a TLS session)."""
    seen = [h.get("tls_version") for h in _list(_part(report, "starttls").get("hosts"))
            if isinstance(h, dict) and h.get("status") == "ok" and h.get("tls_version")]
    if not seen:
        return ""
    known = [TLS_VERSIONS.index(v) for v in seen if v in TLS_VERSIONS]
    if len(known) < len(seen):
        return "other"
    return TLS_VERSIONS[min(known)]


def webpki_coverage(report: dict) -> str:
    """Whether the certificates presented over STARTTLS are WebPKI-valid for the MX name."""
    flags = []
    for host in _list(_part(report, "starttls").get("hosts")):
        cert = host.get("certificate") if isinstance(host, dict) else None
        if isinstance(cert, dict) and isinstance(cert.get("webpki_valid"), bool):
            flags.append(cert["webpki_valid"])
    return _all_some_none(flags, "not-tested")


def finding_codes(report: dict) -> list[str]:
    """Distinct codes of the report's fail/warn findings, sorted (one count per domain)."""
    codes = set()
    for finding in _list(report.get("findings") if isinstance(report, dict) else None):
        if isinstance(finding, dict) and finding.get("severity") in COUNTED_SEVERITIES:
            code = finding.get("code")
            if isinstance(code, str) and 0 < len(code) <= MAX_CODE_LENGTH:
                codes.add(code)
    return sorted(codes)[:MAX_CODES]


def summarise(report: dict) -> dict:
    """Column name -> value for the statistics columns of a check with this report."""
    dnssec, dane, sts = _part(report, "dnssec"), _part(report, "dane"), _part(report, "mta_sts")
    policy = sts.get("policy") if isinstance(sts.get("policy"), dict) else {}
    record = sts.get("record") if isinstance(sts.get("record"), dict) else {}
    host = sts.get("policy_host") if isinstance(sts.get("policy_host"), dict) else {}
    ds = dnssec.get("ds_present")
    values = {
        "ds_present": ds if isinstance(ds, bool) else None,
        "starttls_coverage": starttls_coverage(report),
        "tls_version_min": tls_version_min(report),
        "webpki_coverage": webpki_coverage(report),
        "dane_verified": dane.get("verified"),
        "mta_sts_host": host.get("status"),
        "mta_sts_policy": policy.get("status"),
        "mta_sts_fetch_error": policy.get("fetch_error"),
        "mta_sts_mode": policy.get("mode") if policy.get("status") == "valid" else None,
        "mta_sts_record": record.get("status"),
        "finding_codes": finding_codes(report),
    }
    for column, limit in WORD_COLUMNS.items():
        values[column] = _word(values[column], limit)
    return values
