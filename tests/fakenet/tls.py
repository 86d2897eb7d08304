"""Throwaway PKI for the test network: a test root, an intermediate, and leaves.

Everything is generated per run (ECDSA P-256: fast). The checker trusts only
`root.pem` (CHECKER_CA_BUNDLE). A second root ("untrusted") signs the leaves of the
untrusted-CA variant; it is never put in the bundle.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Certificate kinds a scenario may ask for (see scenarios.py).
CERT_KINDS = ("valid", "wrong-name", "expired", "self-signed", "untrusted", "not-yet-valid", "expiring-soon")
EXPIRING_SOON_DAYS = 10  # "expiring-soon": inside the monitoring window (MONITOR_WARN_DAYS, default 21)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "fakenet")])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


@dataclass
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())

    @property
    def spki_der(self) -> bytes:
        return self.cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def _build(subject: x509.Name, issuer_name: x509.Name, public_key, signing_key, *, ca: bool, path_len=None,
           names=(), not_before=None, not_after=None) -> x509.Certificate:
    now = _now()
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - dt.timedelta(days=1))
        .not_valid_after(not_after or now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_len), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                          key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True)
    else:
        sans = []
        for n in names:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(n)))
            except ValueError:
                sans.append(x509.DNSName(n))
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                          key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False),
            critical=True)
    if signing_key.public_key() != public_key:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


class TestPKI:
    """Root, intermediate and an untrusted root; issues leaves by kind."""

    __test__ = False  # not a pytest class

    def __init__(self):
        key = ec.generate_private_key(ec.SECP256R1())
        name = _name("fakenet test root CA")
        self.root = Issued(_build(name, name, key.public_key(), key, ca=True, not_after=_now() + dt.timedelta(days=365)), key)
        ikey = ec.generate_private_key(ec.SECP256R1())
        self.intermediate = Issued(_build(_name("fakenet test intermediate CA"), name, ikey.public_key(), key, ca=True,
                                          path_len=0), ikey)
        ukey = ec.generate_private_key(ec.SECP256R1())
        uname = _name("fakenet UNTRUSTED root CA")
        self.untrusted = Issued(_build(uname, uname, ukey.public_key(), ukey, ca=True), ukey)

    def leaf(self, names: tuple[str, ...] | list[str], kind: str = "valid") -> tuple[Issued, list[Issued]]:
        """A leaf for `names` and the chain a well-configured server would send after it."""
        if kind not in CERT_KINDS:
            raise ValueError(f"unknown certificate kind {kind!r}")
        key = ec.generate_private_key(ec.SECP256R1())
        names = list(names)
        now = _now()
        not_before = not_after = None
        if kind == "wrong-name":
            names = ["www.generic-hosting.fi", "generic-hosting.fi"]
        elif kind == "expired":
            not_before, not_after = now - dt.timedelta(days=60), now - dt.timedelta(days=1)
        elif kind == "expiring-soon":
            not_before, not_after = now - dt.timedelta(days=80), now + dt.timedelta(days=EXPIRING_SOON_DAYS)
        elif kind == "not-yet-valid":
            not_before, not_after = now + dt.timedelta(days=10), now + dt.timedelta(days=40)
        subject = _name(names[0])
        if kind == "self-signed":
            return Issued(_build(subject, subject, key.public_key(), key, ca=False, names=names), key), []
        if kind == "untrusted":
            cert = _build(subject, self.untrusted.cert.subject, key.public_key(), self.untrusted.key, ca=False, names=names)
            return Issued(cert, key), []
        cert = _build(subject, self.intermediate.cert.subject, key.public_key(), self.intermediate.key, ca=False,
                      names=names, not_before=not_before, not_after=not_after)
        return Issued(cert, key), [self.intermediate]

    def write_root(self, path: Path) -> Path:
        path.write_bytes(self.root.pem)
        return path


def tlsa_data(cert: Issued, selector: int, mtype: int) -> str:
    """Certificate association data (RFC 6698 2.1.2-2.1.4) as hex."""
    blob = cert.der if selector == 0 else cert.spki_der
    if mtype == 0:
        return blob.hex()
    if mtype == 1:
        return hashlib.sha256(blob).hexdigest()
    if mtype == 2:
        return hashlib.sha512(blob).hexdigest()
    raise ValueError(mtype)
