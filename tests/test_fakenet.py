"""The test network tests itself: DNSSEC outcomes through the validating resolver."""
import ipaddress
import socket

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest


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
    assert fakenet.env["CHECKER_ALLOWED_NETWORKS"] == f"{fakenet.plan.network},{fakenet.plan.network6}"
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


def test_signed_zones_have_a_ds_at_the_parent_and_unsigned_ones_none(fakenet):
    assert ask(fakenet, "dane-ok.fi", "DS").answer
    unsigned = ask(fakenet, "unsigned.fi", "DS")
    assert unsigned.rcode() == dns.rcode.NOERROR and not unsigned.answer and unsigned.flags & dns.flags.AD


def test_a_bogus_tlsa_rrset_fails_while_the_rest_of_its_zone_validates(fakenet):
    assert ask(fakenet, "mx1.dane-bogus.fi", "A").flags & dns.flags.AD
    response = ask(fakenet, "_25._tcp.mx1.dane-bogus.fi", "TLSA")
    assert response.rcode() == dns.rcode.SERVFAIL and response.extended_errors()


def test_dead_and_timing_out_delegations_give_servfail(fakenet):
    for name, rdtype in (("_smtp._tls.rpt-error.fi", "TXT"), ("_25._tcp.mx1.dane-tlsa-error.fi", "TLSA"),
                         ("timeout.fi", "MX"), ("mx.lamehost.fi", "A")):
        assert ask(fakenet, name, rdtype).rcode() == dns.rcode.SERVFAIL, name


def test_a_large_txt_set_is_truncated_over_udp_and_complete_over_tcp(fakenet):
    address, port = fakenet.config.resolvers[0]
    query = dns.message.make_query("_mta-sts.sts-big-txt.fi", "TXT", want_dnssec=True, payload=1232)
    assert dns.query.udp(query, address, port=port, timeout=5).flags & dns.flags.TC
    response = ask(fakenet, "_mta-sts.sts-big-txt.fi", "TXT", tcp=True)
    assert len(response.answer[0]) == 41 and response.flags & dns.flags.AD


def test_malformed_tlsa_rdata_reaches_the_client_validated_as_published(fakenet):
    address, port = fakenet.config.resolvers[0]
    query = dns.message.make_query("_25._tcp.mx1.dane-malformed.fi", "TLSA", want_dnssec=True)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        sock.sendto(query.to_wire(), (address, port))
        wire = sock.recv(65535)
    assert wire[3] & 0x20 and wire[3] & 0x0F == 0  # AD, NOERROR
    with pytest.raises(dns.exception.FormError):
        dns.message.from_wire(wire)


def test_wildcard_sends_the_policy_host_to_the_generic_web_server(fakenet):
    response = ask(fakenet, "mta-sts.wildcard.fi", "A")
    assert response.flags & dns.flags.AD
    assert response.answer[0][0].to_text() == fakenet.plan.generic_web
    assert not ask(fakenet, "_mta-sts.wildcard.fi", "TXT").answer


def test_refused_address_scenarios_point_outside_the_range(fakenet):
    assert ask(fakenet, "mx1.mx-localhost.fi", "A").answer[0][0].to_text() == "127.0.0.1"
    assert ask(fakenet, "mx1.mx-private.fi", "A").answer[0][0].to_text() == "10.0.0.1"


def test_ipv6_hosts_have_secure_aaaa_records_in_the_ranges_prefix_added_to_lo(fakenet):
    only = ask(fakenet, "mx1.ipv6-only.fi", "AAAA")
    assert only.flags & dns.flags.AD and not ask(fakenet, "mx1.ipv6-only.fi", "A").answer
    address = only.answer[0][0].to_text()
    assert ipaddress.ip_address(address) in fakenet.plan.network6
    assert address in fakenet.network.addresses6_on_lo()


def test_dual_stack_hosts_are_probed_on_both_their_addresses(fakenet):
    expected = [ask(fakenet, "mx1.dual-stack.fi", rdtype).answer[0][0].to_text() for rdtype in ("A", "AAAA")]
    report = fakenet.reports(["dual-stack.fi"])["dual-stack.fi"]
    assert [(h["address"], h["status"]) for h in report["starttls"]["hosts"]] == [(a, "ok") for a in expected]


def test_each_range_gets_its_own_ipv6_prefix():
    from tests.fakenet.addresses import Plan

    a, b = Plan("127.53.0.0/16"), Plan("127.67.0.0/16")
    assert str(a.network6) == "fd00:127:53::/48" and not a.network6.overlaps(b.network6)
    assert b.scenario_host6(1, 0) == "fd00:127:67:21::10" and b.scenario_host(1, 0) == "127.67.21.10"


def test_the_fixture_finds_scenarios_by_domain(fakenet):
    assert fakenet.scenario("dane-ok.fi").expect["dane.status"] == "all"
    assert all(not s.infrastructure for s in fakenet.scenarios)


def _built(tmp_path, delay_ms):
    from tests.fakenet.network import Network, Settings

    network = Network(Settings(delay_ms=delay_ms))
    network.state = tmp_path
    for sub in ("certs", "knot-root", "knot-tld", "knot-child"):
        (tmp_path / sub).mkdir()
    network._build()
    return network


def test_a_delay_puts_a_dns_proxy_in_front_of_every_knot_server(tmp_path):
    network = _built(tmp_path, 50)
    proxies = [item for item in network.listeners if item["kind"] == "dnsproxy"]
    assert {p["address"] for p in proxies} == set(network.plan.knot.values())
    assert all(p["target"][0].startswith(f"{network.plan.prefix}.250.") for p in proxies)


def test_no_delay_means_no_proxy_path(tmp_path):
    network = _built(tmp_path, 0)
    assert not [item for item in network.listeners if item["kind"] == "dnsproxy"]
    assert network.plan.knot_bind("root", network.delayed) == network.plan.knot["root"]


def test_without_ipv6_the_catalogue_leaves_out_exactly_the_ipv6_scenarios(monkeypatch):
    from tests.fakenet.network import catalogue

    monkeypatch.setenv("FAKENET_IPV6", "1")
    full = {s.domain for s in catalogue()}
    monkeypatch.setenv("FAKENET_IPV6", "0")
    reduced = {s.domain for s in catalogue()}
    monkeypatch.setenv("FAKENET_IPV6", "1")
    by_domain = {s.domain: s for s in catalogue()}
    left_out = full - reduced
    assert {"ipv6-only.fi", "dual-stack.fi", "dual-stack-broken6.fi"} <= left_out
    assert all(any(h.family != "ipv4" for h in by_domain[d].hosts) for d in left_out)
