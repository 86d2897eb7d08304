"""DNSSEC evaluation with hand-made answers (the fake network's real validator: test_scenarios.py)."""
import pytest

from checker.engine.dns import DnsAnswer
from checker.engine.dnssec import FINDING_CODES, DnssecRetrieved, evaluate_dnssec

DOMAIN = "example.fi"


def ans(rdtype, records=(), rcode="NOERROR", security="secure", ede=(), reason=None):
    return DnsAnswer(name=DOMAIN, rdtype=rdtype, rcode=rcode, security=security, records=tuple(records),
                     ede=tuple(ede), reason=reason, canonical_name=DOMAIN)


DS = ans("DS", ["12345 13 2 " + "ab" * 32])
NO_DS = ans("DS", security="insecure")


def evaluate(soa, ds=NO_DS, validates=True):
    result, findings = evaluate_dnssec(DnssecRetrieved(DOMAIN, soa, ds), validates)
    codes = [f.code for f in findings]
    assert set(codes) <= set(FINDING_CODES)
    return result, codes


def test_signed_domain_with_ad_is_secure_with_ds_present():
    result, codes = evaluate(ans("SOA", ["ns. host. 1 2 3 4 5"]), DS)
    assert result.as_dict() == {"status": "secure", "ds_present": True, "reason": None, "resolver_validates": True,
                                "rrsig_expires": None}
    assert codes == ["dnssec.secure"]


def test_the_earliest_signature_expiration_of_the_secure_soa_and_mx_is_reported():
    from dataclasses import replace

    soa = replace(ans("SOA", ["ns. host. 1 2 3 4 5"]), rrsig_expiration=1800000000)
    mx = replace(ans("MX", ["10 mx1.example.fi."]), rrsig_expiration=1799999000)
    result, _ = evaluate_dnssec(DnssecRetrieved(DOMAIN, soa, DS, mx), True)
    assert result.rrsig_expires == "2027-01-15T07:43:20Z"
    unsigned = replace(ans("SOA", ["ns. host. 1 2 3 4 5"], security="insecure"), rrsig_expiration=1700000000)
    assert evaluate_dnssec(DnssecRetrieved(DOMAIN, unsigned, NO_DS), True)[0].rrsig_expires is None


def test_unsigned_domain_is_insecure_with_a_warning():
    result, codes = evaluate(ans("SOA", ["ns. host. 1 2 3 4 5"], security="insecure"))
    assert (result.status, result.ds_present) == ("insecure", False)
    assert codes == ["dnssec.insecure"]


def test_ds_with_unsupported_algorithm_is_insecure_with_the_ede_as_reason():
    soa = ans("SOA", ["x"], security="insecure", ede=[(1, "algorithm 253")])
    result, codes = evaluate(soa, DS)
    assert result.status == "insecure" and result.ds_present
    assert result.reason == "EDE 1 (Unsupported DNSKEY Algorithm): algorithm 253"
    assert codes == ["dnssec.unsupported_algorithm"]


def test_bogus_domain_carries_the_resolver_reason():
    reason = "EDE 9 (DNSKEY Missing): no keys have a DS"
    result, codes = evaluate(ans("SOA", rcode="SERVFAIL", security="bogus", reason=reason), DS)
    assert (result.status, result.reason, result.ds_present) == ("bogus", reason, True)
    assert codes == ["dnssec.bogus"]


@pytest.mark.parametrize("rcode", ["TIMEOUT", "SERVFAIL", "REFUSED"])
def test_failed_lookup_is_an_error(rcode):
    result, codes = evaluate(ans("SOA", rcode=rcode, security="error", reason="no answer"))
    assert result.status == "error"
    assert result.reason == "no answer"
    assert codes == ["dnssec.error"]


def test_nonexistent_domain_is_an_error():
    result, codes = evaluate(ans("SOA", rcode="NXDOMAIN", security="secure"))
    assert (result.status, result.reason) == ("error", "NXDOMAIN")
    assert codes == ["dnssec.nxdomain"]


def test_resolver_that_does_not_validate_gives_an_error_not_insecure():
    result, codes = evaluate(ans("SOA", security="insecure"), validates=False)
    assert result.status == "error"
    assert codes == ["dnssec.resolver_not_validating"]


def test_unknown_validation_is_accepted_when_the_answer_itself_is_authenticated():
    result, _ = evaluate(ans("SOA", ["x"]), DS, validates=None)
    assert result.status == "secure"
    result, codes = evaluate(ans("SOA", ["x"], security="insecure"), validates=None)
    assert result.status == "error" and codes == ["dnssec.resolver_not_validating"]


def test_ds_lookup_failure_means_no_ds_known():
    result, _ = evaluate(ans("SOA", ["x"]), ans("DS", rcode="TIMEOUT", security="error"))
    assert result.ds_present is False


def evaluate_with_mx(soa, mx, ds=DS, validates=True):
    result, findings = evaluate_dnssec(DnssecRetrieved(DOMAIN, soa, ds, mx), validates)
    return result, [f.code for f in findings]


def test_a_bogus_mx_rrset_makes_a_signed_domain_bogus_even_when_its_soa_validates():
    # RFC 4035 5.5: validators refuse the MX RRset (e.g. its RRSIG expired), so mail cannot be routed.
    reason = "EDE 7 (Signature Expired): MX"
    mx = ans("MX", ["10 mx.example.fi."], rcode="SERVFAIL", security="bogus", reason=reason)
    result, codes = evaluate_with_mx(ans("SOA", ["x"]), mx)
    assert (result.status, result.reason, result.ds_present) == ("bogus", reason, True)
    assert codes == ["dnssec.bogus"]


def test_a_failed_soa_lookup_falls_back_to_the_mx_answer():
    result, _ = evaluate_with_mx(ans("SOA", rcode="TIMEOUT", security="error"), ans("MX", ["10 mx.example.fi."]))
    assert result.status == "secure"


def test_a_bogus_answer_proves_validation_when_the_root_lookup_failed():
    result, codes = evaluate(ans("SOA", rcode="SERVFAIL", security="bogus", reason="EDE 6 (DNSSEC Bogus)"), DS,
                             validates=None)
    assert result.status == "bogus" and codes == ["dnssec.bogus"]


def test_a_ds_under_an_unsigned_parent_is_insecure_not_an_unsupported_algorithm():
    # The DS answer itself has no AD: the parent is not signed, no chain of trust reaches the DS.
    unsigned_parent_ds = ans("DS", ["12345 13 2 " + "ab" * 32], security="insecure")
    result, codes = evaluate(ans("SOA", ["x"], security="insecure"), unsigned_parent_ds)
    assert (result.status, result.ds_present) == ("insecure", True)
    assert codes == ["dnssec.insecure"]


def test_a_secure_ds_with_an_insecure_zone_is_an_unsupported_algorithm_even_without_ede():
    result, codes = evaluate(ans("SOA", ["x"], security="insecure"), DS)
    assert result.status == "insecure" and codes == ["dnssec.unsupported_algorithm"]


def test_a_cname_answer_to_the_ds_query_is_not_a_ds_at_the_parent():
    aliased = DnsAnswer(name=DOMAIN, rdtype="DS", rcode="NOERROR", security="secure",
                        records=("12345 13 2 " + "ab" * 32,), cname_chain=(DOMAIN,), canonical_name="other.fi")
    result, _ = evaluate(ans("SOA", ["x"]), aliased)
    assert result.ds_present is False
