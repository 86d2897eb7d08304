"""STARTTLS retrieval (parallel probes over loopback) and the pure evaluation."""
import ipaddress
import ssl
import time
from datetime import timedelta

import pytest

from checker.engine import net, starttls
from checker.engine.config import EngineConfig
from checker.engine.mx import MxHost
from checker.engine.net import SmtpProbe
from tests import net_servers as srv
from tests.pki_helpers import NOW, Pki

MX = "mx.example.test"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    pki = Pki(MX)
    return pki, *pki.write(tmp_path_factory.mktemp("pki"))


def probe(status="ok", chain=(), version="TLSv1.3", host=MX, address="127.55.1.1", **more):
    return SmtpProbe(host=host, address=address, port=25, status=status, chain_der=tuple(chain),
                     tls_version=version if status == "ok" else None, **more)


def mx(name=MX, addresses=("127.55.1.1",)):
    return MxHost(name, 10, tuple(addresses), "secure")


def codes(findings):
    found = [finding.code for finding in findings]
    assert set(found) <= set(starttls.FINDING_CODES)
    return found


def test_the_section_status_summarises_the_hosts():
    assert starttls.section_status([("ok", "TLSv1.3"), ("unreachable", None), ("skipped", None)]) == "ok"
    assert starttls.section_status([("ok", "TLSv1.3"), ("not-offered", None)]) == "partial"
    assert starttls.section_status([("ok", "TLSv1.3"), ("ok", "TLSv1.1")]) == "partial"
    assert starttls.section_status([("ok", "TLSv1"), ("handshake-failed", None)]) == "failed"
    assert starttls.section_status([("unreachable", None)]) == "failed"
    assert starttls.section_status([("skipped", None), ("refused-address", None)]) == "none"
    assert starttls.section_status([]) == "none"


def test_tls_versions_have_one_order():
    assert [starttls.tls_version_ok(v) for v in starttls.TLS_VERSIONS] == [False] * 4 + [True] * 2
    assert not starttls.tls_version_ok(None) and not starttls.tls_version_ok("TLSv9")


def test_the_result_carries_its_status_in_the_section(pki):
    result, _ = starttls.evaluate_starttls([probe(chain=pki[0].chain_der())], [mx()], pki[3])
    assert result.status == "ok" and result.as_dict()["status"] == "ok"


def test_hosts_are_reported_per_address_with_certificate_facts(pki):
    result, findings = starttls.evaluate_starttls([probe(chain=pki[0].chain_der())], [mx()], pki[3])
    entry = result.as_dict()["hosts"][0]
    assert {"name", "address", "status", "tls_version", "certificate"} <= set(entry)
    assert entry["certificate"]["webpki_valid"] is True
    assert entry["certificate"]["names"] == [MX]
    assert set(entry["certificate"]) >= {"subject", "names", "issuer", "not_after", "webpki_valid", "webpki_error"}
    assert {"starttls.supported", "starttls.certificate.valid"} <= set(codes(findings))


def test_the_certificate_carries_the_hash_a_3_1_1_tlsa_record_needs(pki):
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    chain = pki[0].chain_der()
    result, _ = starttls.evaluate_starttls([probe(chain=chain)], [mx()], pki[3])
    leaf_key = x509.load_der_x509_certificate(chain[0]).public_key()
    spki = leaf_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert result.as_dict()["hosts"][0]["certificate"]["spki_sha256"] == hashlib.sha256(spki).hexdigest()


def test_addresses_beyond_the_per_host_cap_are_listed_as_skipped_not_failed(pki):
    addresses = [f"127.55.1.{i}" for i in range(1, 13)]
    probed = starttls.probed_addresses(addresses)
    probes = [probe(chain=pki[0].chain_der(), address=a) for a in probed]
    result, findings = starttls.evaluate_starttls(probes, [mx(addresses=addresses)], pki[3])
    statuses = [entry["status"] for entry in result.as_dict()["hosts"]]
    assert statuses.count("ok") == len(probed) == starttls.MAX_ADDRESSES_PER_HOST
    assert statuses.count("skipped") == len(addresses) - len(probed)
    assert {"starttls.addresses_capped", "starttls.supported"} <= set(codes(findings))


def test_hosts_beyond_the_checked_ones_are_listed_as_skipped(pki):
    result, findings = starttls.evaluate_starttls([probe(chain=pki[0].chain_der())], [mx()], pki[3],
                                                  unchecked=("mx11.example.test",))
    assert [(h.name, h.status) for h in result.hosts] == [(MX, "ok"), ("mx11.example.test", "skipped")]


def test_host_without_address_is_skipped(pki):
    result, findings = starttls.evaluate_starttls([], [mx(addresses=())], pki[3])
    assert result.hosts[0].status == "skipped"
    assert codes(findings) == ["starttls.no_address"]


@pytest.mark.parametrize("status, code, severity", [
    ("not-offered", "starttls.not_offered", "fail"),
    ("handshake-failed", "starttls.handshake_failed", "fail"),
    ("unreachable", "starttls.unreachable", "warn"),
    ("refused-address", "starttls.refused_address", "info"),
])
def test_failed_probe_statuses_become_findings(pki, status, code, severity):
    result, findings = starttls.evaluate_starttls([probe(status=status, error="x")], [mx()], pki[3])
    assert result.hosts[0].status == status
    assert [(f.code, f.severity) for f in findings] == [(code, severity)]


def test_broken_smtp_dialogue_is_reported_as_such(pki):
    broken = probe(status="unreachable", stage="ehlo", error_kind="protocol", error="reply longer than 100 lines")
    _, findings = starttls.evaluate_starttls([broken], [mx()], pki[3])
    assert codes(findings) == ["starttls.smtp_error"]


def test_tls_below_1_2_fails(pki):
    _, findings = starttls.evaluate_starttls([probe(chain=pki[0].chain_der(), version="TLSv1")], [mx()], pki[3])
    assert ("starttls.tls_version_old", "fail") in [(f.code, f.severity) for f in findings]
    assert "starttls.supported" not in codes(findings)


def test_untrusted_certificate_is_a_warning(pki):
    other = Pki(MX)
    result, findings = starttls.evaluate_starttls([probe(chain=other.chain_der())], [mx()], pki[3])
    assert result.hosts[0].certificate["webpki_valid"] is False
    assert [(f.code, f.severity) for f in findings if f.code.startswith("starttls.certificate")] == [
        ("starttls.certificate.untrusted", "warn")]


def test_certificate_for_another_host_is_a_name_mismatch(pki):
    _, findings = starttls.evaluate_starttls([probe(chain=pki[0].chain_der(), host="mx2.example.test")],
                                             [mx("mx2.example.test")], pki[3])
    assert "starttls.certificate.name_mismatch" in codes(findings)


def test_expired_certificate_is_reported_as_expired(tmp_path):
    old = Pki(MX, leaf_not_before=NOW - timedelta(days=100), leaf_not_after=NOW - timedelta(days=1))
    _, _, bundle = old.write(tmp_path)
    _, findings = starttls.evaluate_starttls([probe(chain=old.chain_der())], [mx()], bundle)
    assert "starttls.certificate.expired" in codes(findings)


def test_old_tls_server_is_probed_and_failed_end_to_end(pki):
    ctx = srv.server_context(pki[1], pki[2], minimum=ssl.TLSVersion.TLSv1_1, maximum=ssl.TLSVersion.TLSv1_1)
    with srv.Server(srv.smtp_handler(ctx)) as server:
        config = EngineConfig(ca_bundle=pki[3], smtp_port=server.port,
                              allowed_networks=(ipaddress.ip_network("127.55.0.0/16"),))
        probes = [net.smtp_starttls(MX, server.address, config.smtp_port, time.monotonic() + 10, config)]
    result, findings = starttls.evaluate_starttls(probes, [mx(addresses=(server.address,))], pki[3])
    assert result.hosts[0].tls_version == "TLSv1.1"
    assert "starttls.tls_version_old" in codes(findings)


def test_unparseable_certificate_is_reported_not_raised(pki):
    result, findings = starttls.evaluate_starttls([probe(chain=(b"\x30\x03junk",))], [mx()], pki[3])
    assert result.hosts[0].certificate["webpki_valid"] is False
    assert "starttls.certificate.malformed" in codes(findings)
