"""STARTTLS on every MX address (RFC 3207): one TLS session each, reused by DANE.

PROTOCOL probes every address of the checked MX hosts through net.smtp_starttls on the
check's pool, as soon as the host's addresses are known; evaluate_starttls is pure: WebPKI
verification of the recorded chain (what MTA-STS needs, RFC 8461 4.2) and the findings.
"""
from dataclasses import dataclass
from datetime import datetime

from . import mx as mx_mod
from . import net
from .certs import describe, load_chain, verify_webpki
from .findings import Finding
from .mx import MAX_ADDRESSES_PER_HOST, MxHost, probed_addresses
from .protocol import BAD, GOOD, NEUTRAL, WARN, Evaluated, Protocol
from .tlsa import spki_sha256

# TLS versions as the ssl module names them, oldest first: the one order of the project.
TLS_VERSIONS = ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
MIN_TLS_VERSION = "TLSv1.2"  # RFC 8996 deprecates TLS 1.0 and 1.1
OLD_TLS = TLS_VERSIONS[:TLS_VERSIONS.index(MIN_TLS_VERSION)]
NOT_TESTED = ("skipped", "refused-address")  # host statuses that say nothing about the server


def tls_version_ok(version: str | None) -> bool:
    """TLS 1.2 or newer (an unknown name is not)."""
    return version in TLS_VERSIONS and TLS_VERSIONS.index(version) >= TLS_VERSIONS.index(MIN_TLS_VERSION)

FINDING_CODES = {
    "starttls.supported": "Every address of this MX host offers STARTTLS and completes a TLS 1.2+ handshake",
    "starttls.not_offered": "The MX does not offer STARTTLS: mail to it travels unencrypted",
    "starttls.handshake_failed": "STARTTLS is offered but the TLS handshake fails",
    "starttls.tls_version_old": "The MX negotiates a TLS version below 1.2",
    "starttls.unreachable": "The MX address did not accept an SMTP connection in time",
    "starttls.smtp_error": "The SMTP dialogue before STARTTLS broke (banner or EHLO refused, malformed or oversized reply)",
    "starttls.refused_address": "The MX address is not public, so it was not contacted",
    "starttls.no_address": "The MX host has no address to probe",
    "starttls.mx_error": "STARTTLS was not checked: the MX records could not be looked up",
    "starttls.addresses_capped": "The MX host has more addresses than are probed; the rest were skipped",
    "starttls.certificate.valid": "The MX certificate is WebPKI-valid for the MX host name",
    "starttls.certificate.untrusted": "The MX certificate does not chain to a trusted CA",
    "starttls.certificate.name_mismatch": "The MX certificate does not name the MX host",
    "starttls.certificate.expired": "The MX certificate has expired or is not yet valid",
    "starttls.certificate.malformed": "The MX certificate could not be parsed",
}


@dataclass(frozen=True)
class StarttlsHost:
    name: str
    address: str | None
    status: str  # ok not-offered handshake-failed unreachable refused-address skipped
    tls_version: str | None = None
    certificate: dict | None = None
    cipher: str | None = None
    error: str | None = None

    def as_dict(self) -> dict:
        return {"name": self.name, "address": self.address, "status": self.status,
                "tls_version": self.tls_version,
                "certificate": dict(self.certificate) if self.certificate is not None else None,
                "cipher": self.cipher, "error": self.error}


def section_status(hosts) -> str:
    """The section's status from its hosts' (status, tls_version) pairs; grading reads the
    same function for its STARTTLS control, so the two can never disagree:

    ok       every address that answered offers STARTTLS, with TLS 1.2+ (an unreachable
             address is reported by its own finding, it does not make the others partial);
    partial  at least one address has STARTTLS with TLS 1.2+, another has not;
    failed   addresses were tested and none has STARTTLS with TLS 1.2+;
    none     no address was tested (no MX host, no address, only skipped ones);
    error    (the error section) the check itself did not finish, or the MX lookup failed."""
    tested = [(status, version) for status, version in hosts if status not in NOT_TESTED]
    if not tested:
        return "none"
    good = [1 for status, version in tested if status == "ok" and tls_version_ok(version)]
    broken = [1 for status, version in tested
              if status in ("not-offered", "handshake-failed") or (status == "ok" and not tls_version_ok(version))]
    if good and not broken:
        return "ok"
    return "partial" if good else "failed"


@dataclass(frozen=True)
class StarttlsResult:
    hosts: tuple = ()
    status: str | None = None   # section_status(hosts) unless given (the error section)

    def __post_init__(self):
        if self.status is None:
            object.__setattr__(self, "status", section_status((h.status, h.tls_version) for h in self.hosts))

    def as_dict(self) -> dict:
        return {"status": self.status, "hosts": [host.as_dict() for host in self.hosts]}


def _name(host: MxHost) -> str:
    return host.name.rstrip(".").lower()


def certificate_facts(chain_der, host: str, ca_bundle, at_time: datetime | None = None) -> dict | None:
    if not chain_der:
        return None
    valid, error = verify_webpki(chain_der, host, ca_bundle, at_time)
    try:
        leaf = load_chain(chain_der[:1])[0]
        # The SHA-256 of the key as served: what a "3 1 1" TLSA record must hold (RFC 6698 2.1).
        facts = {**describe(leaf), "spki_sha256": spki_sha256(leaf)}
    except ValueError:
        facts = {"subject": None, "names": [], "issuer": None, "not_after": None, "spki_sha256": None}
    return {**facts, "webpki_valid": valid, "webpki_error": error}


def evaluate_starttls(probes, mx_hosts, ca_bundle, at_time: datetime | None = None, unchecked=()):
    """unchecked: MX host names beyond the ones checked (mx.MAX_HOSTS); listed as skipped."""
    by_key = {(probe.host.rstrip(".").lower(), probe.address): probe for probe in probes}
    entries, findings = [], []

    def add(code, severity, detail, subject, **data):
        findings.append(Finding(code, severity, "starttls", detail, subject=subject, data=data))

    for host in mx_hosts:
        name = _name(host)
        addresses = tuple(host.addresses)
        if not addresses:
            entries.append(StarttlsHost(name, None, "skipped", error="no address"))
            if host.dnssec == "bogus":
                add("starttls.no_address", "info",
                    f"{name}: its address records fail DNSSEC validation, so it was not probed", name, bogus=True)
            else:
                add("starttls.no_address", "info", f"{name} has no A or AAAA record, so it was not probed", name)
            continue
        host_ok = True
        probed = set(probed_addresses(addresses))
        for address in addresses:
            probe = by_key.get((name, address))
            if probe is None and address not in probed:
                entries.append(StarttlsHost(name, address, "skipped",
                                            error=f"beyond the {MAX_ADDRESSES_PER_HOST} addresses probed per host"))
                continue
            if probe is None:
                entries.append(StarttlsHost(name, address, "skipped", error="not probed"))
                host_ok = False
                continue
            certificate = certificate_facts(probe.chain_der, name, ca_bundle, at_time)
            entries.append(StarttlsHost(name, address, probe.status, probe.tls_version, certificate,
                                        probe.cipher, probe.error))
            host_ok &= _probe_findings(add, name, probe, certificate)
        if len(addresses) > len(probed):
            add("starttls.addresses_capped", "info",
                f"{name} has {len(addresses)} addresses; the first {len(probed)} were probed", name,
                probed=sorted(probed), total=len(addresses))
        if host_ok:
            add("starttls.supported", "pass", f"{name} offers STARTTLS with TLS 1.2 or newer on every address", name)
    for name in unchecked:
        entries.append(StarttlsHost(name.rstrip(".").lower(), None, "skipped", error="beyond the MX hosts checked"))
    return Evaluated(StarttlsResult(tuple(entries)), tuple(findings))


def _probe_findings(add, name, probe, certificate) -> bool:
    """Findings for one address; True when it is fully fine."""
    where = f"{name} ({probe.address})"
    data = {"address": probe.address}
    if probe.status == "refused-address":
        add("starttls.refused_address", "info", f"{where}: not a public address, not contacted", name, **data)
        return False
    if probe.status == "unreachable":
        if probe.stage in ("banner", "ehlo") and probe.error_kind in ("protocol", "rejected"):
            add("starttls.smtp_error", "warn", f"{where}: SMTP dialogue failed: {probe.error}", name,
                stage=probe.stage, error=probe.error, **data)
        else:
            add("starttls.unreachable", "warn", f"{where}: no SMTP service reached ({probe.error})", name,
                error=probe.error, **data)
        return False
    if probe.status == "not-offered":
        add("starttls.not_offered", "fail", f"{where} does not offer STARTTLS: mail is sent in clear text", name,
            error=probe.error, **data)
        return False
    if probe.status == "handshake-failed":
        add("starttls.handshake_failed", "fail", f"{where}: STARTTLS failed: {probe.error}", name,
            error=probe.error, **data)
        return False
    fine = True
    if probe.tls_version in OLD_TLS:
        add("starttls.tls_version_old", "fail",
            f"{where} negotiated {probe.tls_version}; TLS 1.2 or newer is required (RFC 8996)", name,
            tls_version=probe.tls_version, **data)
        fine = False
    if certificate is None:
        return fine
    if certificate["webpki_valid"]:
        add("starttls.certificate.valid", "pass", f"{where}: certificate is valid for {name}", name, **data)
        return fine
    error = certificate["webpki_error"] or ""
    kind = error.split(":", 1)[0]
    code = {"expired": "starttls.certificate.expired", "not-yet-valid": "starttls.certificate.expired",
            "name-mismatch": "starttls.certificate.name_mismatch",
            "malformed": "starttls.certificate.malformed"}.get(kind, "starttls.certificate.untrusted")
    # A warning here: the consequence under MTA-STS enforce is the mta_sts module's finding.
    add(code, "warn", f"{where}: certificate not WebPKI-valid: {error}", name,
        webpki_error=error, names=list(certificate["names"]), **data)
    return False


# --- what run.py schedules and evaluates (checker/engine/protocol.py) --------------------

def _on_result(check, key, value):
    """Both address lookups of a checked MX host arrived: probe each of its addresses."""
    if key[0] not in ("a", "aaaa") or not mx_mod.is_checked(check, key[1]):
        return
    name = key[1]
    lookups = mx_mod.host_lookups(check, name)
    if lookups is None or not check.probe_smtp:  # a survey's dns / dns+https profile probes nothing
        return
    for address in probed_addresses(mx_mod.usable_addresses(lookups)):
        check.submit("starttls", ("probe", name, address), net.smtp_starttls, name, address,
                     check.config.smtp_port, check.deadline, check.config)


def probes(check, mx_hosts) -> tuple:
    """One probe per address, in host order; unfinished ones say the time ran out. A profile
    without SMTP probes gives none: evaluate_starttls then lists the addresses as skipped."""
    found = []
    if not check.probe_smtp:
        return ()
    for host in mx_hosts:
        for address in probed_addresses(host.addresses):
            probe = check.values.get(("probe", host.name, address))
            if probe is None:
                probe = net.SmtpProbe(host=host.name, address=address, port=check.config.smtp_port,
                                      status="unreachable", error="the check's time limit was reached",
                                      stage="connect", error_kind="timeout")
            found.append(probe)
    return tuple(found)


def _evaluate(check, results):
    mx, failed = mx_mod.needed("starttls", results, check.domain, "no mail server was probed")
    if failed is not None:
        return Evaluated(StarttlsResult((), "error"), (failed,))
    return evaluate_starttls(probes(check, mx.checked_hosts), mx.checked_hosts, check.config.ca_bundle,
                             unchecked=mx.unchecked)


PROTOCOL = Protocol(
    name="starttls", label="STARTTLS",
    statuses={"ok": GOOD, "partial": WARN, "failed": BAD, "none": NEUTRAL, "error": BAD},
    finding_codes=FINDING_CODES, references=("RFC 3207",),
    error_section=lambda: {"status": "error", "hosts": []},
    on_result=_on_result, after=("mx",), evaluate=_evaluate,
)
