"""Pure evaluation of retrieved MTA-STS data: the contract's `mta_sts` section + findings."""
import hashlib
import ipaddress
from dataclasses import dataclass

from ..findings import Finding
from ..mx import MxResult
from ..protocol import Evaluated
from ..starttls import StarttlsResult
from .fetch import MtaStsRetrieved, _failure
from .matching import coverage, mx_matches, unused_patterns
from .policy import POLICY_PATH, RECOMMENDED_MAX_AGE, Policy, parse_policy, suggested_policy
from .record import VERSION, select_record

WEEK = 604800
SUGGESTED_RECORD = f"{VERSION}; id=<YYYYMMDDhhmm>"

FINDING_CODES = {
    "mta_sts.valid": "A valid MTA-STS record and policy are published",
    "mta_sts.none": "No MTA-STS: senders cannot insist on authenticated TLS",
    "mta_sts.error": "The MTA-STS record could not be looked up",
    "mta_sts.record.missing": "A policy is served but no _mta-sts TXT record points senders to it",
    "mta_sts.record.invalid": "The _mta-sts TXT record breaks the RFC 8461 grammar: senders ignore MTA-STS",
    "mta_sts.record.multiple": "More than one v=STSv1 TXT record: senders ignore MTA-STS",
    "mta_sts.record.warning": "The _mta-sts TXT record works but has a questionable detail",
    "mta_sts.record.ignored": "A TXT string at _mta-sts looks like an MTA-STS record but is not one (case, leading space)",
    "mta_sts.policy_host.missing": "mta-sts.<domain> does not resolve: the policy cannot be fetched",
    "mta_sts.policy_host.not_public": "mta-sts.<domain> has only non-public addresses",
    "mta_sts.policy.dns": "The policy host name could not be resolved",
    "mta_sts.policy.tcp": "No TCP connection to the policy host on port 443",
    "mta_sts.policy.timeout": "The policy host did not answer in time",
    "mta_sts.policy.tls": "The TLS handshake with the policy host failed",
    "mta_sts.policy.certificate": "The policy host's certificate is not valid for mta-sts.<domain>",
    "mta_sts.policy.http_status": "The policy URL does not answer 200 OK",
    "mta_sts.policy.redirect": "The policy URL redirects; senders must not follow redirects",
    "mta_sts.policy.content_type": "The policy is not served as text/plain",
    "mta_sts.policy.too_large": "The policy is larger than 64 KiB",
    "mta_sts.policy.other": "The policy could not be fetched (protocol error)",
    "mta_sts.policy.invalid": "The policy file breaks the RFC 8461 grammar",
    "mta_sts.policy.warning": "The policy works but has a questionable detail",
    "mta_sts.mx.uncovered": "An MX host matches no mx pattern of the policy",
    "mta_sts.mx.certificate_invalid": "An MX host's certificate is not WebPKI-valid for its name",
    "mta_sts.mx.no_starttls": "An MX host does not offer a working STARTTLS",
    "mta_sts.mx.unused_pattern": "A policy mx pattern matches none of the MX hosts",
    "mta_sts.mx.ip_literal": "A policy mx value is an IP address, which never matches an MX name",
    "mta_sts.mode.testing": "The policy is in testing mode: failures are only reported",
    "mta_sts.mode.none": "The policy is in mode none: MTA-STS is switched off",
    "mta_sts.max_age.short": "The policy's max_age is short",
}


@dataclass(frozen=True)
class MtaStsResult:
    status: str
    record: dict
    policy_host: dict
    policy: dict
    mx_coverage: dict

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "record": dict(self.record),
            "policy_host": dict(self.policy_host),
            "policy": dict(self.policy),
            "mx_coverage": dict(self.mx_coverage),
        }


def _mx_names(mx: MxResult | None) -> list[str]:
    names = []
    for host in mx.hosts if mx is not None else ():
        name = host.name.rstrip(".").lower()
        if name and name not in names:
            names.append(name)
    return names


def _probe_facts(starttls: StarttlsResult | None) -> list[dict]:
    """Per-address probe facts {name, address, status, webpki_valid, webpki_error}."""
    facts = []
    for host in starttls.hosts if starttls is not None else ():
        certificate = host.certificate or {}
        facts.append({"name": host.name.rstrip(".").lower(), "address": host.address, "status": host.status,
                      "webpki_valid": certificate.get("webpki_valid"),
                      "webpki_error": certificate.get("webpki_error")})
    return facts


def evaluate_mta_sts(retrieved: MtaStsRetrieved, mx: MxResult | None = None,
                     starttls: StarttlsResult | None = None) -> Evaluated:
    """mx: the MX result (None when that check failed); starttls: the STARTTLS result."""
    domain = retrieved.domain
    names = _mx_names(mx)
    findings: list[Finding] = []
    record_name = f"_mta-sts.{domain}"
    policy_url = f"https://mta-sts.{domain}{POLICY_PATH}"
    base = {"domain": domain, "mx_hosts": names, "record_name": record_name, "policy_url": policy_url}

    def add(code, severity, detail, subject=None, **data):
        findings.append(Finding(code, severity, "mta_sts", detail, subject or domain, {**base, **data}))

    # -- the TXT record (RFC 8461 3.1)
    answer = retrieved.record_answer
    lookup_error = retrieved.record_error or _failure(answer)
    raw = list(getattr(answer, "txt_strings", ()) or ()) if not lookup_error else []
    kept: tuple[str, ...] = ()
    if lookup_error:
        record = {"status": "error", "id": None, "raw": [], "errors": [lookup_error]}
    else:
        selection = select_record(raw)
        kept = selection.sts_records
        rec = selection.record
        record = {"status": selection.status, "id": rec.id if rec and rec.valid else None, "raw": raw,
                  "errors": list(selection.errors)}
        for warning in rec.warnings if rec else ():
            add("mta_sts.record.warning", "info", warning, record_name, record=rec.raw)
        if selection.status == "missing":
            for note in selection.ignored:
                add("mta_sts.record.ignored", "info", note, record_name)

    # -- the policy host and the fetch (RFC 8461 3.3)
    host = retrieved.policy_host
    policy_host = {"status": host.status, "addresses": list(host.addresses)}
    fetch = retrieved.fetch
    parsed: Policy | None = None
    policy = {"status": "not-fetched", "fetch_error": None, "http_status": None, "mode": None,
              "max_age": None, "mx": [], "errors": []}
    if fetch is not None:
        policy.update(fetch_error=fetch.fetch_error, http_status=fetch.http_status)
        if fetch.fetch_error:
            policy["status"] = "fetch-error"
            policy["errors"] = [f"{fetch.fetch_error}: {fetch.detail}" if fetch.detail else fetch.fetch_error]
        else:
            parsed = parse_policy(fetch.body or b"")
            # The file's hash lets a later check see it changed while the record's id did not (RFC 8461 3.1).
            policy["sha256"] = hashlib.sha256(fetch.body or b"").hexdigest()
            policy.update(status="valid" if parsed.valid else "invalid", mode=parsed.mode,
                          max_age=parsed.max_age, mx=list(parsed.mx), errors=list(parsed.errors))

    covered, uncovered = coverage(names, parsed.mx) if parsed is not None else ([], [])
    mx_coverage = {"covered": covered, "uncovered": uncovered}

    # -- overall status (the thesis's Table 15: valid = valid record AND valid policy)
    if record["status"] == "error" or (record["status"] == "missing" and host.status == "error"):
        status = "error"
    elif record["status"] == "missing" and host.status == "missing":
        status = "none"
    elif record["status"] == "valid" and policy["status"] == "valid":
        status = "valid"
    else:
        status = "invalid"

    mode = parsed.mode if parsed is not None else None
    max_age = parsed.max_age if parsed is not None else None
    fix_policy = suggested_policy(names, "enforce", max(max_age or 0, RECOMMENDED_MAX_AGE))
    base["suggested_policy"] = fix_policy

    if status == "error":
        add("mta_sts.error", "warn", f"TXT lookup of {record_name} failed: {lookup_error or host.detail}",
            record_name)
    elif status == "none" and mx is not None and mx.status in ("null", "nxdomain"):
        add("mta_sts.none", "info", f"{domain} publishes no {record_name} TXT record and no mta-sts.{domain} "
            "host; none is needed, since the domain accepts no mail")
    elif status == "none":
        add("mta_sts.none", "warn", f"{domain} publishes no {record_name} TXT record and no mta-sts.{domain} host",
            suggested_record=SUGGESTED_RECORD)
    _record_findings(add, record, host, record_name, kept)
    _fetch_findings(add, retrieved, fetch, record)
    if parsed is not None:
        _policy_findings(add, parsed, names, covered, uncovered, _probe_facts(starttls), policy_url)
    if status == "valid":
        add("mta_sts.valid", "pass",
            f"policy id {record['id']} in mode {mode}, max_age {max_age}, mx {', '.join(parsed.mx) or '(none)'}",
            policy_url, mode=mode, max_age=max_age, mx=list(parsed.mx))
    return Evaluated(MtaStsResult(status, record, policy_host, policy, mx_coverage), tuple(findings))


def _record_findings(add, record, host, record_name, kept):
    status = record["status"]
    if status == "missing" and host.status == "resolves":
        add("mta_sts.record.missing", "fail",
            f"mta-sts host exists but {record_name} has no v=STSv1 TXT record, so senders never fetch the policy",
            record_name, suggested_record=SUGGESTED_RECORD)
    elif status == "invalid":
        add("mta_sts.record.invalid", "fail", f"{record_name}: " + "; ".join(record["errors"][:3]), record_name,
            errors=record["errors"], raw=record["raw"], suggested_record=SUGGESTED_RECORD)
    elif status == "multiple":
        sts = list(kept)
        add("mta_sts.record.multiple", "fail",
            f"{record_name} has {len(sts)} v=STSv1 records; senders ignore them all (RFC 8461 3.1)",
            record_name, records=sts, suggested_record=SUGGESTED_RECORD)


def _fetch_findings(add, retrieved, fetch, record):
    host = retrieved.policy_host
    if host.status == "missing" and record["status"] in ("valid", "invalid", "multiple"):
        add("mta_sts.policy_host.missing", "fail", f"{host.name} has no A or AAAA record; the policy cannot be fetched",
            host.name)
    if fetch is None or not fetch.fetch_error:
        return
    if fetch.not_contacted and not fetch.attempts:
        add("mta_sts.policy_host.not_public", "fail",
            f"{host.name} resolves only to non-public addresses ({', '.join(fetch.not_contacted)}); not contacted",
            host.name, addresses=list(fetch.not_contacted))
        return
    if fetch.fetch_error == "dns" and host.status == "missing":
        return  # policy_host.missing says it
    code = "mta_sts.policy." + fetch.fetch_error.replace("-", "_")
    address = fetch.attempts[-1].address if fetch.attempts else None
    detail = f"GET {fetch.url}" + (f" ({address})" if address else "") + f": {fetch.detail or fetch.fetch_error}"
    add(code, "fail", detail, host.name, fetch_error=fetch.fetch_error, http_status=fetch.http_status,
        location=fetch.location, content_type=fetch.content_type, address=address)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip("[]"))
        return True
    except ValueError:
        return False


def _policy_findings(add, parsed: Policy, names, covered, uncovered, probes, policy_url):
    if not parsed.valid:
        tolerated = parsed.tolerated
        note = (" Lenient senders still read it; strict ones ignore the policy." if tolerated
                else " Senders ignore the policy.")
        add("mta_sts.policy.invalid", "fail", "; ".join(parsed.errors[:3]) + "." + note, policy_url,
            errors=list(parsed.errors), tolerated=tolerated)
    for warning in parsed.warnings:
        add("mta_sts.policy.warning", "info", warning, policy_url)
    mode = parsed.mode
    for pattern in parsed.mx:
        if _is_ip(pattern):
            add("mta_sts.mx.ip_literal", "warn",
                f"mx {pattern} is an IP address; MX hosts are matched by name, so it never matches", policy_url,
                pattern=pattern)
    for pattern in unused_patterns(names, parsed.mx) if names else ():
        if not _is_ip(pattern):
            add("mta_sts.mx.unused_pattern", "info", f"mx pattern {pattern} matches none of the MX hosts",
                policy_url, pattern=pattern)
    if mode == "testing":
        add("mta_sts.mode.testing", "warn",
            "mode is testing: senders deliver even when TLS fails; after reviewing TLS-RPT reports, "
            "move to enforce (thesis 6.1.3)", policy_url)
    elif mode == "none":
        add("mta_sts.mode.none", "info", "mode is none: senders treat the domain as having no MTA-STS policy",
            policy_url)
    if parsed.max_age is not None and mode in ("enforce", "testing"):
        if parsed.max_age < WEEK:
            add("mta_sts.max_age.short", "warn",
                f"max_age is {parsed.max_age} s (under a week); senders re-fetch often and an attacker who "
                f"blocks the fetch gets through sooner; use at least {RECOMMENDED_MAX_AGE}", policy_url,
                max_age=parsed.max_age, recommended=RECOMMENDED_MAX_AGE)
        elif mode == "enforce" and parsed.max_age < RECOMMENDED_MAX_AGE:
            add("mta_sts.max_age.short", "info",
                f"max_age is {parsed.max_age} s; common guidance for enforce is at least {RECOMMENDED_MAX_AGE}",
                policy_url, max_age=parsed.max_age, recommended=RECOMMENDED_MAX_AGE)
    if mode not in ("enforce", "testing"):
        return
    if not parsed.valid and not parsed.tolerated:
        return  # senders discard a policy they cannot parse (RFC 8461 3.3): it has no consequences
    # Delivery consequences (RFC 8461 4.2): with enforce, senders refuse these MX hosts.
    severity = "fail" if mode == "enforce" else "warn"
    consequence = ("senders honouring the policy will not deliver to it" if mode == "enforce"
                   else "in enforce mode senders would not deliver to it; now it is only reported")
    for host in uncovered:
        add("mta_sts.mx.uncovered", severity, f"MX {host} matches no mx pattern of the policy; {consequence}",
            host, host=host, patterns=list(parsed.mx), uncovered=list(uncovered))
    for host in names:
        if not any(mx_matches(host, p) for p in parsed.mx):
            continue  # already reported as uncovered
        seen = [p for p in probes if p["name"] == host]
        no_tls = [p for p in seen if p["status"] in ("not-offered", "handshake-failed")]
        bad_cert = [p for p in seen if p["status"] == "ok" and p["webpki_valid"] is False]
        if no_tls:
            where = ", ".join(f"{p['address']} ({p['status']})" for p in no_tls)
            add("mta_sts.mx.no_starttls", severity, f"MX {host} has no working STARTTLS at {where}; {consequence}",
                host, host=host, addresses=[p["address"] for p in no_tls])
        if bad_cert:
            why = bad_cert[0]["webpki_error"] or "not valid"
            add("mta_sts.mx.certificate_invalid", severity,
                f"MX {host} presents a certificate that is not WebPKI-valid for its name ({why}); {consequence}",
                host, host=host, addresses=[p["address"] for p in bad_cert], webpki_error=why)
