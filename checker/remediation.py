"""Texts for people, keyed by finding code, and the records we can derive for a fix.

The catalogue itself is data (checker/remediation_texts.py); this module renders it:
`enrich(finding, report)` returns the finding with title, explanation, remediation,
records (ready-to-copy lines, possibly empty) and references. Check code never holds
these texts (docs/architecture.md).
"""
from __future__ import annotations

import datetime as _dt
import re

from .engine.dane import TLSA_PORT
from .engine.mta_sts.policy import POLICY_PATH, RECOMMENDED_MAX_AGE, suggested_policy
from .engine.registry import BY_NAME
from .remediation_texts import CATALOGUE, GENERIC

REPORT_MAILBOX = "tls-reports"          # the local part suggested for TLS-RPT reports
POLICY_MAX_AGE_TESTING = 86400          # one day while testing: mistakes expire fast


def entry(code: str) -> dict:
    """The catalogue entry for `code`, or a generic one naming the code's protocol."""
    if code in CATALOGUE:
        return CATALOGUE[code]
    protocol = BY_NAME.get((code or "").split(".", 1)[0])
    references = list(protocol.references) if protocol is not None else []
    return {**GENERIC, "references": list(GENERIC.get("references", ())) + references}


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


def policy_url(report) -> str:
    return f"https://mta-sts.{_domain(report)}{POLICY_PATH}"


def policy_id(now: _dt.datetime | None = None) -> str:
    """A fresh MTA-STS id (RFC 8461 3.1: 1-32 alphanumerics): a UTC timestamp."""
    now = now or _dt.datetime.now(_dt.timezone.utc)
    return now.astimezone(_dt.timezone.utc).strftime("%Y%m%dT%H%M%S")


def mta_sts_policy(mx: list[str], mode: str = "testing", max_age: int | None = None) -> str:
    """The complete mta-sts.txt body (the engine's one builder, CRLF line ends)."""
    if max_age is None:
        max_age = RECOMMENDED_MAX_AGE if mode == "enforce" else POLICY_MAX_AGE_TESTING
    return suggested_policy(mx, mode, max_age)


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


def accepts_mail(report) -> bool:
    """False for a null MX, a nonexistent domain, or a domain with no mail host at all (RFC 7505 3)."""
    mx = report.get("mx") or {}
    return mx.get("status") not in ("null", "nxdomain") and bool(mx_names(report))


def _tlsa_hosts(finding: dict, report: dict) -> list[str]:
    """The MX hosts a TLSA finding is about: its subject when that is an MX host, else every MX host."""
    data = finding.get("data") if isinstance(finding.get("data"), dict) else {}
    subject = str(finding.get("subject") or "").rstrip(".").lower()
    names = mx_names(report)
    if subject and (subject in names or isinstance(data.get("spki_sha256"), str)):
        return [subject]
    return names


def _current_policy_mode(report) -> str:
    return "enforce" if ((report.get("mta_sts") or {}).get("policy") or {}).get("mode") == "enforce" else "testing"


def _records_for(kind: str, finding: dict, report: dict) -> list[str]:
    domain = _domain(report)
    data = finding.get("data") if isinstance(finding.get("data"), dict) else {}
    mx = mx_names(report)
    url = policy_url(report)
    if kind == "tlsa":
        hosts = _tlsa_hosts(finding, report)
        if len(hosts) == 1 and isinstance(data.get("spki_sha256"), str) \
                and re.fullmatch(r"[0-9a-fA-F]{64}", data["spki_sha256"]):
            return [tlsa_record(hosts[0], data["spki_sha256"])]
        return tlsa_records(report, hosts)
    if kind == "tlsa_next":
        # The next key is not known to us: a template, and how to compute its value (RFC 7671 8.1).
        return [f"_{TLSA_PORT}._tcp.{host}. IN TLSA 3 1 1 <SHA-256 of the next key's public key>"
                for host in _tlsa_hosts(finding, report)] + [
            "# the hash of a key file: openssl pkey -in next.key -pubout -outform DER | openssl dgst -sha256"]
    if not mx:
        return []  # a policy without mx lines would not parse; nothing to derive (null MX, no mail host)
    if kind == "mta_sts":
        return [
            mta_sts_txt_record(domain),
            f"# {url} now (mode testing):",
            *mta_sts_policy(mx, "testing").splitlines(),
            f"# {url} later (mode enforce; then publish the TXT record again with a new id):",
            *mta_sts_policy(mx, "enforce").splitlines(),
        ]
    if kind == "mta_sts_enforce":
        return [f"# {url}:", *mta_sts_policy(mx, "enforce").splitlines(),
                "# then the TXT record with a new id, so that senders fetch the new policy:",
                mta_sts_txt_record(domain)]
    if kind == "mta_sts_txt":
        return [mta_sts_txt_record(domain)]
    if kind == "mta_sts_policy":
        return [f"# {url}:", *mta_sts_policy(mx, _current_policy_mode(report)).splitlines(),
                "# then the TXT record with a new id, so that senders fetch the new policy:",
                mta_sts_txt_record(domain)]
    if kind == "mta_sts_missing_txt":
        policy = ((report.get("mta_sts") or {}).get("policy") or {}).get("status")
        if policy == "valid":
            return [mta_sts_txt_record(domain)]
        return [f"# first serve {url} (mode testing):", *mta_sts_policy(mx, "testing").splitlines(),
                "# then publish:", mta_sts_txt_record(domain)]
    if kind == "tls_rpt":
        return [tls_rpt_record(domain)]
    return []


def _dnssec_reason(report, finding) -> str:
    data = finding.get("data") if isinstance(finding.get("data"), dict) else {}
    reason = data.get("reason") or (report.get("dnssec") or {}).get("reason")
    return str(reason) if reason else "the resolver gave no Extended DNS Error"


# An Extended DNS Error as our resolver reports it: "EDE 7 (Signature Expired): <the resolver's text>".
# The text is long and repeats in every lookup below a bogus zone; it is shown in full once.
_EDE = re.compile(r"(EDE [0-9]+ \([^()]*\)): [^()]*")
_EDE_CODE = re.compile(r"EDE ([0-9]+)")
# What usually causes each Extended DNS Error (RFC 8914 4) in a zone that used to validate.
_EDE_CAUSES = {
    1: "the zone is signed with an algorithm validators do not support; re-sign it with algorithm 13 or 15",
    2: "the DS record at the registrar uses a digest type validators do not support; publish a SHA-256 (type 2) DS",
    7: "the signatures have expired: the signer stopped re-signing the zone (a stopped signer, or a zone file "
       "edited and reloaded without signing)",
    8: "the signatures are not valid yet: the signing server's clock is ahead",
    9: "the DS record at the registrar matches none of the zone's keys: a key change or a move to another DNS "
       "host without updating the DS",
    10: "records are served without signatures: a name server that is not signing, or serves an unsigned copy",
    12: "the proof that a name does not exist is missing: a name server serving an incompletely signed zone",
}
_DS_MISMATCH_TEXT = ("no keys have a ds", "dnskey missing", "no dnskey", "no ds")
_EXPIRED_TEXT = ("signature expired", "expired")


def short_reason(text: str) -> str:
    """The resolver's reason reduced to its Extended DNS Error code and name."""
    return _EDE.sub(lambda m: m.group(1), str(text or ""))


def _likely_cause(reason: str) -> str:
    low = reason.lower()
    codes = [int(c) for c in _EDE_CODE.findall(reason)]
    if any(t in low for t in _DS_MISMATCH_TEXT):
        return _EDE_CAUSES[9]
    if "signature expired" in low:
        return _EDE_CAUSES[7]
    for code in codes:
        if code in _EDE_CAUSES:
            return _EDE_CAUSES[code]
    return ("usually a DS record at the registrar that no longer matches the zone's key, or expired signatures")


def _bogus_primary(report) -> dict | None:
    """The finding whose fix shows the resolver's reason in full: dnssec.bogus, else the first mx.host_bogus."""
    findings = [f for f in report.get("findings") or [] if isinstance(f, dict)]
    for code in ("dnssec.bogus", "mx.host_bogus"):
        for finding in findings:
            if finding.get("code") == code:
                return finding
    return None


# The findings whose fix quotes the resolver's reason in full; every other place shows only the EDE code.
_FULL_REASON = ("dnssec.bogus", "mx.host_bogus")


def _fill(template: str, values: dict) -> str:
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template


# Findings that only matter for a domain that receives mail; for a null MX, a nonexistent domain or one
# without any mail host, their advice ("publish MTA-STS", "publish TLS-RPT") would be wrong.
_MAIL_ONLY = {"mta_sts.none", "tls_rpt.missing", "dane.none"}
_NO_MAIL = {
    "explanation": "{domain} receives no mail (see the MX finding), so there is nothing for senders to protect.",
    "fix": "Nothing to do while {domain} receives no mail. If it should receive mail, publish MX records "
           "first (see the MX finding), then check again.",
}
_BOGUS_ADDRESS = {
    "title": "MX host not probed: its addresses fail DNSSEC validation",
    "explanation": "The address records of {subject} exist but do not validate, so neither we nor validating "
                   "senders can use them to connect.",
    "fix": "Fix the DNSSEC of {subject}'s zone (see the MX host finding); the STARTTLS, DANE and MTA-STS checks "
           "of this host run once its addresses validate.",
}
_OPENSSL_SPKI = ("openssl x509 -in cert.pem -noout -pubkey | openssl pkey -pubin -outform DER | "
                 "openssl dgst -sha256")


def _starttls_problems(report) -> list[str]:
    """MX hosts without a working STARTTLS session with a WebPKI-valid certificate (what MTA-STS enforce needs)."""
    bad = []
    for host in (report.get("starttls") or {}).get("hosts") or []:
        if not isinstance(host, dict):
            continue
        name = str(host.get("name") or "").rstrip(".").lower()
        cert = host.get("certificate") if isinstance(host.get("certificate"), dict) else {}
        if name and (host.get("status") != "ok" or cert.get("webpki_valid") is False) and name not in bad:
            bad.append(name)
    return bad


def _tlsa_note(finding: dict, report: dict, records: list[str]) -> str:
    hosts = _tlsa_hosts(finding, report)
    covered = {line.split(" ", 1)[0][len(f"_{TLSA_PORT}._tcp."):].rstrip(".") for line in records}
    missing = [h for h in hosts if h not in covered]
    note = ""
    if records:
        note = " The records below hash the key each server presented to us."
    if missing:
        note += (f" We got no key from {', '.join(missing)} (no TLS session: see the STARTTLS findings), so "
                 "there is no ready record for it. Once STARTTLS works, hash the server's certificate key with "
                 f"`{_OPENSSL_SPKI}` and publish _{TLSA_PORT}._tcp.<host>. IN TLSA 3 1 1 <that hash>.")
    return note


def render(code: str, finding: dict, report: dict) -> dict:
    e = entry(code)
    reason = _dnssec_reason(report, finding)
    if code not in _FULL_REASON:
        reason = short_reason(reason)  # shown in full once, in the DNSSEC (or MX host) finding
    values = {
        "domain": _domain(report),
        "subject": str(finding.get("subject") or _domain(report)),
        "mx_list": ", ".join(mx_names(report)) or "(none found)",
        "reason": reason,
        "cause": _likely_cause(_dnssec_reason(report, finding)),
        "code": code,
        "policy_url": policy_url(report), "policy_path": POLICY_PATH, "max_age_enforce": RECOMMENDED_MAX_AGE,
    }
    data = finding.get("data") if isinstance(finding.get("data"), dict) else {}
    explanation, fix, title = e["explanation"], e["fix"], e["title"]
    kind = e.get("records", "")
    if code in _MAIL_ONLY and not accepts_mail(report):
        explanation, fix, kind = _NO_MAIL["explanation"], _NO_MAIL["fix"], ""
    if code == "starttls.no_address" and data.get("bogus"):
        title, explanation, fix = _BOGUS_ADDRESS["title"], _BOGUS_ADDRESS["explanation"], _BOGUS_ADDRESS["fix"]
    records = _records_for(kind, finding, report)
    remediation = _fill(fix, values)
    if kind == "tlsa":
        remediation += _tlsa_note(finding, report, records)
    if kind in ("mta_sts", "mta_sts_enforce"):
        broken = _starttls_problems(report)
        if broken:
            remediation += (f" Before mode enforce, make STARTTLS with a publicly trusted certificate work on "
                            f"{', '.join(broken)} (see the STARTTLS findings): under enforce, senders refuse "
                            "to deliver to an MX host without it.")
    return {
        "title": title,
        "explanation": _fill(explanation, values),
        "remediation": remediation,
        "records": records,
        "references": list(e["references"]),
    }


def _short_detail(finding: dict, report: dict) -> str | None:
    """The detail with long resolver messages cut to their EDE code, when another place shows them in full."""
    detail = finding.get("detail")
    if not isinstance(detail, str) or not _EDE.search(detail):
        return detail
    primary = _bogus_primary(report)
    if primary is None:
        return detail  # the only place the message appears
    if finding.get("code") in _FULL_REASON:
        return short_reason(detail)  # its fix shows the full message
    where = "the DNSSEC finding" if primary.get("code") == "dnssec.bogus" else "the MX host finding"
    return short_reason(detail) + f" (resolver message in {where})"


def enrich(finding: dict, report: dict) -> dict:
    """The finding with title, explanation, remediation, records and references added."""
    out = dict(finding)
    out.update(render(str(finding.get("code") or ""), finding, report))
    out["detail"] = _short_detail(finding, report)
    return out
