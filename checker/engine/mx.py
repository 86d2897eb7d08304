"""Where the domain's mail goes: the MX RRset (RFC 5321 5.1, RFC 7505) and its hosts' addresses.

PROTOCOL schedules the DNS work on the check's pool (the MX query, then A and AAAA of every
host as soon as the MX answer arrives); plan_mx() and evaluate_mx() are pure, so tests can
feed hand-made answers.
"""
import ipaddress
from dataclasses import dataclass, field

from .dns import BOGUS, ERROR, INSECURE, SECURE, DnsAnswer
from . import dnssec
from .findings import Finding
from .protocol import BAD, GOOD, NEUTRAL, WARN, Evaluated, Incomplete, Protocol

MAX_HOSTS = 10  # hosts checked; more are reported, not probed (bounded work per check)

FINDING_CODES = {
    "mx.present": "The domain publishes MX records whose hosts resolve",
    "mx.implicit": "No MX record: senders fall back to the domain's own address (implicit MX)",
    "mx.no_mail_host": "Neither MX nor address records: the domain cannot receive mail",
    "mx.null": "The domain declares with a null MX that it accepts no mail",
    "mx.null_preference": "A lone MX record with the target \".\" does not use preference 0, so it is not a null MX",
    "mx.null_mixed": "A null MX is published together with other MX records",
    "mx.nxdomain": "The domain does not exist",
    "mx.error": "The MX records could not be looked up (timeout, SERVFAIL or DNSSEC failure)",
    "mx.target_cname": "An MX target is an alias (CNAME), which MX records must not point to",
    "mx.target_unresolvable": "An MX target has no A or AAAA record",
    "mx.target_ip_literal": "An MX target is an IP address, not a host name",
    "mx.too_many": "More than 10 MX hosts; only the first 10 by preference are checked",
    "mx.host_lookup_error": "The addresses of an MX host could not be looked up",
    "mx.host_bogus": "The address records of an MX host fail DNSSEC validation",
}


@dataclass(frozen=True)
class MxHost:
    name: str
    preference: int
    addresses: tuple[str, ...] = ()
    dnssec: str = "error"            # security of the host's A/AAAA answers
    canonical_name: str | None = None  # set when the target is a CNAME
    implicit: bool = False

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "preference": self.preference,
            "addresses": list(self.addresses),
            "dnssec": self.dnssec,
            "canonical_name": self.canonical_name,
            "implicit": self.implicit,
        }


@dataclass(frozen=True)
class MxPlan:
    """What the MX answer alone says: the status and which host names to resolve."""
    status: str                                   # present none null invalid nxdomain error
    targets: tuple[tuple[str, int], ...] = ()     # (name, preference) of every MX host, sorted
    null_preference: int | None = None            # set for a lone "MX <n> ." with n != 0 (not a null MX)
    reason: str | None = None

    @property
    def checked(self) -> tuple[tuple[str, int], ...]:
        """The hosts whose TLS is probed and whose TLSA is looked up."""
        return self.targets[:MAX_HOSTS]

    @property
    def extra(self) -> tuple[tuple[str, int], ...]:
        return self.targets[MAX_HOSTS:]


@dataclass(frozen=True)
class MxResult:
    status: str
    hosts: tuple[MxHost, ...] = ()
    rrset_dnssec: str | None = None   # security of the MX answer (DANE needs it secure, RFC 7672 2.2.1)
    reason: str | None = None
    unchecked: tuple[str, ...] = ()   # listed in hosts, but beyond the MAX_HOSTS that are probed

    @property
    def checked_hosts(self) -> tuple[MxHost, ...]:
        return tuple(host for host in self.hosts if host.name not in self.unchecked)

    def as_dict(self) -> dict:
        return {
            "status": self.status,
            "hosts": [host.as_dict() for host in self.hosts],
            "rrset_dnssec": self.rrset_dnssec,
            "reason": self.reason,
            "unchecked": list(self.unchecked),
        }


@dataclass(frozen=True)
class MxRetrieved:
    domain: str
    answer: DnsAnswer
    host_answers: dict = field(default_factory=dict)  # name -> (A answer, AAAA answer)


NULL_TARGET = "."  # RFC 7505 3: the zero-length exchange of a null MX, written "."


def _host(text: str) -> str:
    return text.rstrip(".").lower() if text != "." else NULL_TARGET


def parse_mx(records) -> list[tuple[int, str]]:
    parsed = []
    for record in records:
        pref, _, target = record.strip().partition(" ")
        try:
            parsed.append((int(pref), _host(target.strip())))
        except ValueError:
            continue
    return parsed


def is_ip_literal(name: str) -> bool:
    candidate = name.strip("[]")
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


def plan_mx(domain: str, answer: DnsAnswer) -> MxPlan:
    if answer.security in (ERROR, BOGUS):
        return MxPlan("error", reason=answer.reason or answer.rcode)
    if answer.nxdomain:
        return MxPlan("nxdomain")
    if answer.malformed:
        return MxPlan("error", reason="the MX RDATA could not be parsed")
    entries = sorted(set(parse_mx(answer.records)))
    if not entries:
        # RFC 5321 5.1: no MX RRset -> the domain itself is the implicit MX, preference 0.
        return MxPlan("none", targets=((domain, 0),))
    if entries == [(0, NULL_TARGET)]:
        return MxPlan("null")  # RFC 7505 3: exactly one MX, preference 0, exchange "."
    if len(entries) == 1 and entries[0][1] == NULL_TARGET:
        # RFC 7505 3 defines the null MX with preference 0; "MX 10 ." is no null MX, and "."
        # is no host a sender could deliver to either.
        return MxPlan("invalid", null_preference=entries[0][0])
    nulls = [pref for pref, name in entries if name == NULL_TARGET]
    status = "invalid" if nulls else "present"  # RFC 7505 3: a null MX must be the only MX
    best: dict[str, int] = {}
    for pref, name in entries:
        if name != NULL_TARGET and (name not in best or pref < best[name]):
            best[name] = pref
    ordered = sorted(((name, pref) for name, pref in best.items()), key=lambda item: (item[1], item[0]))
    return MxPlan(status, targets=tuple(ordered))


def _combined_security(answers) -> str:
    states = {answer.security for answer in answers}
    if BOGUS in states:
        return BOGUS
    if ERROR in states:
        return ERROR
    if states == {SECURE}:
        return SECURE
    return INSECURE


def usable_addresses(answers) -> tuple[str, ...]:
    found = set()
    for answer in answers:
        if answer.security in (ERROR, BOGUS):
            continue  # a validating sender would not use these either
        for record in answer.records:
            try:
                found.add(ipaddress.ip_address(record.strip()))
            except ValueError:
                continue  # RDATA kept as opaque text (RFC 3597) is no address
    return tuple(str(ip) for ip in sorted(found, key=lambda ip: (ip.version, ip)))


# Senders try only a few addresses of an MX host (Postfix: smtp_mx_address_limit = 5); a
# stranger's DNS must not turn one check into hundreds of connections to someone else.
MAX_ADDRESSES_PER_HOST = 8


def probed_addresses(addresses) -> tuple[str, ...]:
    """The addresses of one host that are probed: IPv4 and IPv6 taken in turn, at most
    MAX_ADDRESSES_PER_HOST, so a dual-stack host always has both families checked."""
    v4 = [a for a in addresses if ":" not in a]
    v6 = [a for a in addresses if ":" in a]
    turns = [a for pair in zip(v4, v6) for a in pair] + v4[len(v6):] + v6[len(v4):]
    return tuple(turns[:MAX_ADDRESSES_PER_HOST])


def secure_alias(name: str, lookups) -> str | None:
    """The fully CNAME-expanded form of `name` when its address lookups followed CNAMEs and
    every one of them is DNSSEC-secure; else None. Only such a name is a candidate TLSA
    base domain (RFC 7672 2.2.3, RFC 7671 7)."""
    if not lookups or _combined_security(lookups) != SECURE:
        return None
    canonical = next((a.canonical_name for a in lookups if a.cname_chain and a.canonical_name), None)
    canonical = (canonical or "").rstrip(".").lower()
    return canonical if canonical and canonical != name.rstrip(".").lower() else None


def _unproven(security: str, resolver_trusted: bool) -> str:
    """Without a validating resolver, "insecure" is not proven (RFC 6840 5.7): error."""
    return ERROR if security == INSECURE and not resolver_trusted else security


def _target_findings(add, name: str, lookups, security: str, addresses, canonical) -> None:
    """What is wrong with one explicit MX target (RFC 5321 5.1)."""
    if is_ip_literal(name):
        # RFC 5321 5.1 / RFC 7505 has no address form: the MX target must be a host name.
        add("mx.target_ip_literal", "fail", f"The MX target {name} is an IP address, not a host name", name)
    elif security == BOGUS:
        reason = next((a.reason for a in lookups if a.security == BOGUS), None)
        add("mx.host_bogus", "fail", f"The address records of {name} fail DNSSEC validation: {reason}", name,
            reason=reason)
    elif security == ERROR and not addresses:
        reason = next((a.reason or a.rcode for a in lookups if a.security == ERROR), None)
        add("mx.host_lookup_error", "fail", f"The addresses of {name} could not be looked up: {reason}", name)
    elif not addresses:
        add("mx.target_unresolvable", "fail", f"The MX target {name} has no A or AAAA record", name)
    if canonical and not is_ip_literal(name):
        # RFC 5321 5.1 / RFC 2181 10.3: an MX must point at a name with addresses, not an alias.
        add("mx.target_cname", "warn", f"The MX target {name} is an alias (CNAME) for {canonical}", name,
            canonical_name=canonical)


def _hosts(retrieved: MxRetrieved, plan: MxPlan, add, resolver_trusted: bool) -> list[MxHost]:
    """Every target with its usable addresses and DNSSEC status; findings for explicit targets."""
    implicit = plan.status == "none"
    hosts = []
    for name, pref in plan.targets:
        lookups = retrieved.host_answers.get(name, ())
        if not lookups:
            hosts.append(MxHost(name, pref, (), ERROR, implicit=implicit))
            if not implicit:
                add("mx.host_lookup_error", "fail", f"The addresses of {name} were not looked up in time", name)
            continue
        addresses = usable_addresses(lookups)
        security = _combined_security(lookups)  # the findings read what the resolver said
        canonical = next((a.canonical_name for a in lookups if a.cname_chain and a.canonical_name), None)
        hosts.append(MxHost(name, pref, addresses, _unproven(security, resolver_trusted), canonical, implicit))
        if not implicit:
            _target_findings(add, name, lookups, security, addresses, canonical)
    return hosts


def _implicit_mx(domain: str, retrieved: MxRetrieved, hosts: list[MxHost], add) -> list[MxHost]:
    """No MX RRset: the domain's own A/AAAA are the implicit MX, preference 0 (RFC 5321 5.1)."""
    implicit_host = hosts[0] if hosts else None
    lookups = retrieved.host_answers.get(domain, ())
    security = _combined_security(lookups) if lookups else ERROR
    if implicit_host and implicit_host.addresses:
        add("mx.implicit", "warn",
            f"{domain} has no MX record; senders deliver to its own address (implicit MX, RFC 5321 5.1)",
            addresses=list(implicit_host.addresses))
        return [implicit_host]
    if implicit_host and security == BOGUS:
        add("mx.host_bogus", "fail",
            f"{domain} has no MX record and its own address records fail DNSSEC validation", domain)
        return [implicit_host]
    if implicit_host and security == ERROR:
        add("mx.host_lookup_error", "fail",
            f"{domain} has no MX record and its own addresses could not be looked up", domain)
        return [implicit_host]
    add("mx.no_mail_host", "fail",
        f"{domain} has neither MX nor A/AAAA records: it cannot receive mail. "
        "Publish MX records, or a null MX if it sends no mail")
    return []


def evaluate_mx(retrieved: MxRetrieved, resolver_trusted: bool = True):
    """resolver_trusted: the resolver is known to validate (dnssec.resolver_trusted)."""
    domain, answer = retrieved.domain, retrieved.answer
    plan = plan_mx(domain, answer)
    findings: list[Finding] = []
    rrset_dnssec = _unproven(answer.security, resolver_trusted)

    def add(code, severity, detail, subject=None, **data):
        findings.append(Finding(code, severity, "mx", detail, subject=subject or domain, data=data))

    if plan.status == "error":
        add("mx.error", "fail", f"The MX records of {domain} could not be looked up: {plan.reason}",
            rcode=answer.rcode, security=answer.security)
        return Evaluated(MxResult("error", rrset_dnssec=rrset_dnssec, reason=plan.reason), tuple(findings))
    if plan.status == "nxdomain":
        add("mx.nxdomain", "fail", f"{domain} does not exist (NXDOMAIN)")
        return Evaluated(MxResult("nxdomain", rrset_dnssec=rrset_dnssec), tuple(findings))
    if plan.status == "null":
        add("mx.null", "info", f"{domain} publishes a null MX (RFC 7505): it accepts no mail")
        return Evaluated(MxResult("null", rrset_dnssec=rrset_dnssec), tuple(findings))
    if plan.null_preference is not None:
        add("mx.null_preference", "fail",
            f"{domain} publishes a single MX {plan.null_preference} . ; a null MX has preference 0 "
            "(RFC 7505 3), and \".\" is no host to deliver to", records=list(answer.records))
        return Evaluated(MxResult("invalid", rrset_dnssec=rrset_dnssec), tuple(findings))
    if plan.status == "invalid":
        add("mx.null_mixed", "fail",
            f"{domain} publishes a null MX together with other MX records; RFC 7505 3 forbids this",
            records=list(answer.records))

    hosts = _hosts(retrieved, plan, add, resolver_trusted)
    if plan.extra:
        add("mx.too_many", "warn",
            f"{domain} has {len(plan.targets)} MX hosts; the first {MAX_HOSTS} by preference "
            f"are probed", unchecked=[name for name, _ in plan.extra])
    if plan.status == "none":
        hosts = _implicit_mx(domain, retrieved, hosts, add)
    elif plan.status == "present" and not any(f.severity == "fail" for f in findings):
        add("mx.present", "pass", f"{domain} has {len(hosts)} MX host(s): "
            + ", ".join(h.name for h in hosts), hosts=[h.name for h in hosts])

    hosts.sort(key=lambda host: (host.preference, host.name))
    result = MxResult(plan.status, tuple(hosts), rrset_dnssec, None,
                      tuple(name for name, _ in plan.extra))
    return Evaluated(result, tuple(findings))




# --- what run.py schedules and evaluates (checker/engine/protocol.py) --------------------

def _start(check):
    check.ask("mx", ("mx",), check.domain, "MX")


def _on_result(check, key, value):
    """The MX answer: plan the hosts (check.plan, shared with starttls and dane) and look up
    the addresses of every one of them at once."""
    if key[0] != "mx":
        return
    check.plan = plan_mx(check.domain, value)
    for name, _ in check.plan.targets:
        check.hosts.append(name)
        check.ask("mx", ("a", name), name, "A")
        check.ask("mx", ("aaaa", name), name, "AAAA")


def host_lookups(check, name):
    """(A answer, AAAA answer) of one MX host once both arrived, else None."""
    lookups = (check.values.get(("a", name)), check.values.get(("aaaa", name)))
    return None if None in lookups else lookups


def is_checked(check, name) -> bool:
    """The host is among the first MAX_HOSTS: its TLS is probed and its TLSA looked up."""
    return check.plan is not None and name in {host for host, _ in check.plan.checked}


def needed(part: str, results, domain: str, not_done: str):
    """(MX result, finding or None) for a part that builds on the MX hosts (starttls, dane).

    Incomplete without an MX result. When the MX lookup failed (timeout, SERVFAIL, DNSSEC
    validation) the part's status is `error` ("lookups failed"), not `not-applicable`:
    the finding `<part>.mx_error` says what was not done."""
    mx = results.get("mx")
    if mx is None:
        raise Incomplete(f"The {part} check needs the MX result, which is missing")
    if mx.status != "error":
        return mx, None
    return mx, Finding(f"{part}.mx_error", "info", part, f"The MX records could not be looked up, so {not_done}",
                       domain, {"reason": mx.reason})


def _evaluate(check, results):
    answers = {name: host_lookups(check, name) for name in check.hosts}
    retrieved = MxRetrieved(check.domain, check.need(("mx",), "mx"),
                            {name: lookups for name, lookups in answers.items() if lookups is not None})
    return evaluate_mx(retrieved, dnssec.trusted(check))


PROTOCOL = Protocol(
    name="mx", label="MX",
    statuses={"present": GOOD, "none": WARN, "null": NEUTRAL, "invalid": BAD, "nxdomain": BAD, "error": BAD},
    finding_codes=FINDING_CODES, references=("RFC 5321 5.1",),
    error_section=lambda: {"status": "error", "hosts": []},
    start=_start, on_result=_on_result, evaluate=_evaluate,
)
