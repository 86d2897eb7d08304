"""Certificate facts and WebPKI verification, done after the handshake.

Handshakes never verify (net.py records what the server sent); WebPKI and DANE are
judged afterwards from the DER chain, so one TLS session per MX serves both.
"""
import functools
import os
from datetime import datetime, timezone

from cryptography import x509
from cryptography.x509.oid import ExtensionOID, NameOID
from cryptography.x509.verification import DNSName, PolicyBuilder, Store, VerificationError

SYSTEM_BUNDLES = ("/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt")


def load_chain(chain_der):
    """DER blobs -> cryptography certificates; ValueError if any does not parse."""
    return [x509.load_der_x509_certificate(bytes(der)) for der in chain_der]


def dns_names(cert) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
    except (x509.ExtensionNotFound, ValueError):
        return []
    return [name.lower() for name in san.get_values_for_type(x509.DNSName)]


def common_names(cert) -> list[str]:
    try:
        return [str(attr.value).lower() for attr in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    except ValueError:
        return []


def pattern_matches(pattern: str, host: str) -> bool:
    """RFC 6125 6.4.3: a wildcard only as the whole leftmost label, standing for one label."""
    pattern, host = pattern.lower().rstrip("."), host.lower().rstrip(".")
    if not pattern or not host:
        return False
    if pattern.startswith("*."):
        suffix = pattern[2:]
        # "*.com"-style patterns name a public suffix; never honour them.
        if "*" in suffix or suffix.count(".") < 1:
            return False
        head, dot, rest = host.partition(".")
        return bool(head) and dot == "." and rest == suffix
    return "*" not in pattern and pattern == host


def name_matches(cert, host: str, cn_fallback: bool = False) -> bool:
    """SAN dNSNames; the subject CN only when asked and no dNSName exists (RFC 7672 3.2.3)."""
    names = dns_names(cert)
    if not names and cn_fallback:
        names = common_names(cert)
    return any(pattern_matches(name, host) for name in names)


def describe(cert) -> dict:
    """The contract's certificate fields that do not need verification."""
    def rfc4514(name):
        try:
            return name.rfc4514_string()
        except ValueError:
            return None

    return {
        "subject": rfc4514(cert.subject),
        "names": dns_names(cert),
        "issuer": rfc4514(cert.issuer),
        "not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def default_bundle() -> str | None:
    try:
        import certifi

        return certifi.where()
    except ImportError:
        return next((path for path in SYSTEM_BUNDLES if os.path.isfile(path)), None)


@functools.lru_cache(maxsize=8)
def _store(path: str, mtime: float):
    with open(path, "rb") as handle:
        roots = x509.load_pem_x509_certificates(handle.read())
    return Store(roots)


def trust_store(ca_bundle: str | None):
    path = ca_bundle or default_bundle()
    if not path:
        return None
    try:
        return _store(path, os.path.getmtime(path))
    except (OSError, ValueError):
        return None


def verify_webpki(chain_der, host: str, ca_bundle: str | None, at_time: datetime | None = None):
    """(valid, error). Errors start with a stable word: no-certificate, malformed, expired,
    not-yet-valid, name-mismatch, no-trust-store, untrusted."""
    if not chain_der:
        return False, "no-certificate: the server sent no certificate"
    try:
        certs = load_chain(chain_der)
    except ValueError as exc:
        return False, f"malformed: certificate does not parse ({exc})"
    leaf = certs[0]
    now = at_time or datetime.now(timezone.utc)
    host = host.lower().rstrip(".")
    if leaf.not_valid_after_utc < now:
        return False, f"expired: certificate expired {leaf.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ}"
    if leaf.not_valid_before_utc > now:
        return False, f"not-yet-valid: certificate valid from {leaf.not_valid_before_utc:%Y-%m-%dT%H:%M:%SZ}"
    if not name_matches(leaf, host):
        names = ", ".join(dns_names(leaf)) or "none"
        return False, f"name-mismatch: {host} is not among the certificate names ({names})"
    store = trust_store(ca_bundle)
    if store is None:
        return False, "no-trust-store: the CA bundle could not be read"
    try:
        verifier = PolicyBuilder().store(store).time(now).build_server_verifier(DNSName(host))
        verifier.verify(leaf, certs[1:])
    except (VerificationError, ValueError) as exc:
        return False, f"untrusted: {exc}"
    return True, None
