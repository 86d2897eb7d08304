"""Hand-made reports in the contract's shape, for grading and remediation tests.

`HostSpec` and `ReportSpec` describe a domain by the facts grading reads; `build` turns a
spec into the report dict the engine would produce (statuses derived the way the contract
defines them: dane.status from the hosts' tlsa values, match only when STARTTLS worked).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

SPKI = {
    "mx1.example.fi": "8f1c4d54b0a3e0d5b2cf1f6e3a4a8e2c0c9b6f1f35a7e1d2b8a0c4e6f2d1a3b5",
    "mx2.example.fi": "1b2c3d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeeff001",
    "mx3.example.fi": "aa00bb11cc22dd33ee44ff5566778899aabbccddeeff00112233445566778899",
}


@dataclass(frozen=True)
class HostSpec:
    name: str = "mx1.example.fi"
    dnssec: str = "secure"          # secure | insecure | bogus | error
    starttls: str = "ok"            # ok | not-offered | handshake-failed | unreachable
    tls_version: str = "TLSv1.3"
    webpki: bool = True
    tlsa: str = "valid"             # valid | none | insecure | unusable | invalid | bogus | error
    match: str = "pass"             # pass | fail (used only when tlsa is valid and STARTTLS worked)
    covered: bool = True            # listed in the MTA-STS policy


@dataclass(frozen=True)
class ReportSpec:
    domain: str = "example.fi"
    mx_status: str = "present"
    dnssec: str = "secure"
    hosts: tuple[HostSpec, ...] = (HostSpec(),)
    sts: str = "valid"              # valid | invalid | none | error
    mode: str = "enforce"           # enforce | testing | none
    tls_rpt: str = "valid"          # valid | invalid | none | multiple | error
    findings: tuple[tuple[str, str], ...] = ()   # extra (code, severity)
    reason: str | None = None


def perfect(n_hosts: int = 2, **changes) -> ReportSpec:
    hosts = tuple(HostSpec(name=f"mx{i}.example.fi") for i in range(1, n_hosts + 1))
    return replace(ReportSpec(hosts=hosts), **changes)


def with_host(spec: ReportSpec, index: int, **changes) -> ReportSpec:
    hosts = list(spec.hosts)
    hosts[index] = replace(hosts[index], **changes)
    return replace(spec, hosts=tuple(hosts))


def _dane_status(hosts) -> str:
    if not hosts:
        return "not-applicable"
    valid = [h for h in hosts if h.tlsa == "valid"]
    if valid and len(valid) == len(hosts):
        return "all"
    if valid:
        return "some"
    if all(h.tlsa == "none" for h in hosts):
        return "none"
    if any(h.tlsa == "error" for h in hosts) and all(h.tlsa in ("none", "error") for h in hosts):
        return "error"
    return "invalid"


def _match(h: HostSpec) -> str:
    if h.tlsa != "valid" or h.starttls != "ok":
        return "not-tested"
    return h.match


def build(spec: ReportSpec) -> dict:
    hosts = spec.hosts
    names = [h.name for h in hosts]
    dane_hosts = [{"name": h.name, "tlsa": h.tlsa,
                   "records": [f"3 1 1 {SPKI.get(h.name, '00' * 32)}"] if h.tlsa != "none" else [],
                   "match": _match(h)} for h in hosts]
    valid = [d for d in dane_hosts if d["tlsa"] == "valid"]
    passed = [d for d in valid if d["match"] == "pass"]
    if not valid or all(d["match"] == "not-tested" for d in valid):
        verified = "not-tested"
    else:
        verified = "all" if len(passed) == len(valid) else "some" if passed else "none"
    starttls_hosts = []
    for i, h in enumerate(hosts):
        ok = h.starttls == "ok"
        starttls_hosts.append({
            "name": h.name, "address": f"192.0.2.{i + 1}", "status": h.starttls,
            "tls_version": h.tls_version if ok else None,
            "certificate": {"subject": f"CN={h.name}", "names": [h.name], "issuer": "CN=Test CA",
                            "not_after": "2027-01-01T00:00:00Z", "webpki_valid": h.webpki,
                            "webpki_error": None if h.webpki else "certificate verify failed",
                            "spki_sha256": SPKI.get(h.name, "00" * 32)} if ok else None,
        })
    sts_valid = spec.sts == "valid"
    findings = [{"code": code, "severity": severity, "protocol": code.split(".", 1)[0],
                 "detail": f"{code} observed", "subject": spec.domain, "data": {}}
                for code, severity in spec.findings]
    return {
        "domain": spec.domain, "input": spec.domain, "checked_at": "2026-11-28T19:00:00Z", "duration_ms": 10,
        "grade": None, "score": None,
        "dnssec": {"status": spec.dnssec, "ds_present": spec.dnssec in ("secure", "bogus"), "reason": spec.reason},
        "mx": {"status": spec.mx_status,
               "hosts": [{"name": h.name, "preference": 10 * (i + 1),
                          "addresses": [] if h.dnssec == "error" else [f"192.0.2.{i + 1}"],
                          "dnssec": h.dnssec} for i, h in enumerate(hosts)]},
        "dane": {"status": _dane_status(hosts), "hosts": dane_hosts, "verified": verified},
        "starttls": {"hosts": starttls_hosts},
        "mta_sts": {
            "status": spec.sts,
            "record": {"status": "valid" if spec.sts != "none" else "missing", "id": "20261128T190000", "raw": []},
            "policy_host": {"status": "resolves" if spec.sts != "none" else "missing", "addresses": []},
            "policy": {"status": "valid" if sts_valid else "not-fetched", "fetch_error": None, "http_status": 200,
                       "mode": spec.mode if sts_valid else None, "max_age": 86400,
                       "mx": [h.name for h in hosts if h.covered] if sts_valid else [], "errors": []},
            "mx_coverage": {"covered": [h.name for h in hosts if h.covered] if sts_valid else [],
                            "uncovered": [h.name for h in hosts if not h.covered] if sts_valid else []},
        },
        "tls_rpt": {"status": spec.tls_rpt, "rua": ["mailto:tls@example.fi"] if spec.tls_rpt == "valid" else [],
                    "raw": []},
        "findings": findings,
    }
