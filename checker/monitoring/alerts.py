"""What a watcher is told after a re-check: changes for the worse and problems about to happen.

Pure: two report dicts (the previous finished check of the domain and the new one) and
the time in, Alerts out. The fix text comes from the remediation catalogue
(checker/remediation.py): the newer report's own finding when it has one, else the
catalogue entry rendered for the alert's code; the two warnings the catalogue has no
finding for are in checker/monitoring/texts.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from .. import remediation
from ..presenter import as_dict, as_list
from . import texts
from .diff import compare


@dataclass(frozen=True)
class Alert:
    kind: str                    # "change" (worse than the last check) | "warning" (about to break)
    text: str                    # what happened or will happen, one or two sentences
    code: str | None = None      # remediation catalogue code
    subject: str | None = None   # the host or name concerned
    fix: str = ""                # what to do
    records: tuple = field(default=())  # ready-to-copy lines for the fix

    def as_dict(self) -> dict:
        return {"kind": self.kind, "text": self.text, "code": self.code, "subject": self.subject,
                "fix": self.fix, "records": list(self.records)}


def parse_time(value) -> datetime | None:
    """An RFC 3339 / report time ("2026-12-01T10:00:00Z", "Dec  1 10:00:00 2026 GMT" is not one)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _fix(report: dict, code: str | None, subject: str | None) -> tuple[str, tuple]:
    if not code:
        return "", ()
    for finding in as_list(report.get("findings")):
        finding = as_dict(finding)
        same_subject = str(finding.get("subject") or "").rstrip(".").lower() == (subject or "")
        if finding.get("code") == code and (same_subject or subject is None) and finding.get("remediation"):
            return str(finding["remediation"]), tuple(map(str, as_list(finding.get("records"))))
    if code in texts.CATALOGUE:
        return texts.render(code, report), texts.records(code, report)
    rendered = remediation.render(code, {"code": code, "subject": subject}, report)
    return rendered["remediation"], tuple(rendered["records"])


def alerts(previous: dict | None, current: dict, now: datetime | None = None, warn_days: int = 21,
           rrsig_days: int = 3) -> list[Alert]:
    """Everything one mail about `current` lists; empty when there is nothing to say."""
    now = now or datetime.now(timezone.utc)
    current = as_dict(current)
    found: list[Alert] = []
    if previous:
        for change in compare(previous, current):
            if change.worse:
                fix, records = _fix(current, change.code, change.subject)
                found.append(Alert("change", change.text, change.code, change.subject, fix, records))
    found += rollover_warnings(current, now, warn_days)
    found += mta_sts_warnings(previous, current)
    found += rrsig_warnings(current, now, rrsig_days)
    unique, seen = [], set()
    for alert in found:
        key = (alert.code, alert.subject) if alert.code else (alert.text, None)
        if key not in seen:
            seen.add(key)
            unique.append(alert)
    return unique


def _days(until: datetime, now: datetime) -> int:
    """Whole days left, rounded to the nearest (a certificate made "for 10 days" says 10)."""
    return max(0, round((until - now) / timedelta(days=1)))


def rollover_warnings(report: dict, now: datetime, warn_days: int) -> list[Alert]:
    """RFC 7671 8.1: before a key changes, the next key's TLSA record must already be published.
    A host whose certificate expires within `warn_days` and whose TLSA RRset has no usable record
    for any key but the current one will fail DANE at the renewal (a new key is the default of
    most ACME clients). DANE-TA records matching the issuer survive a renewal by that CA."""
    certificates: dict[str, list[datetime]] = {}
    for host in as_list(as_dict(report.get("starttls")).get("hosts")):
        host = as_dict(host)
        expiry = parse_time(as_dict(host.get("certificate")).get("not_after"))
        if expiry is not None and host.get("status") == "ok":
            certificates.setdefault(str(host.get("name") or "").rstrip(".").lower(), []).append(expiry)
    out = []
    for host in as_list(as_dict(report.get("dane")).get("hosts")):
        host = as_dict(host)
        name = str(host.get("name") or "").rstrip(".").lower()
        if host.get("tlsa") != "valid" or host.get("match") != "pass" or not certificates.get(name):
            continue
        if "unmatched_records" not in host or as_list(host.get("unmatched_records")):
            continue  # a next key is published (or an older engine cannot tell)
        matched = list(map(str, as_list(host.get("records"))))
        if any(r.startswith("2 ") for r in matched):
            # A trust-anchor record: a renewed leaf from the same CA still matches, until the
            # CA certificate itself is replaced (RFC 7671 8.4).
            anchor = parse_time(host.get("trust_anchor_not_after"))
            if anchor is not None and anchor - now <= timedelta(days=warn_days):
                fix, records = _fix(report, "dane.rollover.single_record", name)
                out.append(Alert("warning", f"The CA certificate that the DANE-TA record of {name} names expires on "
                                            f"{anchor:%Y-%m-%d} (in {_days(anchor, now)} days) and no TLSA record "
                                            "matches another issuer: when the CA switches to its next certificate, "
                                            "DANE senders stop delivering to it.",
                                 "dane.rollover.single_record", name, fix, records))
            continue
        expiry = min(certificates[name])
        if expiry - now > timedelta(days=warn_days):
            continue
        fix, records = _fix(report, "dane.rollover.single_record", name)
        out.append(Alert("warning", f"The certificate of {name} expires on {expiry:%Y-%m-%d} (in "
                                    f"{_days(expiry, now)} days) and no TLSA record matches a key other than the "
                                    "current one: if the renewal brings a new key, DANE senders stop delivering "
                                    "to it.", "dane.rollover.single_record", name, fix, records))
    return out


def mta_sts_warnings(previous: dict | None, report: dict) -> list[Alert]:
    out = []
    part = as_dict(report.get("mta_sts"))
    policy = as_dict(part.get("policy"))
    if policy.get("mode") == "enforce":
        for name in map(str, as_list(as_dict(part.get("mx_coverage")).get("uncovered"))):
            fix, records = _fix(report, "mta_sts.mx.uncovered", name)
            out.append(Alert("warning", f"The MTA-STS policy is in mode enforce, but MX host {name} matches none "
                                        "of its mx lines: senders that enforce it refuse to deliver there.",
                             "mta_sts.mx.uncovered", name, fix, records))
    if previous:
        before = as_dict(as_dict(previous).get("mta_sts"))
        old_hash, new_hash = as_dict(before.get("policy")).get("sha256"), policy.get("sha256")
        old_id, new_id = as_dict(before.get("record")).get("id"), as_dict(part.get("record")).get("id")
        if old_hash and new_hash and old_hash != new_hash and old_id and old_id == new_id:
            code = "monitor.mta_sts.id_unchanged"
            out.append(Alert("warning", f"The policy file changed but the _mta-sts record's id is still "
                                        f"{str(new_id)[:32]}: senders that cached the old policy keep using it "
                                        "until it expires.", code, f"_mta-sts.{report.get('domain')}",
                             texts.render(code, report), texts.records(code, report)))
    return out


def rrsig_warnings(report: dict, now: datetime, rrsig_days: int) -> list[Alert]:
    expires = parse_time(as_dict(report.get("dnssec")).get("rrsig_expires"))
    if expires is None or expires - now > timedelta(days=rrsig_days):
        return []
    code = "monitor.dnssec.rrsig_expiring"
    return [Alert("warning", f"The DNSSEC signatures of {report.get('domain')}'s own records expire on "
                             f"{expires:%Y-%m-%d %H:%M} UTC (in {_days(expires, now)} days) and have not been "
                             "renewed: after that validating resolvers treat the domain as bogus and mail stops.",
                  code, str(report.get("domain") or "") or None, texts.render(code, report),
                  texts.records(code, report))]
