"""DANE for SMTP: TLSA records of the MX hosts and the chain each presented (RFC 6698, 7671, 7672).

PROTOCOL asks for the TLSA RRset at tlsa_name() of every checked MX host (and of the secure
CNAME expansion of an alias); evaluate_dane is pure: it classifies each host's TLSA
RRset (Table 11 of the thesis) and matches usable records against the chain recorded by
the STARTTLS probe (the same TLS session: we never connect twice).
"""
from dataclasses import dataclass
from datetime import datetime

from .certs import load_chain
from .dns import MAX_RECORDS as MAX_LISTED  # TLSA records listed in the report per host
from . import mx as mx_mod
from . import dnssec, starttls
from .findings import Finding
from .protocol import BAD, GOOD, NEUTRAL, WARN, Evaluated, Protocol
from .tlsa import (DANE_EE, DANE_TA, TlsaRecord, match_chain, parse_record, record_matches,  # noqa: F401
                   spki_sha256)  # (dane.* API)

TLSA_PORT = 25  # the DNS name always uses port 25 (RFC 7672 2.2.3), whatever port tests dial

FINDING_CODES = {
    "dane.all": "Every MX host publishes a DNSSEC-secure, usable TLSA RRset",
    "dane.partial": "Some MX hosts publish usable TLSA records, others do not",
    "dane.none": "No MX host publishes TLSA records: DANE senders cannot authenticate the MX",
    "dane.invalid": "TLSA records are published but none is secure and usable",
    "dane.error": "The TLSA records could not be looked up",
    "dane.mx_error": "DANE was not checked: the MX records could not be looked up",
    "dane.tlsa.missing": "This MX host has no TLSA record",
    "dane.tlsa.insecure": "TLSA records exist in an unsigned zone: senders ignore them",
    "dane.tlsa.bogus": "The TLSA answer fails DNSSEC validation: DANE senders defer mail to this MX",
    "dane.tlsa.error": "The TLSA lookup for this MX host failed (timeout or SERVFAIL)",
    "dane.tlsa.malformed": "A TLSA record cannot be parsed",
    "dane.tlsa.unusable": "The secure TLSA RRset has no record usable for SMTP",
    "dane.record.unusable": "A TLSA record is ignored by SMTP senders (usage, selector, matching type or data)",
    "dane.record.not_recommended": "The TLSA records do not include the recommended 3 1 1 form",
    "dane.rollover.single_record": "Only one TLSA record: no next key is pre-published for a rollover",
    "dane.host_address_insecure": "The MX host's address records are not DNSSEC-secure, so senders skip DANE",
    "dane.match.pass": "The certificate presented over STARTTLS matches a TLSA record",
    "dane.match.fail": "No TLSA record matches the certificate presented over STARTTLS",
    "dane.match.no_starttls": "TLSA records are published but STARTTLS failed: DANE senders defer mail",
    "dane.match.not_tested": "The TLSA records could not be compared with a certificate (no TLS session)",
}


@dataclass(frozen=True)
class DaneHost:
    name: str
    tlsa: str  # valid unusable invalid none insecure bogus error
    records: tuple = ()
    match: str = "not-tested"  # pass fail not-tested
    match_detail: str | None = None
    spki_sha256: str | None = None
    tlsa_base_domain: str | None = None  # whose _25._tcp TLSA RRset `tlsa`/`records` describe
    unmatched_records: tuple = ()  # usable records matching no presented certificate: a next key (or stale)
    trust_anchor_not_after: str | None = None  # earliest expiry of a presented CA certificate a DANE-TA record matches

    def as_dict(self) -> dict:
        return {"name": self.name, "tlsa": self.tlsa, "records": list(self.records), "match": self.match,
                "match_detail": self.match_detail, "tlsa_base_domain": self.tlsa_base_domain or self.name,
                "unmatched_records": list(self.unmatched_records),
                "trust_anchor_not_after": self.trust_anchor_not_after}


@dataclass(frozen=True)
class DaneResult:
    status: str  # all some none invalid not-applicable error
    hosts: tuple = ()
    verified: str = "not-tested"  # all some none not-tested

    def as_dict(self) -> dict:
        return {"status": self.status, "hosts": [host.as_dict() for host in self.hosts], "verified": self.verified}


def tlsa_name(mx_host: str, port: int = TLSA_PORT) -> str:
    return f"_{port}._tcp.{mx_host.rstrip('.')}"


# --- classification --------------------------------------------------------------------

def classify(answer, records) -> str:
    if answer is None:
        return "error"
    if answer.security == "bogus":
        return "bogus"
    if answer.security == "error" or answer.rcode not in ("NOERROR", "NXDOMAIN"):
        return "error"
    if not records:
        return "none"
    if answer.security != "secure":
        return "insecure"
    if any(record.problem is None for record in records):
        return "valid"
    return "invalid" if any(record.malformed for record in records) else "unusable"


# --- evaluation ------------------------------------------------------------------------

def _every_record(answer) -> tuple:
    """All TLSA records of the answer. The report lists at most MAX_LISTED of them, but a
    host passes when any usable record matches (RFC 6698 2.1, RFC 7671 5): a match past the
    listing cap (60 records, say) must still count."""
    if answer is None:
        return ()
    every = getattr(answer, "every_record", None)
    return tuple(every() if callable(every) else (getattr(answer, "records", None) or ()))


def _secure_alias(name, mx_host) -> str | None:
    """The host's CNAME-expanded name when the expansion is DNSSEC-secure (its address
    records, CNAMEs included, validated as secure), else None."""
    alias = (mx_host.canonical_name or "").rstrip(".").lower()
    return alias if alias and alias != name and mx_host.dnssec == "secure" else None


def _select_tlsa(name, mx_host, tlsa_answers):
    """(TLSA base domain, answer) for one MX host: RFC 7672 2.2.3 (and RFC 7671 7).

    When the host name is an alias whose CNAME expansion is secure, the expanded name is
    the first candidate TLSA base domain and the host name the second. A candidate is
    passed over only when its TLSA records are not found (NODATA/NXDOMAIN) or insecure;
    a secure RRset (usable or not) settles it, and so does a bogus or failed lookup, which
    leaves a DANE sender unable to go on (RFC 7672 2.1.1). An insecure expansion is no
    candidate: only the host name is. tlsa_answers without the expanded name means it
    was not looked up (hand-made input); None under it means the lookup did not finish."""
    alias = _secure_alias(name, mx_host)
    if alias is not None and alias in tlsa_answers:
        answer = tlsa_answers[alias]
        parsed = [parse_record(text) for text in _every_record(answer)]
        if classify(answer, parsed) not in ("none", "insecure"):
            return alias, answer
    return name, tlsa_answers.get(name)


def _reference_names(name, mx_host) -> list[str]:
    """RFC 7672 3.2.2: the MX host name and the TLSA base domain, which is the MX host name
    after (secure) CNAME expansion of its address records (2.2.3, _select_tlsa). A CNAME on the TLSA
    record itself only says where the records are kept: it never adds a name the
    certificate may carry (RFC 7671 7)."""
    names = [name]
    alias = (mx_host.canonical_name or "").rstrip(".").lower()
    if alias and alias not in names:
        names.append(alias)
    return names


def _host_match(records, probes, references, at_time):
    """(match, detail, no_tls) for one MX host, over all its probed addresses.

    A sender may pick any address of the host (RFC 5321 5.1), so the host passes only
    when every address that answered passes: one address without STARTTLS or with an
    unmatched chain makes DANE senders defer part of the mail (RFC 7672 2.2). Addresses
    never reached (unreachable, refused-address) say nothing and are left out; with none
    left the host is not-tested. no_tls: every failure was a missing TLS session."""
    outcomes = []
    for probe in probes:
        if probe.status == "ok":
            ok, detail = match_chain(records, probe.chain_der, references, at_time)
            outcomes.append((ok, f"{probe.address}: {detail}", False))
        elif probe.status in ("not-offered", "handshake-failed"):
            outcomes.append((False, f"{probe.address}: STARTTLS {probe.status} ({probe.error or 'no detail'})", True))
    if not outcomes:
        return "not-tested", "no TLS session with this host", False
    failed = [item for item in outcomes if not item[0]]
    if not failed:
        return "pass", outcomes[0][1], False
    return "fail", failed[0][1], all(item[2] for item in failed)


def evaluate_dane(mx_hosts, tlsa_answers, probes, at_time: datetime | None = None, resolver_trusted: bool = True):
    """mx_hosts: MxHost-like (name, addresses, dnssec, canonical_name, implicit);
    tlsa_answers: {TLSA base domain: DnsAnswer or None}, the host names and, for hosts
    that are secure aliases, their expanded names (see _select_tlsa); probes: SmtpProbe
    per address; resolver_trusted: the resolver is known to validate (dnssec.resolver_trusted)."""
    findings = []

    def add(code, severity, detail, subject=None, **data):
        findings.append(Finding(code, severity, "dane", detail, subject=subject, data=data))

    tlsa_answers = {key.rstrip(".").lower(): value for key, value in tlsa_answers.items()}
    hosts = [h for h in mx_hosts if not (h.implicit and not h.addresses)]
    if not hosts:
        return Evaluated(DaneResult("not-applicable"), ())
    results = []
    for mx_host in hosts:
        name = mx_host.name.rstrip(".").lower()
        base, answer = _select_tlsa(name, mx_host, tlsa_answers)
        parsed = [parse_record(text) for text in _every_record(answer)]
        tlsa = classify(answer, parsed)
        if tlsa == "insecure" and not resolver_trusted:
            # Without a validating resolver "insecure" is not proven (RFC 6840 5.7).
            tlsa = "error"
        texts = tuple(record.text for record in parsed[:MAX_LISTED])
        host_probes = [p for p in probes if p.host.rstrip(".").lower() == name]
        spki = _leaf_spki(host_probes)
        match, detail = "not-tested", None
        if tlsa == "valid":
            references = _reference_names(name, mx_host)
            match, detail, no_tls = _host_match(parsed, host_probes, references, at_time)
            _valid_host_findings(add, name, base, parsed, match, detail, spki, no_tls, mx_host)
        else:
            alias = _secure_alias(name, mx_host)
            tried = alias if alias is not None and alias in tlsa_answers and base == name else None
            _other_host_findings(add, name, base, tlsa, parsed, answer, spki, texts, tried)
        unmatched, anchor_expiry = _key_facts(parsed, host_probes) if tlsa == "valid" else ((), None)
        results.append(DaneHost(name, tlsa, texts, match, detail, spki, base, unmatched, anchor_expiry))
    status = _status(results)
    verified = _verified(results)
    _domain_findings(add, status, results)
    return Evaluated(DaneResult(status, tuple(results), verified), tuple(findings))


def _key_facts(parsed, probes) -> tuple:
    """(unmatched, trust anchor expiry) for monitoring. Unmatched: usable records that match no
    certificate any address presented (DANE-EE/PKIX-EE: the leaf; DANE-TA/PKIX-TA: a
    certificate after it); with the current key matched, such a record is what RFC 7671 8.1
    asks for before a key change: the next key's record. The expiry is the earliest not-after
    of the presented CA certificates that DANE-TA records match: when it passes, the issuer
    changes and those records stop matching (RFC 7671 8.4)."""
    chains = []
    for probe in probes:
        if probe.status == "ok" and probe.chain_der:
            try:
                chains.append(load_chain(probe.chain_der))
            except ValueError:
                continue
    if not chains:
        return (), None
    anchors = []

    def matches(record):
        found = False
        for chain in chains:
            candidates = chain[:1] if record.usage in (DANE_EE, 1) else chain[1:]
            for cert in candidates:
                if record_matches(record, cert):
                    found = True
                    if record.usage == DANE_TA:
                        anchors.append(cert.not_valid_after_utc)
        return found

    unmatched = tuple(r.text for r in parsed if r.problem is None and not matches(r))[:MAX_LISTED]
    expiry = min(anchors).strftime("%Y-%m-%dT%H:%M:%SZ") if anchors else None
    return unmatched, expiry


def _leaf_spki(probes):
    for probe in probes:
        if probe.chain_der:
            try:
                return spki_sha256(load_chain(probe.chain_der[:1])[0])
            except ValueError:
                continue
    return None


def _status(results) -> str:
    valid = sum(1 for host in results if host.tlsa == "valid")
    if valid == len(results):
        return "all"
    if valid:
        return "some"
    if any(host.tlsa in ("unusable", "invalid", "insecure", "bogus") for host in results):
        return "invalid"
    if any(host.tlsa == "error" for host in results):
        return "error"
    return "none"


def _verified(results) -> str:
    valid = [host for host in results if host.tlsa == "valid"]
    if not valid or all(host.match == "not-tested" for host in valid):
        return "not-tested"
    passed = sum(1 for host in valid if host.match == "pass")
    if passed == len(valid):
        return "all"
    return "some" if passed else "none"


def _suggested(spki):
    return {"spki_sha256": spki, "suggested_record": f"3 1 1 {spki}"} if spki else {}


def _valid_host_findings(add, name, base, parsed, match, detail, spki, no_tls, mx_host):
    usable = [record for record in parsed if record.problem is None]
    extra = _suggested(spki)
    for record in parsed[:MAX_LISTED]:
        if record.problem:
            add("dane.record.unusable", "warn", f"{tlsa_name(base)} TLSA {record.text[:24]}...: {record.problem}",
                name, record=record.text, reason=record.problem, **extra)
    if not any((r.usage, r.selector, r.mtype) == (3, 1, 1) for r in usable):
        add("dane.record.not_recommended", "info",
            f"{name} publishes {', '.join(r.text[:5] for r in usable)}; 3 1 1 (DANE-EE, SPKI, SHA-256) is "
            "the recommended form (RFC 7671 5.1, RFC 7672 3.1.1)", name, **extra)
    if len(usable) == 1:
        add("dane.rollover.single_record", "warn",
            f"{name} has a single usable TLSA record; publish the next key's record beside it before "
            "changing the key (RFC 7671 8.1)", name, records=[usable[0].text], **extra)
    if mx_host.dnssec == "insecure":
        add("dane.host_address_insecure", "warn",
            f"The address records of {name} are not DNSSEC-signed; RFC 7672 2.2.2 senders then skip DANE", name)
    if match == "pass":
        add("dane.match.pass", "pass", f"{name}: {detail}", name, **extra)
    elif match == "fail" and no_tls:
        add("dane.match.no_starttls", "fail",
            f"{name} publishes TLSA records but {detail}; DANE senders will defer mail (RFC 7672 2.2)", name, **extra)
    elif match == "fail":
        add("dane.match.fail", "fail", f"{name}: no TLSA record matches the presented certificate ({detail})",
            name, reason=detail, **extra)
    else:
        add("dane.match.not_tested", "info", f"{name}: TLSA records not compared ({detail})", name, **extra)


def _other_host_findings(add, name, base, tlsa, parsed, answer, spki, texts, tried_alias=None):
    extra = _suggested(spki)
    if tlsa == "none":
        where = f"{tlsa_name(tried_alias)} or {tlsa_name(name)}" if tried_alias else tlsa_name(name)
        add("dane.tlsa.missing", "warn", f"{name} has no TLSA record at {where}", name, **extra)
    elif tlsa == "insecure":
        add("dane.tlsa.insecure", "warn",
            f"{tlsa_name(base)} has TLSA records but the zone is not DNSSEC-signed; senders ignore them "
            "(RFC 7672 2.2)", name, records=list(texts), **extra)
    elif tlsa == "bogus":
        add("dane.tlsa.bogus", "fail",
            f"The TLSA answer for {tlsa_name(base)} fails DNSSEC validation ({getattr(answer, 'reason', None)}); "
            "DANE senders treat the MX as unusable and defer mail (RFC 7672 2.1.1)", name,
            reason=getattr(answer, "reason", None), **extra)
    elif tlsa == "error":
        # RFC 7672 2.2: a failed TLSA lookup (not NODATA/NXDOMAIN) leaves a DANE sender unable
        # to tell whether TLS must be authenticated, so it treats the host as unusable.
        add("dane.tlsa.error", "fail",
            f"The TLSA lookup for {tlsa_name(base)} failed ({getattr(answer, 'rcode', 'no answer')}); "
            "DANE senders treat the MX as unusable and defer mail (RFC 7672 2.2)", name)
    elif tlsa in ("invalid", "unusable"):
        code = "dane.tlsa.malformed" if tlsa == "invalid" else "dane.tlsa.unusable"
        reasons = sorted({record.problem for record in parsed if record.problem}) or [
            f"the TLSA RDATA could not be parsed ({getattr(answer, 'reason', None)})"]
        add(code, "fail", f"{tlsa_name(base)} has no TLSA record usable for SMTP: {'; '.join(reasons)}", name,
            records=list(texts), reasons=reasons, **extra)


def _domain_findings(add, status, results):
    names = [host.name for host in results]
    if status == "all":
        add("dane.all", "pass", f"Every MX host ({', '.join(names)}) publishes a secure, usable TLSA RRset")
    elif status == "some":
        missing = [host.name for host in results if host.tlsa != "valid"]
        add("dane.partial", "warn", f"MX hosts without usable TLSA records: {', '.join(missing)}", mx=missing)
    elif status == "none":
        add("dane.none", "warn", "No MX host publishes TLSA records", mx=names)
    elif status == "invalid":
        add("dane.invalid", "fail", "TLSA records are published but no MX host has a secure, usable set", mx=names)
    elif status == "error":
        add("dane.error", "fail", "The TLSA records of the MX hosts could not be looked up; DANE senders defer mail "
            "(RFC 7672 2.2)", mx=names)


# --- what run.py schedules and evaluates (checker/engine/protocol.py) --------------------

def _submit_tlsa(check, name):
    if ("tlsa", name) not in check.values and ("tlsa", name) not in check.submitted:
        # an alias may be another MX host's own name: one lookup
        # Port 25 even when tests dial another port: RFC 7672 2.2.3.
        check.ask("dane", ("tlsa", name), tlsa_name(name, TLSA_PORT), "TLSA")


def _on_result(check, key, value):
    if key[0] == "mx" and check.plan is not None:
        for name, _ in check.plan.checked:
            _submit_tlsa(check, name)
    elif key[0] in ("a", "aaaa") and mx_mod.is_checked(check, key[1]):
        lookups = mx_mod.host_lookups(check, key[1])
        # RFC 7672 2.2.3: a host name that is an alias with a secure CNAME expansion has the
        # expanded name as its first TLSA base domain candidate.
        alias = mx_mod.secure_alias(key[1], lookups) if lookups is not None else None
        if alias is not None:
            _submit_tlsa(check, alias)


def _evaluate(check, results):
    mx, failed = mx_mod.needed("dane", results, check.domain, "no TLSA record was looked up")
    if failed is not None:
        return Evaluated(DaneResult("error"), (failed,))
    # Every name looked up is a key, None when its lookup did not finish: for an alias that
    # is an indeterminate answer, not the absence of a lookup (_select_tlsa).
    tlsa = {name: check.values.get(key) for key in check.submitted_keys("dane") for name in key[1:]}
    return evaluate_dane(mx.checked_hosts, tlsa, starttls.probes(check, mx.checked_hosts),
                         resolver_trusted=dnssec.trusted(check))


PROTOCOL = Protocol(
    name="dane", label="DANE",
    statuses={"all": GOOD, "some": WARN, "none": WARN, "invalid": BAD, "not-applicable": NEUTRAL, "error": BAD},
    finding_codes=FINDING_CODES, references=("RFC 7672",),
    error_section=lambda: {"status": "error", "hosts": [], "verified": "not-tested"},
    on_result=_on_result, after=("starttls",), evaluate=_evaluate,
)
