"""The test network tests itself: DNSSEC outcomes through the validating resolver."""
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype


def ask(fakenet, name, rdtype="MX", cd=False, tcp=False):
    address, port = fakenet.config.resolvers[0]
    query = dns.message.make_query(name, rdtype, want_dnssec=True)
    if cd:
        query.flags |= dns.flags.CD
    if tcp:
        return dns.query.tcp(query, address, port=port, timeout=5)
    return dns.query.udp_with_fallback(query, address, port=port, timeout=5)[0]


def test_env_names_resolver_bundle_and_range(fakenet):
    assert set(fakenet.env) >= {"CHECKER_RESOLVER", "CHECKER_CA_BUNDLE", "CHECKER_ALLOWED_NETWORKS"}
    assert fakenet.env["CHECKER_ALLOWED_NETWORKS"] == str(fakenet.plan.network)
    assert open(fakenet.env["CHECKER_CA_BUNDLE"]).read().startswith("-----BEGIN CERTIFICATE-----")


def test_root_zone_validates_from_the_fake_trust_anchor(fakenet):
    response = ask(fakenet, ".", "SOA")
    assert response.rcode() == dns.rcode.NOERROR and response.flags & dns.flags.AD


def test_signed_scenario_answers_with_the_ad_bit(fakenet):
    response = ask(fakenet, "dane-ok.fi")
    assert response.rcode() == dns.rcode.NOERROR
    assert response.flags & dns.flags.AD
    assert response.find_rrset(response.answer, dns.name.from_text("dane-ok.fi"), "IN", "MX")


def test_unsigned_scenario_answers_without_the_ad_bit(fakenet):
    response = ask(fakenet, "unsigned.fi")
    assert response.rcode() == dns.rcode.NOERROR and response.answer
    assert not response.flags & dns.flags.AD


def test_island_of_security_without_ds_is_insecure(fakenet):
    response = ask(fakenet, "signed-no-ds.fi")
    assert response.rcode() == dns.rcode.NOERROR and response.answer
    assert not response.flags & dns.flags.AD


def test_every_bogus_variant_gives_servfail_with_an_extended_dns_error(fakenet):
    for domain in ("bogus-ds.fi", "bogus-expired.fi", "bogus-nosig.fi"):
        response = ask(fakenet, domain)
        assert response.rcode() == dns.rcode.SERVFAIL, domain
        assert response.extended_errors(), domain


def test_bogus_variants_return_their_data_with_checking_disabled(fakenet):
    for domain in ("bogus-ds.fi", "bogus-expired.fi", "bogus-nosig.fi"):
        response = ask(fakenet, domain, cd=True)
        assert response.rcode() == dns.rcode.NOERROR, domain
        assert response.find_rrset(response.answer, dns.name.from_text(domain), "IN", "MX"), domain
        assert not response.flags & dns.flags.AD


def test_lame_delegation_gives_servfail(fakenet):
    assert ask(fakenet, "lame.fi").rcode() == dns.rcode.SERVFAIL


def test_undelegated_name_is_a_secure_nxdomain(fakenet):
    response = ask(fakenet, "no-such-domain.fi")
    assert response.rcode() == dns.rcode.NXDOMAIN and response.flags & dns.flags.AD
