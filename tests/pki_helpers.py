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


def issue(cn, issuer: Issued | None = None, names=(), ca=False, not_before=None, not_after=None, key=None):
    """issuer None -> self-signed."""
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
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(signer_key.public_key()), critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                          encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    return Issued(builder.sign(signer_key, hashes.SHA256()), key)


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
