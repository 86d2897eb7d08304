"""DNSSEC status of the domain itself, as a validating resolver sees it (RFC 4033-4035).

The checker trusts CHECKER_RESOLVER to validate; it proves that first by asking for the
root DNSKEY RRset with DO and requiring AD (Resolver.validates). Without that proof an
unsigned-looking answer means nothing, so the status is `error`, never `insecure`.
"""
import time
from dataclasses import dataclass

from .dns import BOGUS, ERROR, INSECURE, INSECURE_EDE, SECURE, DnsAnswer, format_ede
from .findings import Finding

FINDING_CODES = {
    "dnssec.secure": "The domain is DNSSEC-signed and validates from the root trust anchor",
    "dnssec.insecure": "The domain is not DNSSEC-signed (no DS at the parent)",
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


@dataclass(frozen=True)
class DnssecResult:
    status: str             # secure | insecure | bogus | error
    ds_present: bool
    reason: str | None
    resolver_validates: bool | None = None

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "ds_present": self.ds_present,
            "reason": self.reason,
            "resolver_validates": self.resolver_validates,
        }


def retrieve_dnssec(domain: str, resolver, deadline: float) -> DnssecRetrieved:
    """The domain's SOA (its own answer, or the NODATA proof below a zone apex) and DS."""
    return DnssecRetrieved(domain, resolver.query(domain, "SOA", deadline), resolver.query(domain, "DS", deadline))


def ds_present(answer: DnsAnswer) -> bool:
    # A bogus parent still tells us a DS exists (the data comes back with CD set).
    if answer.security == ERROR or answer.rcode not in ("NOERROR", "SERVFAIL"):
        return False
    return answer.has_records and not answer.cname_chain


def evaluate_dnssec(retrieved: DnssecRetrieved, resolver_validates: bool | None):
    domain, soa = retrieved.domain, retrieved.soa
    has_ds = ds_present(retrieved.ds)

    def result(status, reason, *findings):
        return DnssecResult(status, has_ds, reason, resolver_validates), tuple(findings)

    def finding(code, severity, detail, **data):
        return Finding(code, severity, "dnssec", detail, subject=domain, data=data)

    proven_by_answer = soa.security == SECURE  # an AD answer proves the resolver validates
    if resolver_validates is False or (resolver_validates is None and not proven_by_answer):
        reason = ("the checker's resolver does not set AD for the root DNSKEY RRset, so it does not validate"
                  if resolver_validates is False else
                  "could not confirm that the checker's resolver validates DNSSEC (no answer for the root DNSKEY)")
        return result(ERROR, reason, finding("dnssec.resolver_not_validating", "fail", reason))

    if soa.nxdomain and soa.security in (SECURE, INSECURE):
        detail = f"{domain} does not exist (NXDOMAIN)"
        return result(ERROR, "NXDOMAIN", finding("dnssec.nxdomain", "info", detail))

    if soa.security == SECURE:
        return result(SECURE, None, finding(
            "dnssec.secure", "pass", f"{domain} validates with DNSSEC (AD bit set)", ds_present=has_ds))

    if soa.security == INSECURE:
        unsupported = [item for item in soa.ede if item[0] in INSECURE_EDE]
        if has_ds:
            # RFC 6840 5.2: a zone signed only with algorithms the validator does not know is
            # treated as unsigned; the DS shows the owner meant to sign it.
            reason = format_ede(*unsupported[0]) if unsupported else soa.reason
            detail = (f"{domain} has a DS record at the parent, but validators treat the zone as unsigned"
                      + (f" ({reason})" if reason else ""))
            return result(INSECURE, reason, finding("dnssec.unsupported_algorithm", "warn", detail,
                                                    ds=list(retrieved.ds.records)))
        return result(INSECURE, None, finding(
            "dnssec.insecure", "warn", f"{domain} is not DNSSEC-signed: the parent zone has no DS record for it"))

    if soa.security == BOGUS:
        reason = soa.reason or "validation failed"
        return result(BOGUS, reason, finding("dnssec.bogus", "fail", f"DNSSEC validation of {domain} fails: {reason}",
                                             reason=reason))

    reason = soa.reason or soa.rcode
    return result(ERROR, reason, finding(
        "dnssec.error", "fail", f"The DNSSEC status of {domain} could not be determined: {soa.rcode}, {reason}",
        rcode=soa.rcode))


def check_dnssec(domain: str, resolver, deadline: float | None = None):
    """Retrieve and evaluate in one call (for scripts and tests)."""
    deadline = deadline if deadline is not None else time.monotonic() + 10
    validates = resolver.validates(deadline)
    return evaluate_dnssec(retrieve_dnssec(domain, resolver, deadline), validates)
