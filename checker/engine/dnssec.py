"""DNSSEC status of the domain itself, as a validating resolver sees it (RFC 4033-4035).

The checker trusts CHECKER_RESOLVER to validate; it proves that first by asking for the
root DNSKEY RRset with DO and requiring AD (Resolver.validates). Without that proof an
unsigned-looking answer means nothing, so the status is `error`, never `insecure`.

The status is read from the domain's SOA query: the SOA itself at a zone apex, or the
authenticated NODATA/NXDOMAIN proof below one (RFC 4035 3.1.3), so an insecure delegation
below a signed parent and a signed zone without DS are both `insecure`. The domain's MX
answer counts too: a signed zone whose MX RRset fails validation is `bogus` (validating
senders cannot get its mail routing, RFC 4035 5.5), even when its SOA validates.
"""
from dataclasses import dataclass
from datetime import datetime, timezone

from .dns import BOGUS, ERROR, INSECURE, INSECURE_EDE, SECURE, DnsAnswer, ds_rrset_exists, format_ede, validates_from
from .findings import Finding
from .protocol import BAD, GOOD, WARN, Evaluated, Protocol

FINDING_CODES = {
    "dnssec.secure": "The domain is DNSSEC-signed and validates from the root trust anchor",
    "dnssec.insecure": "The domain is not DNSSEC-signed (no secure DS at the parent)",
    "dnssec.unsupported_algorithm": "A DS exists but the zone uses an algorithm or digest validators do not support, so it counts as unsigned",
    "dnssec.bogus": "The domain is signed but validation fails: validating resolvers refuse its records",
    "dnssec.error": "The DNSSEC status could not be determined (timeout or SERVFAIL without a validation error)",
    "dnssec.nxdomain": "The domain does not exist in DNS",
    "dnssec.resolver_not_validating": "The checker's resolver does not validate DNSSEC, so DNSSEC results cannot be trusted",
}


@dataclass(frozen=True)
class DnssecRetrieved:
    domain: str
    soa: DnsAnswer
    ds: DnsAnswer
    mx: DnsAnswer | None = None   # the domain's MX answer (shared with the MX check)


@dataclass(frozen=True)
class DnssecResult:
    status: str             # secure | insecure | bogus | error
    ds_present: bool
    reason: str | None
    resolver_validates: bool | None = None
    rrsig_expires: str | None = None   # earliest RRSIG expiration of the apex SOA/MX (RFC 3339)

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "ds_present": self.ds_present,
            "reason": self.reason,
            "resolver_validates": self.resolver_validates,
            "rrsig_expires": self.rrsig_expires,
        }


def apex_rrsig_expires(*answers: DnsAnswer | None) -> str | None:
    """When the first signature over the domain's own secure SOA/MX RRsets expires (RFC 4034
    3.1.5): past it validators call the zone bogus unless the signer has re-signed it."""
    times = [a.rrsig_expiration for a in answers
             if a is not None and a.security == SECURE and getattr(a, "rrsig_expiration", None) is not None]
    if not times:
        return None
    return datetime.fromtimestamp(min(times), timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def resolver_trusted(resolver_validates: bool | None, *answers: DnsAnswer | None) -> bool:
    """The resolver validates: proven by the root DNSKEY (Resolver.validates), or, when that
    lookup failed, by an answer that only a validator gives (AD, or a bogus verdict)."""
    if resolver_validates is not None:
        return resolver_validates
    return any(answer is not None and answer.security in (SECURE, BOGUS) for answer in answers)


def _deciding_answer(retrieved: DnssecRetrieved) -> DnsAnswer:
    """The SOA answer, unless the MX answer is bogus (or the SOA lookup failed and MX did not)."""
    soa, mx = retrieved.soa, retrieved.mx
    if mx is None or soa.security == BOGUS:
        return soa
    if mx.security == BOGUS or (soa.security == ERROR and mx.security != ERROR):
        return mx
    return soa


def evaluate_dnssec(retrieved: DnssecRetrieved, resolver_validates: bool | None):
    domain = retrieved.domain
    soa = _deciding_answer(retrieved)
    has_ds = ds_rrset_exists(retrieved.ds)

    expires = apex_rrsig_expires(retrieved.soa, retrieved.mx)

    def result(status, reason, *findings):
        return Evaluated(DnssecResult(status, has_ds, reason, resolver_validates, expires), tuple(findings))

    def finding(code, severity, detail, **data):
        return Finding(code, severity, "dnssec", detail, subject=domain, data=data)

    if not resolver_trusted(resolver_validates, soa):
        reason = ("the checker's resolver does not set AD for the root DNSKEY RRset, so it does not validate"
                  if resolver_validates is False else
                  "could not confirm that the checker's resolver validates DNSSEC (the root DNSKEY lookup failed)")
        return result(ERROR, reason, finding("dnssec.resolver_not_validating", "fail", reason))

    if soa.nxdomain and soa.security in (SECURE, INSECURE):
        detail = f"{domain} does not exist (NXDOMAIN)"
        return result(ERROR, "NXDOMAIN", finding("dnssec.nxdomain", "info", detail))

    if soa.security == SECURE:
        return result(SECURE, None, finding(
            "dnssec.secure", "pass", f"{domain} validates with DNSSEC (AD bit set)", ds_present=has_ds))

    if soa.security == INSECURE:
        unsupported = [item for item in soa.ede if item[0] in INSECURE_EDE]
        if has_ds and (unsupported or retrieved.ds.security == SECURE):
            # RFC 6840 5.2: a zone signed only with algorithms the validator does not know is
            # treated as unsigned; the DS shows the owner meant to sign it.
            reason = format_ede(*unsupported[0]) if unsupported else soa.reason
            detail = (f"{domain} has a DS record at the parent, but validators treat the zone as unsigned"
                      + (f" ({reason})" if reason else ""))
            return result(INSECURE, reason, finding("dnssec.unsupported_algorithm", "warn", detail,
                                                    ds=list(retrieved.ds.records)))
        detail = (f"{domain} has a DS record, but its parent zone is not signed, so no chain of trust reaches it"
                  if has_ds else f"{domain} is not DNSSEC-signed: the parent zone has no DS record for it")
        return result(INSECURE, None, finding("dnssec.insecure", "warn", detail))

    if soa.security == BOGUS:
        reason = soa.reason or "validation failed"
        return result(BOGUS, reason, finding(
            "dnssec.bogus", "fail", f"DNSSEC validation of the {soa.rdtype} records of {domain} fails: {reason}",
            reason=reason, rdtype=soa.rdtype))

    reason = soa.reason or soa.rcode
    return result(ERROR, reason, finding(
        "dnssec.error", "fail", f"The DNSSEC status of {domain} could not be determined: {soa.rcode}, {reason}",
        rcode=soa.rcode))


# --- what run.py schedules and evaluates (checker/engine/protocol.py) --------------------

def _start(check):
    """The resolver's own validation, the domain's SOA and DS; the MX answer is the mx part's."""
    check.ask("dnssec", ("validates",), ".", "DNSKEY")   # Resolver.avalidates, read by validates_from
    check.ask("dnssec", ("soa",), check.domain, "SOA")
    check.ask("dnssec", ("ds",), check.domain, "DS")


def trusted(check) -> bool:
    """resolver_trusted() from what this check retrieved (used by the mx and dane parts)."""
    values = check.values
    return resolver_trusted(validates_from(values.get(("validates",))), values.get(("soa",)), values.get(("mx",)))


def _evaluate(check, results):
    retrieved = DnssecRetrieved(check.domain, check.need(("soa",), "dnssec"), check.need(("ds",), "dnssec"),
                                check.values.get(("mx",)))
    return evaluate_dnssec(retrieved, validates_from(check.values.get(("validates",))))


PROTOCOL = Protocol(
    name="dnssec", label="DNSSEC",
    statuses={"secure": GOOD, "insecure": WARN, "bogus": BAD, "error": BAD},
    finding_codes=FINDING_CODES, references=("RFC 4033",),
    error_section=lambda: {"status": "error", "ds_present": False, "reason": None},
    start=_start, evaluate=_evaluate,
)
