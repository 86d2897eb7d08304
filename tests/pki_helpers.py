"""Hand-made certificates for net/DANE/STARTTLS tests (EC P-256: fast to generate)."""
import hashlib
from datetime import datetime, timedelta, timezone

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

NOW = datetime.now(timezone.utc)
DER = serialization.Encoding.DER
PEM = serialization.Encoding.PEM


def new_key():
    return ec.generate_private_key(ec.SECP256R1())


class Issued:
    def __init__(self, cert, key):
        self.cert, self.key = cert, key

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(PEM)

    @property
    def spki_der(self) -> bytes:
        return self.cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())

    def tlsa(self, usage: int, selector: int, mtype: int) -> str:
        data = self.der if selector == 0 else self.spki_der
        if mtype == 1:
            data = hashlib.sha256(data).digest()
        elif mtype == 2:
            data = hashlib.sha512(data).digest()
        return f"{usage} {selector} {mtype} {data.hex()}"


def issue(cn, issuer: Issued | None = None, names=(), ca=False, not_before=None, not_after=None, key=None,
          extensions=None, path_length=None):
    """issuer None -> self-signed. extensions: [(extension, critical)] instead of the usual
    basicConstraints / keyUsage / extendedKeyUsage (for odd CA and leaf certificates)."""
    key = key or new_key()
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    signer_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - timedelta(days=1))
        .not_valid_after(not_after or NOW + timedelta(days=90))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()), critical=False)
    )
    if extensions is not None:
        for extension, critical in extensions:
            builder = builder.add_extension(extension, critical=critical)
    elif ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                          encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return Issued(builder.sign(signer_key, hashes.SHA256()), key)


def key_usage(**allowed):
    """x509.KeyUsage with only the named bits set, e.g. key_usage(key_cert_sign=True)."""
    bits = dict.fromkeys(("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
                          "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only"), False)
    return x509.KeyUsage(**{**bits, **allowed})


def _der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 128:
        return bytes([tag, size]) + content
    width = (size.bit_length() + 7) // 8
    return bytes([tag, 0x80 | width]) + size.to_bytes(width, "big") + content


def _der_span(data: bytes, start: int) -> tuple[int, int]:
    """(content start, end) of the DER element at start."""
    size, at = data[start + 1], start + 2
    if size & 0x80:
        width = size & 0x7F
        size, at = int.from_bytes(data[at:at + width], "big"), at + width
    return at, at + size


def with_compressed_point(cert: Issued, issuer: Issued) -> Issued:
    """cert re-signed by issuer with its EC point in compressed form (RFC 5480 2.2 allows
    both forms); re-serialising the parsed key gives the uncompressed form instead.
    .compressed_spki is the subjectPublicKeyInfo as the new certificate encodes it."""
    old = cert.spki_der  # what cryptography wrote into the certificate it built
    point = cert.key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
    algorithm = old[2:_der_span(old, 2)[1]]
    new = _der(0x30, algorithm + _der(0x03, b"\x00" + point))
    tbs = cert.cert.tbs_certificate_bytes
    assert tbs.count(old) == 1
    tbs = _der(0x30, tbs[_der_span(tbs, 0)[0]:].replace(old, new))
    whole = cert.der
    tbs_end = _der_span(whole, _der_span(whole, 0)[0])[1]
    signature_algorithm = whole[tbs_end:_der_span(whole, tbs_end)[1]]
    signature = issuer.key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    der = _der(0x30, tbs + signature_algorithm + _der(0x03, b"\x00" + signature))
    result = Issued(x509.load_der_x509_certificate(der), cert.key)
    result.compressed_spki = new
    return result


class Pki:
    """root -> intermediate -> leaf for one MX name."""

    def __init__(self, host="mx.example.test", names=None, leaf_not_after=None, leaf_not_before=None):
        self.root = issue("Test Root CA", ca=True)
        self.intermediate = issue("Test Intermediate CA", issuer=self.root, ca=True)
        self.leaf = issue(host, issuer=self.intermediate, names=names if names is not None else (host,),
                          not_after=leaf_not_after, not_before=leaf_not_before)

    def chain_der(self, with_root=False):
        chain = [self.leaf.der, self.intermediate.der]
        return tuple(chain + [self.root.der] if with_root else chain)

    def write(self, directory, with_root=False):
        """Files for a server (chain PEM, key PEM) and the root bundle; returns paths."""
        chain = directory / "chain.pem"
        chain.write_bytes(self.leaf.pem + self.intermediate.pem + (self.root.pem if with_root else b""))
        key = directory / "key.pem"
        key.write_bytes(self.leaf.key_pem)
        bundle = directory / "roots.pem"
        bundle.write_bytes(self.root.pem)
        return str(chain), str(key), str(bundle)
