"""TLSA records and chain matching for SMTP (RFC 6698, RFC 7671, RFC 7672 3).

Pure functions over parsed records and DER chains; dane.py applies them per MX host.
"""
import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.x509 import (BasicConstraints, ExtendedKeyUsage, ExtensionNotFound, KeyUsage, ObjectIdentifier,
                               Version, load_der_x509_certificate)
from cryptography.x509.oid import ExtendedKeyUsageOID

from .certs import load_chain, name_matches

DANE_TA, DANE_EE = 2, 3
DIGEST_LENGTHS = {1: 32, 2: 64}  # RFC 6698 2.1.3: SHA2-256, SHA2-512
# serverAuth, and the old Netscape / Microsoft Server Gated Crypto that OpenSSL still honours
SERVER_PURPOSES = {ExtendedKeyUsageOID.SERVER_AUTH, ObjectIdentifier("2.16.840.1.113730.4.1"),
                   ObjectIdentifier("1.3.6.1.4.1.311.10.3.3")}


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


def _der_item(data: bytes, start: int) -> tuple[int, int]:
    """(content start, end) of the DER element at start (definite lengths only)."""
    length, at = data[start + 1], start + 2
    if length & 0x80:
        count = length & 0x7F
        if not 0 < count <= 4:
            raise ValueError("unsupported DER length")
        length, at = int.from_bytes(data[at:at + count], "big"), at + count
    if at + length > len(data):
        raise ValueError("truncated DER element")
    return at, at + length


def spki_der(cert) -> bytes:
    """The subjectPublicKeyInfo exactly as encoded in the certificate (RFC 6698 2.1.2).
    Re-serialising the parsed key is not the same: an EC point sent compressed, or RSA
    parameters encoded unusually, would hash differently from what OpenSSL matches."""
    tbs = cert.tbs_certificate_bytes
    at, _ = _der_item(tbs, 0)
    if tbs[at] == 0xA0:  # [0] version
        at = _der_item(tbs, at)[1]
    for _ in range(5):  # serialNumber, signature, issuer, validity, subject
        at = _der_item(tbs, at)[1]
    return tbs[at:_der_item(tbs, at)[1]]


def _selected(cert, selector: int) -> bytes:
    if selector == 0:
        return cert.public_bytes(serialization.Encoding.DER)
    return spki_der(cert)


def _digest(data: bytes, mtype: int) -> bytes:
    if mtype == 1:
        return hashlib.sha256(data).digest()
    if mtype == 2:
        return hashlib.sha512(data).digest()
    return data


def record_matches(record: TlsaRecord, cert) -> bool:
    try:
        return _digest(_selected(cert, record.selector), record.mtype) == record.data
    except (ValueError, IndexError):
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


def _valid_at(cert, when) -> bool:
    return cert.not_valid_before_utc <= when <= cert.not_valid_after_utc


def _extension(cert, kind):
    """The extension's value, None when absent; ValueError when it does not parse."""
    try:
        return cert.extensions.get_extension_for_class(kind).value
    except ExtensionNotFound:
        return None


def _ca_problem(cert, top: bool) -> str | None:
    """OpenSSL's check_ca as its non-strict chain check applies it: an intermediate needs
    basicConstraints cA; the top of the path (the trust anchor) may instead be an X.509 v1
    self-issued root or carry keyUsage keyCertSign. A keyUsage without keyCertSign never
    issues certificates (RFC 5280 4.2.1.3)."""
    usage = _extension(cert, KeyUsage)
    if usage is not None and not usage.key_cert_sign:
        return "its key usage does not allow certificate signing"
    constraints = _extension(cert, BasicConstraints)
    if constraints is not None:
        return None if constraints.ca else "it is not a CA certificate"
    if top and (usage is not None or (cert.version == Version.v1 and cert.issuer == cert.subject)):
        return None
    return "it is not a CA certificate"


def _purpose_problem(cert, leaf: bool) -> str | None:
    """OpenSSL's ssl_server purpose, checked on every certificate of a DANE-TA path: an
    extendedKeyUsage must allow serverAuth (RFC 5280 4.2.1.12); a leaf's keyUsage must
    allow a TLS key exchange (digitalSignature, keyEncipherment or keyAgreement)."""
    purposes = _extension(cert, ExtendedKeyUsage)
    if purposes is not None and not (set(purposes) & SERVER_PURPOSES):
        return "its extended key usage does not include serverAuth"
    usage = _extension(cert, KeyUsage)
    if leaf and usage is not None and not (usage.digital_signature or usage.key_encipherment
                                           or usage.key_agreement):
        return "its key usage does not allow a TLS key exchange"
    return None


def _path_length_problem(path) -> str | None:
    """RFC 5280 4.2.1.9: pathLenConstraint counts the non-self-issued intermediates below."""
    for depth in range(2, len(path)):
        constraints = _extension(path[depth], BasicConstraints)
        below = sum(1 for cert in path[1:depth] if cert.issuer != cert.subject)
        if constraints is not None and constraints.path_length is not None and below > constraints.path_length:
            return f"{path[depth].subject.rfc4514_string()} allows at most {constraints.path_length} intermediates"
    return None


def _path_problem(path, when) -> str | None:
    """Why the path from the leaf up to the trust anchor is not acceptable (None: it is)."""
    try:
        for depth, cert in enumerate(path):
            name = cert.subject.rfc4514_string()
            problem = _purpose_problem(cert, leaf=depth == 0)
            if depth > 0:
                problem = problem or _ca_problem(cert, top=depth == len(path) - 1)
            if problem:
                return f"{name}: {problem}"
            if not _valid_at(cert, when):
                return f"{name} is outside its validity period"
        return _path_length_problem(path)
    except ValueError as exc:  # an extension that does not parse: OpenSSL rejects the chain too
        return f"a certificate extension does not parse ({exc})"


def _dane_ta_path(anchors, anchor_keys, leaf, candidates):
    """(path, anchor description) or (path, None), the way OpenSSL builds a DANE-TA chain:
    climb through the sent certificates (and 2 0 0 certificates from DNS, RFC 7671 5.2.2),
    stopping at the first issuer a DANE-TA record matches; when the chain cannot be
    extended, accept a 2 1 0 key that signed its top (RFC 7671 5.2.2)."""
    path, pool = [leaf], list(candidates)
    while True:
        current = path[-1]
        if len(path) > 1:
            found = next((record for record in anchors if record_matches(record, current)), None)
            if found:
                return path, f"DANE-TA record {found.text[:16]}... matches {current.subject.rfc4514_string()}"
        issuer = next((cert for cert in pool if _issued_by(current, cert)), None)
        if issuer is None:
            break
        pool.remove(issuer)
        path.append(issuer)
    found = next((record for record, key in anchor_keys if _signed_by_key(path[-1], key)), None)
    if found:
        return path, f"DANE-TA public key {found.text[:16]}... signed {path[-1].subject.rfc4514_string()}"
    return path, None


def strongest_digests(records):
    """RFC 7671 9 (digest algorithm agility), as OpenSSL and Postfix apply it: for each
    usage and selector, only the records of the strongest digest published count, so a
    stale SHA-256 record beside SHA-512 ones is ignored. Full-data records always count."""
    strongest = {}
    for record in records:
        key = (record.usage, record.selector)
        strongest[key] = max(strongest.get(key, 0), record.mtype)
    return [record for record in records
            if record.mtype == 0 or record.mtype == strongest[(record.usage, record.selector)]]


def match_chain(records, chain_der, reference_names, at_time: datetime | None = None):
    """(matched, detail). Of the usable records only the strongest digests count (RFC 7671 9).
    RFC 7671 5.1: DANE-EE matches the leaf alone, no name or date checks. RFC 7671 5.2:
    DANE-TA matches an issuer of the leaf (never the leaf itself, as in OpenSSL); the path
    from the leaf to it must verify, be in date, pass OpenSSL's CA and serverAuth checks,
    and the leaf must name a reference identifier
    (RFC 7672 3.2.2/3.2.3)."""
    usable = [record for record in records if record.problem is None]
    counted = strongest_digests(usable)
    matched, detail = _match_usable(counted, chain_der, reference_names, at_time)
    ignored = [record.text[:16] + "..." for record in usable if record not in counted]
    if not matched and ignored:
        detail += (f"; {', '.join(ignored)} not used: a SHA2-512 record with the same usage and selector"
                   " takes precedence (RFC 7671 9)")
    return matched, detail


def _match_usable(usable, chain_der, reference_names, at_time):
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
    full = [record for record in anchors if record.mtype == 0]
    anchor_keys = [(record, serialization.load_der_public_key(record.data)) for record in full if record.selector == 1]
    dns_certs = [load_der_x509_certificate(record.data) for record in full if record.selector == 0]
    path, anchor = _dane_ta_path(anchors, anchor_keys, leaf, certs[1:] + dns_certs)
    if anchor is None:
        return False, "no DANE-TA record matches an issuer in the presented chain (is the trust anchor sent?)"
    problem = _path_problem(path, at_time or datetime.now(timezone.utc))
    if problem:
        return False, f"{anchor}, but {problem}"
    if not any(name_matches(leaf, name, cn_fallback=True) for name in reference_names):
        return False, f"{anchor}, but the leaf certificate does not name {' or '.join(reference_names)}"
    return True, anchor
