"""Our DANE matcher and OpenSSL's own DANE verifier must agree on every scenario.

Each scenario serves a chain over SMTP STARTTLS on loopback; the engine probes it once
(net.smtp_starttls) and evaluates it (dane.evaluate_dane), then `openssl s_client
-starttls smtp -dane_tlsa_domain ... -dane_tlsa_rrdata ...` connects to the same server.
-dane_ee_no_namechecks mirrors RFC 7671 5.1 (DANE-EE ignores names), which OpenSSL
only applies when asked.
"""
import hashlib
import ipaddress
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from checker.engine import dane, net
from checker.engine.config import EngineConfig
from checker.engine.mx import MxHost
from tests import net_servers as srv
from tests.pki_helpers import NOW, Pki, issue, key_usage, with_compressed_point

MX = "mx.example.test"
CONFIG = EngineConfig(allowed_networks=(ipaddress.ip_network("127.55.0.0/16"),))
OPENSSL = shutil.which("openssl")


@dataclass(frozen=True)
class Answer:
    name: str
    records: tuple
    rcode: str = "NOERROR"
    security: str = "secure"
    canonical_name: str | None = None
    reason: str | None = None


def expired_leaf():
    return Pki(MX, leaf_not_before=NOW - timedelta(days=400), leaf_not_after=NOW - timedelta(days=10))


def expired_intermediate():
    pki = Pki(MX)
    pki.intermediate = issue("Old Intermediate CA", issuer=pki.root, ca=True,
                             not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(days=10))
    pki.leaf = issue(MX, issuer=pki.intermediate, names=(MX,))
    return pki


def odd_leaf(*extensions):
    pki = Pki(MX)
    pki.leaf = issue(MX, issuer=pki.intermediate, extensions=[*extensions, (
        x509.SubjectAlternativeName([x509.DNSName(MX)]), False)])
    return pki


def odd_intermediate(*extensions):
    pki = Pki(MX)
    pki.intermediate = issue("Odd Intermediate CA", issuer=pki.root, extensions=list(extensions))
    pki.leaf = issue(MX, issuer=pki.intermediate, names=(MX,))
    return pki


def root_path_length(limit):
    pki = Pki(MX)
    pki.root = issue("Constrained Root CA", ca=True, path_length=limit)
    pki.intermediate = issue("Test Intermediate CA", issuer=pki.root, ca=True)
    pki.leaf = issue(MX, issuer=pki.intermediate, names=(MX,))
    return pki


def compressed_leaf():
    pki = Pki(MX)
    pki.leaf = with_compressed_point(pki.leaf, pki.intermediate)
    return pki


def spki_record(usage, spki):
    return f"{usage} 1 1 {hashlib.sha256(spki).hexdigest()}"


CA = (x509.BasicConstraints(ca=True, path_length=None), True)
CLIENT_ONLY = (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False)
ANY_EKU = (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE]), False)
CERT_SIGN_ONLY = (key_usage(key_cert_sign=True), True)
SIGNATURE_ONLY = (key_usage(digital_signature=True), True)

# (id, pki factory, serve root?, records(pki), expected match)
SCENARIOS = [
    ("3-1-1-leaf", lambda: Pki(MX), False, lambda p: [p.leaf.tlsa(3, 1, 1)], "pass"),
    ("3-0-1-leaf", lambda: Pki(MX), False, lambda p: [p.leaf.tlsa(3, 0, 1)], "pass"),
    ("3-1-2-leaf", lambda: Pki(MX), False, lambda p: [p.leaf.tlsa(3, 1, 2)], "pass"),
    ("3-0-0-leaf", lambda: Pki(MX), False, lambda p: [p.leaf.tlsa(3, 0, 0)], "pass"),
    ("3-1-0-leaf", lambda: Pki(MX), False, lambda p: [p.leaf.tlsa(3, 1, 0)], "pass"),
    ("wrong-digest", lambda: Pki(MX), False, lambda p: ["3 1 1 " + "00" * 32], "fail"),
    ("one-of-two-records", lambda: Pki(MX), False, lambda p: ["3 1 1 " + "00" * 32, p.leaf.tlsa(3, 1, 1)], "pass"),
    ("3-1-1-of-intermediate", lambda: Pki(MX), False, lambda p: [p.intermediate.tlsa(3, 1, 1)], "fail"),
    ("2-0-1-intermediate", lambda: Pki(MX), False, lambda p: [p.intermediate.tlsa(2, 0, 1)], "pass"),
    ("2-1-1-intermediate", lambda: Pki(MX), False, lambda p: [p.intermediate.tlsa(2, 1, 1)], "pass"),
    ("2-0-1-root-sent", lambda: Pki(MX), True, lambda p: [p.root.tlsa(2, 0, 1)], "pass"),
    ("2-0-1-root-not-sent", lambda: Pki(MX), False, lambda p: [p.root.tlsa(2, 0, 1)], "fail"),
    ("2-1-0-root-key-not-sent", lambda: Pki(MX), False, lambda p: [p.root.tlsa(2, 1, 0)], "pass"),
    ("2-0-1-on-leaf", lambda: Pki(MX), False, lambda p: [p.leaf.tlsa(2, 0, 1)], "fail"),
    ("expired-leaf-3-1-1", expired_leaf, False, lambda p: [p.leaf.tlsa(3, 1, 1)], "pass"),
    ("expired-leaf-2-1-1", expired_leaf, False, lambda p: [p.intermediate.tlsa(2, 1, 1)], "fail"),
    ("expired-intermediate-2-0-1-root", expired_intermediate, True, lambda p: [p.root.tlsa(2, 0, 1)], "fail"),
    ("name-mismatch-3-1-1", lambda: Pki("other.example.test"), False, lambda p: [p.leaf.tlsa(3, 1, 1)], "pass"),
    ("name-mismatch-2-1-1", lambda: Pki("other.example.test"), False,
     lambda p: [p.intermediate.tlsa(2, 1, 1)], "fail"),
    ("wildcard-2-1-1", lambda: Pki(MX, names=("*.example.test",)), False,
     lambda p: [p.intermediate.tlsa(2, 1, 1)], "pass"),
    ("wildcard-two-labels-2-1-1", lambda: Pki(MX, names=("*.mx.example.test",)), False,
     lambda p: [p.intermediate.tlsa(2, 1, 1)], "fail"),
    # RFC 7671 5.2.2: a 2 0 0 certificate from DNS completes a chain that omits it
    ("2-0-0-root-not-sent", lambda: Pki(MX), False, lambda p: [p.root.tlsa(2, 0, 0)], "pass"),
    ("2-0-0-root-sent", lambda: Pki(MX), True, lambda p: [p.root.tlsa(2, 0, 0)], "pass"),
    # RFC 6698 2.1.2: selector 1 is the SPKI as encoded in the certificate
    ("3-1-1-compressed-ec-point", compressed_leaf, False,
     lambda p: [spki_record(3, p.leaf.compressed_spki)], "pass"),
    ("3-1-1-reencoded-ec-point", compressed_leaf, False, lambda p: [spki_record(3, p.leaf.spki_der)], "fail"),
    # OpenSSL's ssl_server purpose and CA checks on a DANE-TA path
    ("client-auth-leaf-2-1-1", lambda: odd_leaf(CLIENT_ONLY), False, lambda p: [p.intermediate.tlsa(2, 1, 1)], "fail"),
    ("any-eku-leaf-2-1-1", lambda: odd_leaf(ANY_EKU), False, lambda p: [p.intermediate.tlsa(2, 1, 1)], "fail"),
    ("cert-sign-leaf-2-1-1", lambda: odd_leaf(CERT_SIGN_ONLY), False,
     lambda p: [p.intermediate.tlsa(2, 1, 1)], "fail"),
    ("no-eku-leaf-2-1-1", odd_leaf, False, lambda p: [p.intermediate.tlsa(2, 1, 1)], "pass"),
    ("cn-only-leaf-2-1-1", lambda: Pki(MX, names=()), False, lambda p: [p.intermediate.tlsa(2, 1, 1)], "pass"),
    ("intermediate-cannot-sign-root-2-1-1", lambda: odd_intermediate(CA, SIGNATURE_ONLY), True,
     lambda p: [p.root.tlsa(2, 1, 1)], "fail"),
    ("intermediate-cannot-sign-2-1-1", lambda: odd_intermediate(CA, SIGNATURE_ONLY), False,
     lambda p: [p.intermediate.tlsa(2, 1, 1)], "fail"),
    ("client-auth-intermediate-2-1-1", lambda: odd_intermediate(CA, CLIENT_ONLY), False,
     lambda p: [p.intermediate.tlsa(2, 1, 1)], "fail"),
    ("anchor-without-basic-constraints-2-1-1", lambda: odd_intermediate(CERT_SIGN_ONLY), False,
     lambda p: [p.intermediate.tlsa(2, 1, 1)], "pass"),
    ("intermediate-without-basic-constraints-root-2-1-1", lambda: odd_intermediate(CERT_SIGN_ONLY), True,
     lambda p: [p.root.tlsa(2, 1, 1)], "fail"),
    ("sent-non-ca-whose-key-is-2-1-0", lambda: odd_intermediate(), False,
     lambda p: [p.intermediate.tlsa(2, 1, 0)], "fail"),
    ("path-length-0-root-2-1-1", lambda: root_path_length(0), True, lambda p: [p.root.tlsa(2, 1, 1)], "fail"),
    ("path-length-1-root-2-1-1", lambda: root_path_length(1), True, lambda p: [p.root.tlsa(2, 1, 1)], "pass"),
    # RFC 7671 9: a SHA2-512 record hides SHA2-256 ones of the same usage and selector
    ("stale-3-1-2-hides-3-1-1", lambda: Pki(MX), False, lambda p: ["3 1 2 " + "00" * 64, p.leaf.tlsa(3, 1, 1)],
     "fail"),
    ("3-1-2-beside-stale-3-1-1", lambda: Pki(MX), False, lambda p: [p.leaf.tlsa(3, 1, 2), "3 1 1 " + "00" * 32],
     "pass"),
    ("stale-3-0-2-beside-3-1-1", lambda: Pki(MX), False, lambda p: ["3 0 2 " + "00" * 64, p.leaf.tlsa(3, 1, 1)],
     "pass"),
    ("stale-3-1-2-beside-3-1-0", lambda: Pki(MX), False, lambda p: ["3 1 2 " + "00" * 64, p.leaf.tlsa(3, 1, 0)],
     "pass"),
    ("stale-2-1-2-hides-2-1-1", lambda: Pki(MX), False,
     lambda p: ["2 1 2 " + "00" * 64, p.intermediate.tlsa(2, 1, 1)], "fail"),
]


def openssl_verdict(address, port, records) -> str:
    command = [OPENSSL, "s_client", "-starttls", "smtp", "-connect", f"{address}:{port}",
               "-servername", MX, "-dane_tlsa_domain", MX, "-dane_ee_no_namechecks",
               "-verify_return_error", "-no-CAfile", "-no-CApath", "-no-CAstore", "-brief"]
    for record in records:
        command += ["-dane_tlsa_rrdata", record]
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    output = done.stdout + done.stderr
    if done.returncode == 0 and "Verification: OK" in output:
        return "pass"
    # a refusal must come from verification, not from a broken connection
    return "fail" if "verify error" in output else f"error: {output[-300:]}"


@pytest.mark.parametrize("name, factory, with_root, make_records, expected", SCENARIOS,
                         ids=[scenario[0] for scenario in SCENARIOS])
def test_engine_and_openssl_agree_on_dane(tmp_path, name, factory, with_root, make_records, expected):
    pki = factory()
    chain, key, _ = pki.write(tmp_path, with_root=with_root)
    records = make_records(pki)
    with srv.Server(srv.smtp_handler(srv.server_context(chain, key))) as server:
        probe = net.smtp_starttls(MX, server.address, server.port, time.monotonic() + 10, CONFIG)
        theirs = openssl_verdict(server.address, server.port, records)
    assert probe.status == "ok"
    result, _ = dane.evaluate_dane([MxHost(MX, 10, (server.address,), "secure")],
                                   {MX: Answer(dane.tlsa_name(MX), tuple(records))}, [probe])
    ours = result.hosts[0].match
    assert (ours, theirs) == (expected, expected)
