"""STARTTLS on every MX address (RFC 3207): one TLS session each, reused by DANE.

retrieve_starttls probes the addresses in parallel through net.smtp_starttls;
evaluate_starttls is pure: WebPKI verification of the recorded chain (what MTA-STS
needs, RFC 8461 4.2) and the findings.
"""
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime

from . import net
from .certs import describe, load_chain, verify_webpki
from .findings import Finding
from .mx import MAX_ADDRESSES_PER_HOST, probed_addresses
from .tlsa import spki_sha256

MAX_WORKERS = 16
OLD_TLS = ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1")  # below the required TLS 1.2 (RFC 8996)

FINDING_CODES = {
    "starttls.supported": "Every address of this MX host offers STARTTLS and completes a TLS 1.2+ handshake",
    "starttls.not_offered": "The MX does not offer STARTTLS: mail to it travels unencrypted",
    "starttls.handshake_failed": "STARTTLS is offered but the TLS handshake fails",
    "starttls.tls_version_old": "The MX negotiates a TLS version below 1.2",
    "starttls.unreachable": "The MX address did not accept an SMTP connection in time",
    "starttls.smtp_error": "The SMTP dialogue before STARTTLS broke (banner or EHLO refused, malformed or oversized reply)",
    "starttls.refused_address": "The MX address is not public, so it was not contacted",
    "starttls.no_address": "The MX host has no address to probe",
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


@dataclass(frozen=True)
class StarttlsResult:
    hosts: tuple = ()

    def as_dict(self) -> dict:
        return {"hosts": [host.as_dict() for host in self.hosts]}


def _get(host, key, default=None):
    return host.get(key, default) if isinstance(host, dict) else getattr(host, key, default)


def _name(host) -> str:
    return _get(host, "name").rstrip(".").lower()


def retrieve_starttls(mx_hosts, config, deadline: float, executor=None) -> tuple:
    """One probe per (MX host, address); hosts without addresses are not probed."""
    jobs = [(_name(host), address) for host in mx_hosts for address in (_get(host, "addresses") or ())]
    if not jobs:
        return ()
    own = executor is None
    pool = executor or ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(jobs)), thread_name_prefix="starttls")
    try:
        futures = [(name, address, pool.submit(net.smtp_starttls, name, address, config.smtp_port, deadline, config))
                   for name, address in jobs]
        probes = []
        for name, address, future in futures:
            try:
                # smtp_starttls itself stops at the deadline; the grace covers thread start-up.
                probes.append(future.result(timeout=max(0.0, deadline - time.monotonic()) + 1.0))
            except FutureTimeout:
                probes.append(net.SmtpProbe(name, address, config.smtp_port, "unreachable",
                                            error="not finished before the check deadline", error_kind="timeout"))
        return tuple(probes)
    finally:
        if own:
            pool.shutdown(wait=False, cancel_futures=True)


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
        addresses = tuple(_get(host, "addresses") or ())
        if not addresses:
            entries.append(StarttlsHost(name, None, "skipped", error="no address"))
            if _get(host, "dnssec") == "bogus":
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
    return StarttlsResult(tuple(entries)), tuple(findings)


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
