"""TLSA records and chain matching for SMTP (RFC 6698, RFC 7671, RFC 7672 3).

Pure functions over parsed records and DER chains; dane.py applies them per MX host.
"""
import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509 import BasicConstraints, ExtensionNotFound, load_der_x509_certificate

from .certs import load_chain, name_matches

DANE_TA, DANE_EE = 2, 3
DIGEST_LENGTHS = {1: 32, 2: 64}  # RFC 6698 2.1.3: SHA2-256, SHA2-512


@dataclass(frozen=True)
class TlsaRecord:
    text: str  # normalised "u s m hex"
    usage: int | None = None
    selector: int | None = None
    mtype: int | None = None
    data: bytes = b""
    problem: str | None = None  # None when usable for SMTP
    malformed: bool = False



def parse_record(text: str) -> TlsaRecord:
    parts = text.split()
    try:
        usage, selector, mtype = (int(part) for part in parts[:3])
        data = bytes.fromhex("".join(parts[3:]))
        if len(parts) < 4 or not data or not all(0 <= n <= 255 for n in (usage, selector, mtype)):
            raise ValueError
    except ValueError:
        return TlsaRecord(text=" ".join(parts), problem="malformed RDATA", malformed=True)
    norm = f"{usage} {selector} {mtype} {data.hex()}"
    record = TlsaRecord(norm, usage, selector, mtype, data)
    return TlsaRecord(norm, usage, selector, mtype, data, problem=_unusable(record))


def _unusable(record: TlsaRecord) -> str | None:
    if record.usage in (0, 1):
        # RFC 7672 3.1.3: PKIX-TA(0) / PKIX-EE(1) have no agreed CA list for SMTP.
        return f"usage {record.usage} (PKIX) is not usable for SMTP; use 3 (DANE-EE) or 2 (DANE-TA)"
    if record.usage not in (DANE_TA, DANE_EE):
        return f"unknown usage {record.usage}"
    if record.selector not in (0, 1):
        return f"unknown selector {record.selector}"
    if record.mtype not in (0, 1, 2):
        return f"unknown matching type {record.mtype}"
    if record.mtype in DIGEST_LENGTHS and len(record.data) != DIGEST_LENGTHS[record.mtype]:
        return f"matching type {record.mtype} needs {DIGEST_LENGTHS[record.mtype]} bytes, got {len(record.data)}"
    if record.mtype == 0:
        try:
            if record.selector == 0:
                load_der_x509_certificate(record.data)
            else:
                serialization.load_der_public_key(record.data)
        except (ValueError, TypeError):
            return "full data does not parse as a " + ("certificate" if record.selector == 0 else "public key")
    return None


def _selected(cert, selector: int) -> bytes:
    if selector == 0:
        return cert.public_bytes(serialization.Encoding.DER)
    return cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)


def _digest(data: bytes, mtype: int) -> bytes:
    if mtype == 1:
        return hashlib.sha256(data).digest()
    if mtype == 2:
        return hashlib.sha512(data).digest()
    return data


def record_matches(record: TlsaRecord, cert) -> bool:
    try:
        return _digest(_selected(cert, record.selector), record.mtype) == record.data
    except ValueError:
        return False


def spki_sha256(cert) -> str:
    return hashlib.sha256(_selected(cert, 1)).hexdigest()


def _signed_by_key(cert, key) -> bool:
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, cert.signature_algorithm_parameters,
                       cert.signature_hash_algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        elif isinstance(key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
            key.verify(cert.signature, cert.tbs_certificate_bytes)
        elif isinstance(key, dsa.DSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, cert.signature_hash_algorithm)
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _issued_by(child, issuer) -> bool:
    try:
        child.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _is_ca(cert) -> bool:
    try:
        return cert.extensions.get_extension_for_class(BasicConstraints).value.ca
    except (ExtensionNotFound, ValueError):
        return False


def _valid_at(cert, when) -> bool:
    return cert.not_valid_before_utc <= when <= cert.not_valid_after_utc


def match_chain(records, chain_der, reference_names, at_time: datetime | None = None):
    """(matched, detail). RFC 7671 5.1: DANE-EE matches the leaf alone, no name or date
    checks. RFC 7671 5.2: DANE-TA matches an issuer in the presented chain (never the
    leaf itself, as in OpenSSL) or, as 2 1 0, the key that signed the top of the chain;
    the path to the leaf must verify, be in date, and name a reference identifier
    (RFC 7672 3.2.2/3.2.3)."""
    usable = [record for record in records if record.problem is None]
    try:
        certs = load_chain(chain_der)
    except ValueError:
        return False, "the presented certificate does not parse"
    if not certs:
        return False, "no certificate was presented"
    leaf = certs[0]
    for record in usable:
        if record.usage == DANE_EE and record_matches(record, leaf):
            return True, f"DANE-EE record {record.text[:16]}... matches the leaf certificate"
    anchors = [record for record in usable if record.usage == DANE_TA]
    if not anchors:
        return False, "no DANE-EE record matches the leaf certificate"
    anchor_keys = []
    for record in anchors:
        if record.selector == 1 and record.mtype == 0:
            anchor_keys.append((record, serialization.load_der_public_key(record.data)))
    path, current, used, anchor = [leaf], leaf, {0}, None
    for _ in range(len(certs)):
        if len(path) > 1:
            found = next((r for r in anchors if record_matches(r, current)), None)
            if found:
                anchor = f"DANE-TA record {found.text[:16]}... matches {current.subject.rfc4514_string()}"
                break
        found = next((r for r, key in anchor_keys if _signed_by_key(current, key)), None)
        if found:
            anchor = f"DANE-TA public key {found.text[:16]}... signed {current.subject.rfc4514_string()}"
            break
        step = next(((i, c) for i, c in enumerate(certs) if i not in used and _issued_by(current, c)), None)
        if step is None:
            break
        used.add(step[0])
        current = step[1]
        path.append(current)
    if anchor is None:
        return False, "no DANE-TA record matches an issuer in the presented chain (is the trust anchor sent?)"
    when = at_time or datetime.now(timezone.utc)
    if any(not _is_ca(cert) for cert in path[1:]):
        return False, f"{anchor}, but an issuer in the path is not a CA certificate"
    expired = [cert for cert in path if not _valid_at(cert, when)]
    if expired:
        return False, f"{anchor}, but {expired[0].subject.rfc4514_string()} is outside its validity period"
    if not any(name_matches(leaf, name, cn_fallback=True) for name in reference_names):
        return False, f"{anchor}, but the leaf certificate does not name {' or '.join(reference_names)}"
    return True, anchor
