"""DANE record classification, chain matching (RFC 7671/7672) and the report section."""
import hashlib
from dataclasses import dataclass
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID

from checker.engine import dane
from checker.engine.mx import MxHost
from checker.engine.net import SmtpProbe
from tests.pki_helpers import NOW, Pki, issue, with_compressed_point

MX = "mx.example.test"


@dataclass(frozen=True)
class Answer:
    name: str
    rcode: str = "NOERROR"
    security: str = "secure"
    records: tuple = ()
    canonical_name: str | None = None
    reason: str | None = None


@pytest.fixture(scope="module")
def pki():
    return Pki(MX)


def recs(*texts):
    return [dane.parse_record(text) for text in texts]


def matches(records, chain, names=(MX,), at_time=None):
    return dane.match_chain(recs(*records), chain, list(names), at_time)[0]


def probe(chain, host=MX, status="ok", address="127.55.1.1"):
    return SmtpProbe(host=host, address=address, port=25, status=status, chain_der=tuple(chain),
                     tls_version="TLSv1.3" if status == "ok" else None)


def tlsa_answer(host, *records, security="secure", rcode="NOERROR"):
    return Answer(name=dane.tlsa_name(host), rcode=rcode, security=security, records=tuple(records))


def codes(findings):
    found = [finding.code for finding in findings]
    assert set(found) <= set(dane.FINDING_CODES)
    return found


# --- records ---------------------------------------------------------------------------

def test_tlsa_name_is_port_25_of_the_host_without_its_final_dot():
    assert dane.tlsa_name("mx.example.test.") == "_25._tcp.mx.example.test"
    assert dane.TLSA_PORT == 25   # RFC 7672 2.2.3: what the engine asks, whatever port tests dial


def test_presentation_hex_split_by_spaces_is_joined_and_lower_cased(pki):
    text = pki.leaf.tlsa(3, 1, 1)
    digest = text.split()[3]
    record = dane.parse_record(f"3 1 1 {digest[:20].upper()} {digest[20:]}")
    assert record.text == text and record.problem is None


@pytest.mark.parametrize("usage", [0, 1])
def test_pkix_usages_are_unusable_for_smtp(pki, usage):
    assert "PKIX" in dane.parse_record(pki.leaf.tlsa(usage, 1, 1)).problem


@pytest.mark.parametrize("text, problem", [
    ("4 1 1 " + "ab" * 32, "unknown usage"),
    ("3 2 1 " + "ab" * 32, "unknown selector"),
    ("3 1 3 " + "ab" * 32, "unknown matching type"),
    ("3 1 1 " + "ab" * 31, "needs 32 bytes"),
    ("3 1 2 " + "ab" * 32, "needs 64 bytes"),
    ("3 0 0 " + "ab" * 40, "does not parse as a certificate"),
    ("3 1 0 " + "ab" * 40, "does not parse as a public key"),
])
def test_record_usability_rules(text, problem):
    assert problem in dane.parse_record(text).problem


@pytest.mark.parametrize("text", ["3 1 x abcd", "3 1 1 zz", "3 1 1", "300 1 1 abcd"])
def test_unparseable_rdata_is_malformed(text):
    assert dane.parse_record(text).malformed


@pytest.mark.parametrize("answer, expected", [
    (None, "error"),
    (Answer("x", rcode="SERVFAIL", security="bogus"), "bogus"),
    (Answer("x", rcode="SERVFAIL", security="error"), "error"),
    (Answer("x", rcode="NXDOMAIN", security="secure"), "none"),
    (Answer("x", security="insecure", records=("3 1 1 " + "ab" * 32,)), "insecure"),
    (Answer("x", records=("3 1 1 " + "ab" * 32,)), "valid"),
    (Answer("x", records=("1 1 1 " + "ab" * 32,)), "unusable"),
    (Answer("x", records=("1 1 1 " + "ab" * 32, "3 1 1 zz")), "invalid"),
    (Answer("x", records=("1 1 1 " + "ab" * 32, "3 1 1 " + "ab" * 32)), "valid"),
    (Answer("x", records=("3 1 1 abcd",)), "unusable"),  # digest too short for SHA-256
    (Answer("x", records=("\\# 2 0301",)), "invalid"),  # RFC 3597 text the DNS wrapper keeps
])
def test_tlsa_rrset_classification(answer, expected):
    records = [dane.parse_record(text) for text in (answer.records if answer else ())]
    assert dane.classify(answer, records) == expected


# --- matching ---------------------------------------------------------------------------

@pytest.mark.parametrize("selector", [0, 1])
@pytest.mark.parametrize("mtype", [0, 1, 2])
def test_dane_ee_record_matches_the_leaf_for_every_selector_and_matching_type(pki, selector, mtype):
    assert matches([pki.leaf.tlsa(3, selector, mtype)], pki.chain_der())


@pytest.mark.parametrize("selector", [0, 1])
@pytest.mark.parametrize("mtype", [0, 1, 2])
def test_dane_ta_record_matches_the_intermediate_in_the_chain(pki, selector, mtype):
    assert matches([pki.intermediate.tlsa(2, selector, mtype)], pki.chain_der())


def test_wrong_digest_does_not_match(pki):
    assert not matches(["3 1 1 " + "00" * 32], pki.chain_der())


def test_dane_ee_record_of_the_intermediate_does_not_match(pki):
    assert not matches([pki.intermediate.tlsa(3, 1, 1)], pki.chain_der())


def test_dane_ta_record_never_matches_the_leaf_itself(pki):
    assert not matches([pki.leaf.tlsa(2, 0, 1)], pki.chain_der())


def test_dane_ta_root_matches_when_the_root_is_sent(pki):
    assert matches([pki.root.tlsa(2, 0, 1)], pki.chain_der(with_root=True))


def test_dane_ta_root_digest_fails_when_the_root_is_not_sent(pki):
    assert not matches([pki.root.tlsa(2, 0, 1)], pki.chain_der())


def test_dane_ta_full_public_key_works_without_the_root_being_sent(pki):
    """RFC 7671 5.2.2: 2 1 0 carries the key itself, so it can verify the top of the chain."""
    assert matches([pki.root.tlsa(2, 1, 0)], pki.chain_der())


def test_dane_ta_full_certificate_from_dns_completes_the_chain(pki):
    """RFC 7671 5.2.2, as OpenSSL does: a 2 0 0 certificate need not be sent."""
    assert matches([pki.root.tlsa(2, 0, 0)], pki.chain_der())


def test_selector_1_hashes_the_spki_as_encoded_in_the_certificate(pki):
    """RFC 6698 2.1.2: a compressed EC point must not be re-encoded before hashing."""
    leaf = with_compressed_point(pki.leaf, pki.intermediate)
    digest = hashlib.sha256(leaf.compressed_spki).hexdigest()
    assert matches([f"3 1 1 {digest}"], (leaf.der, pki.intermediate.der))
    assert dane.spki_sha256(leaf.cert) == digest


def test_dane_ta_rejects_a_leaf_not_for_server_auth(pki):
    client = issue(MX, issuer=pki.intermediate, extensions=[
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
        (x509.SubjectAlternativeName([x509.DNSName(MX)]), False)])
    ok, detail = dane.match_chain(recs(pki.intermediate.tlsa(2, 1, 1)), (client.der, pki.intermediate.der), [MX])
    assert not ok and "serverAuth" in detail


def test_dane_ta_fails_when_the_intermediate_is_not_sent(pki):
    assert not matches([pki.root.tlsa(2, 0, 1)], (pki.leaf.der, pki.root.der))


def test_chain_sent_out_of_order_still_builds(pki):
    assert matches([pki.root.tlsa(2, 0, 1)], (pki.leaf.der, pki.root.der, pki.intermediate.der))


def test_expired_leaf_still_passes_with_dane_ee():
    """RFC 7671 5.1: DANE-EE(3) ignores validity dates."""
    old = Pki(MX, leaf_not_before=NOW - timedelta(days=400), leaf_not_after=NOW - timedelta(days=10))
    assert matches([old.leaf.tlsa(3, 1, 1)], old.chain_der())


def test_expired_leaf_fails_with_dane_ta():
    old = Pki(MX, leaf_not_before=NOW - timedelta(days=400), leaf_not_after=NOW - timedelta(days=10))
    ok, detail = dane.match_chain(recs(old.intermediate.tlsa(2, 1, 1)), old.chain_der(), [MX])
    assert not ok and "validity" in detail


def test_name_mismatch_passes_with_dane_ee():
    other = Pki("other.example.test")
    assert matches([other.leaf.tlsa(3, 1, 1)], other.chain_der())


def test_name_mismatch_fails_with_dane_ta():
    other = Pki("other.example.test")
    ok, detail = dane.match_chain(recs(other.intermediate.tlsa(2, 1, 1)), other.chain_der(), [MX])
    assert not ok and "does not name" in detail


def test_dane_ta_accepts_a_wildcard_for_one_label():
    wild = Pki(MX, names=("*.example.test",))
    assert matches([wild.intermediate.tlsa(2, 1, 1)], wild.chain_der())


def test_dane_ta_accepts_the_tlsa_base_domain_after_cname_expansion():
    hosted = Pki("mail.provider.test")
    assert matches([hosted.intermediate.tlsa(2, 1, 1)], hosted.chain_der(), names=(MX, "mail.provider.test"))


def test_a_sha2_512_record_hides_sha2_256_records_of_the_same_usage_and_selector(pki):
    """RFC 7671 9: digest algorithm agility, as OpenSSL and Postfix apply it."""
    ok, detail = dane.match_chain(recs("3 1 2 " + "00" * 64, pki.leaf.tlsa(3, 1, 1)), pki.chain_der(), [MX])
    assert not ok and "RFC 7671 9" in detail
    assert matches(["3 0 2 " + "00" * 64, pki.leaf.tlsa(3, 1, 1)], pki.chain_der())


def test_a_cname_on_the_tlsa_record_adds_no_reference_identifier():
    """RFC 7671 7: only CNAMEs of the MX host's address records change the TLSA base domain."""
    hosted = Pki("mx.provider.test")
    records = (hosted.intermediate.tlsa(2, 1, 1),)
    redirected = Answer(dane.tlsa_name(MX), records=records, canonical_name="_25._tcp.mx.provider.test")
    result, _ = dane.evaluate_dane([MxHost(MX, 10, ("127.55.1.1",), "secure")], {MX: redirected},
                                   [probe(hosted.chain_der())])
    assert result.hosts[0].match == "fail"
    aliased = MxHost(MX, 10, ("127.55.1.1",), "secure", canonical_name="mx.provider.test")
    result, _ = dane.evaluate_dane([aliased], {MX: redirected}, [probe(hosted.chain_der())])
    assert result.hosts[0].match == "pass"


# RFC 7672 2.2.3: an MX host name that is an alias with a secure CNAME expansion has the
# expanded name as its first TLSA base domain candidate and its own name as the second.
PROVIDER = "mx.provider.test"


def alias_host(dnssec="secure"):
    return MxHost(MX, 10, ("127.55.1.1",), dnssec, canonical_name=PROVIDER)


def test_a_secure_rrset_at_the_expanded_name_is_used():
    hosted = Pki(PROVIDER)
    answers = {PROVIDER: tlsa_answer(PROVIDER, hosted.intermediate.tlsa(2, 1, 1)),
               MX: tlsa_answer(MX, "3 1 1 " + "ab" * 32)}
    result, findings = dane.evaluate_dane([alias_host()], answers, [probe(hosted.chain_der())])
    host = result.hosts[0]
    assert (host.tlsa, host.match, host.tlsa_base_domain) == ("valid", "pass", PROVIDER)
    assert host.records == (hosted.intermediate.tlsa(2, 1, 1),)
    assert host.as_dict()["tlsa_base_domain"] == PROVIDER
    assert (result.status, result.verified) == ("all", "all")
    assert "dane.match.pass" in codes(findings)


@pytest.mark.parametrize("rcode", ["NOERROR", "NXDOMAIN"])
def test_no_tlsa_at_the_expanded_name_falls_back_to_the_mx_host_name(pki, rcode):
    answers = {PROVIDER: tlsa_answer(PROVIDER, rcode=rcode), MX: tlsa_answer(MX, pki.leaf.tlsa(3, 1, 1))}
    result, _ = dane.evaluate_dane([alias_host()], answers, [probe(pki.chain_der())])
    host = result.hosts[0]
    assert (host.tlsa, host.match, host.tlsa_base_domain) == ("valid", "pass", MX)
    assert host.records == (pki.leaf.tlsa(3, 1, 1),)


def test_insecure_tlsa_at_the_expanded_name_falls_back_to_the_mx_host_name(pki):
    answers = {PROVIDER: tlsa_answer(PROVIDER, "3 1 1 " + "ab" * 32, security="insecure"),
               MX: tlsa_answer(MX, pki.leaf.tlsa(3, 1, 1))}
    result, _ = dane.evaluate_dane([alias_host()], answers, [probe(pki.chain_der())])
    assert (result.hosts[0].tlsa, result.hosts[0].tlsa_base_domain) == ("valid", MX)


@pytest.mark.parametrize("dnssec", ["insecure", "error"])
def test_an_expansion_that_is_not_secure_leaves_only_the_mx_host_name(pki, dnssec):
    answers = {PROVIDER: tlsa_answer(PROVIDER, "3 1 1 " + "ab" * 32), MX: tlsa_answer(MX, pki.leaf.tlsa(3, 1, 1))}
    result, _ = dane.evaluate_dane([alias_host(dnssec)], answers, [probe(pki.chain_der())])
    host = result.hosts[0]
    assert (host.tlsa, host.match, host.tlsa_base_domain) == ("valid", "pass", MX)


@pytest.mark.parametrize("answer, expected", [
    (tlsa_answer(PROVIDER, rcode="SERVFAIL", security="bogus"), "bogus"),
    (tlsa_answer(PROVIDER, rcode="SERVFAIL", security="error"), "error"),
    (None, "error"),  # looked up, but the lookup did not finish
])
def test_a_failed_lookup_at_the_expanded_name_does_not_fall_back(pki, answer, expected):
    """RFC 7672 2.1.1 / 2.2.3: only records not found (or insecure) move on to the next candidate."""
    answers = {PROVIDER: answer, MX: tlsa_answer(MX, pki.leaf.tlsa(3, 1, 1))}
    result, findings = dane.evaluate_dane([alias_host()], answers, [probe(pki.chain_der())])
    assert (result.hosts[0].tlsa, result.hosts[0].tlsa_base_domain) == (expected, PROVIDER)
    assert any(dane.tlsa_name(PROVIDER) in f.detail for f in findings if f.code.startswith("dane.tlsa."))


def test_no_tlsa_at_either_candidate_names_both(pki):
    answers = {PROVIDER: tlsa_answer(PROVIDER), MX: tlsa_answer(MX, rcode="NXDOMAIN")}
    result, findings = dane.evaluate_dane([alias_host()], answers, [probe(pki.chain_der())])
    assert (result.status, result.hosts[0].tlsa_base_domain) == ("none", MX)
    missing = next(f for f in findings if f.code == "dane.tlsa.missing")
    assert dane.tlsa_name(PROVIDER) in missing.detail and dane.tlsa_name(MX) in missing.detail


def test_a_host_that_is_no_alias_reports_its_own_name_as_base_domain(pki):
    result, _ = dane.evaluate_dane(hosts(MX), {MX: tlsa_answer(MX, pki.leaf.tlsa(3, 1, 1))}, [probe(pki.chain_der())])
    assert result.hosts[0].as_dict()["tlsa_base_domain"] == MX


def test_dane_ta_rejects_an_issuer_that_is_not_a_ca():
    fake_ca = issue("Not A CA", ca=False)
    leaf = issue(MX, issuer=fake_ca, names=(MX,))
    assert not matches([fake_ca.tlsa(2, 1, 1)], (leaf.der, fake_ca.der))


def test_dane_ta_rejects_a_chain_whose_signature_does_not_verify(pki):
    impostor = issue("Test Intermediate CA", ca=True)  # same name, other key
    assert not matches([impostor.tlsa(2, 1, 1)], (pki.leaf.der, impostor.der))


def test_garbage_chain_does_not_match():
    assert not matches(["3 1 1 " + "ab" * 32], (b"not a certificate",))


# --- evaluation -------------------------------------------------------------------------

def hosts(*names):
    return [MxHost(name, 10, ("127.55.1.1",), "secure") for name in names]


def test_all_hosts_with_matching_records_verify_all(pki):
    mx2 = Pki("mx2.example.test")
    answers = {MX: tlsa_answer(MX, pki.leaf.tlsa(3, 1, 1), "3 1 1 " + "11" * 32),
               "mx2.example.test": tlsa_answer("mx2.example.test", mx2.leaf.tlsa(3, 1, 1), "3 1 1 " + "22" * 32)}
    result, findings = dane.evaluate_dane(hosts(MX, "mx2.example.test"), answers,
                                          [probe(pki.chain_der()), probe(mx2.chain_der(), host="mx2.example.test")])
    assert (result.status, result.verified) == ("all", "all")
    assert "dane.all" in codes(findings)
    assert "dane.rollover.single_record" not in codes(findings)


def test_report_section_has_exactly_the_contract_fields(pki):
    result, _ = dane.evaluate_dane(hosts(MX), {MX: tlsa_answer(MX, pki.leaf.tlsa(3, 1, 1))}, [probe(pki.chain_der())])
    report = result.as_dict()
    assert set(report) == {"status", "hosts", "verified"}
    assert {"name", "tlsa", "records", "match"} <= set(report["hosts"][0])
    assert report["hosts"][0]["records"] == [pki.leaf.tlsa(3, 1, 1)]


def test_one_host_without_tlsa_makes_some(pki):
    answers = {MX: tlsa_answer(MX, pki.leaf.tlsa(3, 1, 1)), "mx2.example.test": tlsa_answer("mx2.example.test")}
    result, findings = dane.evaluate_dane(hosts(MX, "mx2.example.test"), answers, [probe(pki.chain_der())])
    assert result.status == "some"
    assert {"dane.partial", "dane.tlsa.missing"} <= set(codes(findings))


def test_no_tlsa_anywhere_is_none_and_offers_the_record_to_publish(pki):
    result, findings = dane.evaluate_dane(hosts(MX), {MX: tlsa_answer(MX, rcode="NXDOMAIN")}, [probe(pki.chain_der())])
    assert (result.status, result.verified) == ("none", "not-tested")
    missing = next(f for f in findings if f.code == "dane.tlsa.missing")
    assert missing.data["spki_sha256"] == pki.leaf.tlsa(3, 1, 1).split()[3]


def test_tlsa_in_an_unsigned_zone_is_insecure_and_the_domain_invalid(pki):
    answers = {MX: tlsa_answer(MX, pki.leaf.tlsa(3, 1, 1), security="insecure")}
    result, findings = dane.evaluate_dane(hosts(MX), answers, [probe(pki.chain_der())])
    assert (result.status, result.hosts[0].tlsa) == ("invalid", "insecure")
    assert "dane.tlsa.insecure" in codes(findings)


def test_unsigned_looking_tlsa_from_a_resolver_that_does_not_validate_is_an_error_not_insecure(pki):
    answers = {MX: tlsa_answer(MX, pki.leaf.tlsa(3, 1, 1), security="insecure")}
    result, _ = dane.evaluate_dane(hosts(MX), answers, [probe(pki.chain_der())], resolver_trusted=False)
    assert (result.status, result.hosts[0].tlsa) == ("error", "error")


def test_bogus_tlsa_fails_because_dane_senders_defer(pki):
    answers = {MX: tlsa_answer(MX, rcode="SERVFAIL", security="bogus")}
    result, findings = dane.evaluate_dane(hosts(MX), answers, [probe(pki.chain_der())])
    assert (result.status, result.hosts[0].tlsa) == ("invalid", "bogus")
    bogus = next(f for f in findings if f.code == "dane.tlsa.bogus")
    assert bogus.severity == "fail"


def test_only_pkix_records_are_unusable(pki):
    answers = {MX: tlsa_answer(MX, pki.leaf.tlsa(1, 1, 1))}
    result, findings = dane.evaluate_dane(hosts(MX), answers, [probe(pki.chain_der())])
    assert (result.status, result.hosts[0].tlsa) == ("invalid", "unusable")
    assert "dane.tlsa.unusable" in codes(findings)


def test_failed_lookups_everywhere_are_an_error():
    result, findings = dane.evaluate_dane(hosts(MX), {MX: tlsa_answer(MX, rcode="SERVFAIL", security="error")}, [])
    assert result.status == "error"
    assert "dane.tlsa.error" in codes(findings)


def test_no_mail_hosts_is_not_applicable():
    assert dane.evaluate_dane([], {}, [])[0].status == "not-applicable"


def test_tlsa_without_starttls_fails(pki):
    result, findings = dane.evaluate_dane(hosts(MX), {MX: tlsa_answer(MX, pki.leaf.tlsa(3, 1, 1))},
                                          [probe((), status="not-offered")])
    assert (result.hosts[0].match, result.verified) == ("fail", "none")
    assert next(f for f in findings if f.code == "dane.match.no_starttls").severity == "fail"


def test_no_matching_record_fails_with_the_observed_key(pki):
    result, findings = dane.evaluate_dane(hosts(MX), {MX: tlsa_answer(MX, "3 1 1 " + "00" * 32)},
                                          [probe(pki.chain_der())])
    assert result.hosts[0].match == "fail"
    failure = next(f for f in findings if f.code == "dane.match.fail")
    assert failure.data["spki_sha256"] == pki.leaf.tlsa(3, 1, 1).split()[3]


def test_unreachable_host_is_not_tested(pki):
    result, findings = dane.evaluate_dane(hosts(MX), {MX: tlsa_answer(MX, pki.leaf.tlsa(3, 1, 1))},
                                          [probe((), status="unreachable")])
    assert (result.hosts[0].match, result.verified) == ("not-tested", "not-tested")
    assert "dane.match.not_tested" in codes(findings)


def test_one_failing_address_fails_the_host(pki):
    other = Pki(MX)
    result, _ = dane.evaluate_dane(hosts(MX), {MX: tlsa_answer(MX, pki.leaf.tlsa(3, 1, 1))},
                                   [probe(pki.chain_der()), probe(other.chain_der(), address="::1")])
    assert result.hosts[0].match == "fail"


def test_single_record_asks_for_a_rollover_plan(pki):
    _, findings = dane.evaluate_dane(hosts(MX), {MX: tlsa_answer(MX, pki.leaf.tlsa(3, 1, 1))}, [probe(pki.chain_der())])
    assert "dane.rollover.single_record" in codes(findings)
    assert "dane.record.not_recommended" not in codes(findings)


def test_records_other_than_3_1_1_get_the_recommendation(pki):
    answers = {MX: tlsa_answer(MX, pki.intermediate.tlsa(2, 1, 1), pki.leaf.tlsa(3, 0, 1))}
    _, findings = dane.evaluate_dane(hosts(MX), answers, [probe(pki.chain_der())])
    advice = next(f for f in findings if f.code == "dane.record.not_recommended")
    assert advice.data["suggested_record"] == pki.leaf.tlsa(3, 1, 1)


def test_unusable_record_beside_a_usable_one_is_a_warning(pki):
    answers = {MX: tlsa_answer(MX, pki.leaf.tlsa(3, 1, 1), pki.leaf.tlsa(1, 1, 1))}
    result, findings = dane.evaluate_dane(hosts(MX), answers, [probe(pki.chain_der())])
    assert (result.hosts[0].tlsa, result.hosts[0].match) == ("valid", "pass")
    assert next(f for f in findings if f.code == "dane.record.unusable").severity == "warn"


def test_a_match_beyond_the_records_the_report_lists_still_counts(pki):
    """Sixty 3 1 1 records, the matching one sorting last: the report lists the first
    dns.MAX_RECORDS, but a host is authenticated by any usable record of the RRset
    (RFC 6698 2.1, RFC 7671 5), so the match must be found (fakenet dane-many-tlsa.fi)."""
    import dns.rrset

    from checker.engine.dns import MAX_RECORDS, DnsAnswer

    texts = sorted([f"3 1 1 {k:064x}" for k in range(1, 60)] + [pki.leaf.tlsa(3, 1, 1)])
    assert texts[-1] == pki.leaf.tlsa(3, 1, 1) and len(texts) > MAX_RECORDS
    name = dane.tlsa_name(MX)
    rrset = dns.rrset.from_text_list(name + ".", 300, "IN", "TLSA", texts)
    answer = DnsAnswer(name=name, rdtype="TLSA", rcode="NOERROR", security="secure",
                       records=tuple(texts[:MAX_RECORDS]), rrset=rrset, capped=True)
    result, findings = dane.evaluate_dane(hosts(MX), {MX: answer}, [probe(pki.chain_der())])
    assert (result.status, result.verified, result.hosts[0].match) == ("all", "all", "pass")
    assert len(result.hosts[0].records) == MAX_RECORDS  # the listing stays capped
    assert "dane.match.pass" in codes(findings)
