"""The DNS wrapper against a scripted loopback resolver (the real Unbound: test_dns_fakenet.py)."""
import time

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from checker.engine.config import EngineConfig
from checker.engine.dns import MAX_RECORDS, MAX_TXT, Resolver, ds_rrset_exists, format_ede
from tests.dnsstub import StubResolver, reply

SILENT = ("127.54.255.254", 53)  # nothing listens there
SOA = ("example.fi.", 300, "SOA", "ns.example.fi. host.example.fi. 1 7200 3600 1209600 300")


@pytest.fixture
def stub():
    servers = []

    def start(handler):
        server = StubResolver(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


def resolver_for(*servers, per_try=0.3, timeout=5.0):
    addresses = tuple((s.address, s.port) if hasattr(s, "port") else s for s in servers)
    return Resolver(EngineConfig(resolvers=addresses, check_timeout=timeout), per_try_timeout=per_try)


def soon(seconds=3.0):
    return time.monotonic() + seconds


def test_answer_with_ad_is_secure(stub):
    server = stub(lambda q, t: reply(q, ("example.fi.", 300, "MX", "10 mx1.example.fi."), ad=True))
    answer = resolver_for(server).query("Example.FI.", "mx", soon())
    assert (answer.name, answer.rdtype, answer.rcode, answer.security) == ("example.fi", "MX", "NOERROR", "secure")
    assert answer.records == ("10 mx1.example.fi.",)
    assert answer.ttl == 300 and answer.cname_chain == () and answer.canonical_name == "example.fi"


def test_queries_ask_for_ad_with_edns_payload_and_do_only_where_signatures_are_read(stub):
    seen = []

    def handler(query, transport):
        seen.append((query.question[0].rdtype, query.ednsflags & dns.flags.DO, query.payload,
                     query.flags & (dns.flags.RD | dns.flags.AD)))
        return reply(query, ad=True)

    resolver = resolver_for(stub(handler))
    for rdtype in ("MX", "SOA", "DS", "TXT", "TLSA", "A"):
        resolver.query("example.fi", rdtype, soon())
    rd_ad = dns.flags.RD | dns.flags.AD
    assert seen == [(dns.rdatatype.MX, dns.flags.DO, 1232, rd_ad), (dns.rdatatype.SOA, dns.flags.DO, 1232, rd_ad),
                    (dns.rdatatype.DS, 0, 1232, rd_ad), (dns.rdatatype.TXT, 0, 1232, rd_ad),
                    (dns.rdatatype.TLSA, 0, 1232, rd_ad), (dns.rdatatype.A, 0, 1232, rd_ad)]


@pytest.mark.parametrize("name, rdtype, cd, do", [
    ("example.fi", "MX", False, True), ("_25._tcp.mx1.example.fi", "TLSA", True, False),
    ("xn--hkyrk-ctad.fi", "TXT", False, False), (".", "DNSKEY", False, False),
])
def test_query_wire_equals_dnspythons_rendering_of_the_same_query(name, rdtype, cd, do):
    from checker.engine.dns import EDNS_PAYLOAD, query_wire

    flags = dns.flags.RD | dns.flags.AD | (dns.flags.CD if cd else 0)
    message = dns.message.make_query(name, rdtype, flags=flags)
    reference = dns.message.make_query(name, rdtype, flags=flags, use_edns=0, want_dnssec=do, payload=EDNS_PAYLOAD)
    reference.id = message.id
    assert query_wire(message, do) == reference.to_wire()


def test_the_real_resolver_sets_ad_on_secure_data_without_the_do_bit(fakenet):
    """RFC 6840 5.7: AD in the query is enough; the engine relies on it for every type but SOA and MX."""
    answer = real(fakenet).query("_25._tcp.mx1.dane-ok.fi", "TLSA", soon())
    assert (answer.rcode, answer.security) == ("NOERROR", "secure") and answer.records


def test_answer_without_ad_is_insecure(stub):
    server = stub(lambda q, t: reply(q, ("example.fi.", 300, "MX", "10 mx1.example.fi.")))
    assert resolver_for(server).query("example.fi", "MX", soon()).security == "insecure"


def test_nxdomain_keeps_its_rcode_security_and_zone(stub):
    server = stub(lambda q, t: reply(q, rcode=dns.rcode.NXDOMAIN, ad=True, authority=[SOA]))
    answer = resolver_for(server).query("nope.example.fi", "MX", soon())
    assert (answer.rcode, answer.security, answer.records, answer.zone) == ("NXDOMAIN", "secure", (), "example.fi")
    assert answer.nxdomain and answer.answered


def bogus_handler(ede=((9, "no keys have a DS with algorithm ECDSAP256SHA256"),), cd_answer=True):
    def handler(query, transport):
        if query.flags & dns.flags.CD:
            if cd_answer:
                return reply(query, ("bad.fi.", 300, "MX", "10 mx1.bad.fi."))
            return reply(query, rcode=dns.rcode.SERVFAIL)
        return reply(query, rcode=dns.rcode.SERVFAIL, ede=ede)
    return handler


def test_servfail_with_dnssec_ede_is_bogus_with_the_ede_as_reason(stub):
    server = stub(bogus_handler())
    answer = resolver_for(server).query("bad.fi", "MX", soon())
    assert (answer.rcode, answer.security) == ("SERVFAIL", "bogus")
    assert answer.reason == "EDE 9 (DNSKEY Missing): no keys have a DS with algorithm ECDSAP256SHA256"
    assert answer.ede[0][0] == 9
    assert answer.records == ("10 mx1.bad.fi.",)  # what the CD query showed
    assert any(flags & dns.flags.CD for _, _, flags, _ in server.seen)


@pytest.mark.parametrize("code", [5, 6, 7, 8, 9, 10, 11, 12])
def test_every_dnssec_ede_code_makes_servfail_bogus_even_without_cd_data(stub, code):
    server = stub(bogus_handler(ede=((code, ""),), cd_answer=False))
    answer = resolver_for(server).query("bad.fi", "MX", soon())
    assert answer.security == "bogus"
    assert answer.reason.startswith(f"EDE {code} (")


def test_servfail_without_ede_but_data_under_cd_is_bogus(stub):
    answer = resolver_for(stub(bogus_handler(ede=()))).query("bad.fi", "MX", soon())
    assert answer.security == "bogus"
    assert "checking disabled" in answer.reason


def test_servfail_without_ede_and_without_cd_data_is_an_error(stub):
    answer = resolver_for(stub(bogus_handler(ede=(), cd_answer=False))).query("bad.fi", "MX", soon())
    assert (answer.rcode, answer.security) == ("SERVFAIL", "error")


def test_servfail_with_a_non_dnssec_ede_is_an_error_with_that_reason(stub):
    server = stub(bogus_handler(ede=((22, "no reachable authority at 127.0.0.1"),), cd_answer=False))
    answer = resolver_for(server).query("lame.fi", "MX", soon())
    assert answer.security == "error"
    assert answer.reason == "EDE 22 (No Reachable Authority): no reachable authority at 127.0.0.1"


@pytest.mark.parametrize("code", [22, 23, 18])
def test_servfail_with_data_under_cd_but_a_non_dnssec_ede_is_an_error_not_bogus(stub, code):
    # RFC 8914 4.23/4.24/4.19: the EDE names why the resolver failed, and it is not validation.
    answer = resolver_for(stub(bogus_handler(ede=((code, "upstream trouble"),)))).query("bad.fi", "MX", soon())
    assert (answer.rcode, answer.security) == ("SERVFAIL", "error")
    assert answer.reason.startswith(f"EDE {code} (")


def test_servfail_with_a_neutral_ede_and_data_under_cd_is_still_bogus(stub):
    answer = resolver_for(stub(bogus_handler(ede=((0, "something"),)))).query("bad.fi", "MX", soon())
    assert answer.security == "bogus"


def test_answer_without_ad_but_with_a_bogus_ede_is_bogus_not_insecure(stub):
    # A permissive validator hands the data out but says it failed validation (RFC 8914 4.7).
    server = stub(lambda q, t: reply(q, ("bad.fi.", 300, "MX", "10 mx.bad.fi."), ede=((6, "permissive"),)))
    answer = resolver_for(server).query("bad.fi", "MX", soon())
    assert (answer.rcode, answer.security) == ("NOERROR", "bogus")
    assert answer.reason == "EDE 6 (DNSSEC Bogus): permissive"


@pytest.mark.parametrize("code", [4, 15, 16, 17])
def test_filtered_answer_is_an_error_not_a_fact_about_the_domain(stub, code):
    server = stub(lambda q, t: reply(q, rcode=dns.rcode.NXDOMAIN, ad=True, ede=((code, "policy"),)))
    answer = resolver_for(server).query("blocked.fi", "MX", soon())
    assert (answer.rcode, answer.security) == ("NXDOMAIN", "error")
    assert answer.reason.startswith(f"EDE {code} (")


def test_refused_keeps_the_resolvers_ede_in_the_reason(stub):
    server = stub(lambda q, t: reply(q, rcode=dns.rcode.REFUSED, ede=((18, "not allowed"),)))
    answer = resolver_for(server).query("example.fi", "MX", soon())
    assert (answer.rcode, answer.security) == ("REFUSED", "error")
    assert "EDE 18 (Prohibited): not allowed" in answer.reason


def test_unsupported_algorithm_ede_with_data_is_insecure(stub):
    server = stub(bogus_handler(ede=((1, "algorithm 253"),)))
    answer = resolver_for(server).query("bad.fi", "MX", soon())
    assert answer.security == "insecure"
    assert answer.reason == "EDE 1 (Unsupported DNSKEY Algorithm): algorithm 253"


def test_truncated_udp_answer_is_retried_over_tcp(stub):
    def handler(query, transport):
        if transport == "udp":
            return reply(query, tc=True)
        return reply(query, ("big.fi.", 300, "TXT", *[f'"record {i}"' for i in range(3)]), ad=True)

    server = stub(handler)
    answer = resolver_for(server).query("big.fi", "TXT", soon())
    assert [t for _, _, _, t in server.seen] == ["udp", "tcp"]
    assert answer.txt_strings == ("record 0", "record 1", "record 2")


def test_cname_chain_is_followed_to_the_final_rrset(stub):
    server = stub(lambda q, t: reply(q, ("alias.example.fi.", 300, "CNAME", "mid.example.net."),
                                     ("mid.example.net.", 300, "CNAME", "real.example.org."),
                                     ("real.example.org.", 60, "A", "192.0.2.7"), ad=True))
    answer = resolver_for(server).query("alias.example.fi", "A", soon())
    assert answer.records == ("192.0.2.7",)
    assert answer.cname_chain == ("alias.example.fi", "mid.example.net")
    assert answer.canonical_name == "real.example.org"
    assert answer.ttl == 60


def test_cname_without_target_data_gives_no_records(stub):
    server = stub(lambda q, t: reply(q, ("alias.example.fi.", 300, "CNAME", "gone.example.net.")))
    answer = resolver_for(server).query("alias.example.fi", "A", soon())
    assert answer.records == () and answer.cname_chain == ("alias.example.fi",)


def test_txt_strings_are_joined_without_spaces_and_decoded_as_latin1(stub):
    server = stub(lambda q, t: reply(q, ("_mta-sts.example.fi.", 300, "TXT", '"v=STSv1; " "id=2024\\255"')))
    answer = resolver_for(server).query("_mta-sts.example.fi", "TXT", soon())
    assert answer.txt_strings == ("v=STSv1; id=2024\xff",)


def test_huge_txt_sets_are_capped(stub):
    long_record = " ".join(['"' + "a" * 255 + '"'] * 20)  # 5100 characters joined
    records = [f'"r{i:03d}"' for i in range(MAX_RECORDS + 10)] + [long_record]
    server = stub(lambda q, t: reply(q, ("big.fi.", 300, "TXT", *records)) if t == "tcp" else reply(q, tc=True))
    answer = resolver_for(server).query("big.fi", "TXT", soon())
    assert len(answer.txt_strings) == MAX_RECORDS and len(answer.records) == MAX_RECORDS
    assert answer.capped
    assert max(len(text) for text in answer.txt_strings) <= MAX_TXT
    assert len(answer.rrset) == MAX_RECORDS + 11


def test_resolver_address_where_nothing_listens_gives_an_error_by_the_deadline():
    deadline = soon(0.8)
    answer = resolver_for(SILENT, per_try=2.0).query("example.fi", "MX", deadline)
    # ICMP port unreachable arrives on loopback (NETERROR); elsewhere the wait times out.
    assert answer.rcode in ("TIMEOUT", "NETERROR") and answer.security == "error"
    assert time.monotonic() < deadline + 0.5


def test_timeout_is_retried_once_then_given_up(stub):
    server = stub(lambda q, t: None)
    answer = resolver_for(server, per_try=0.1).query("example.fi", "MX", soon())
    assert answer.rcode == "TIMEOUT"
    assert len(server.seen) == 2


def test_next_resolver_is_asked_when_the_first_does_not_answer(stub):
    silent = stub(lambda q, t: None)
    good = stub(lambda q, t: reply(q, ("example.fi.", 300, "MX", "10 mx.example.fi."), ad=True))
    answer = resolver_for(silent, good, per_try=0.2).query("example.fi", "MX", soon())
    assert answer.security == "secure"
    assert len(silent.seen) == 1 and len(good.seen) == 1


def test_refused_makes_the_next_resolver_answer(stub):
    refusing = stub(lambda q, t: reply(q, rcode=dns.rcode.REFUSED))
    good = stub(lambda q, t: reply(q, ("example.fi.", 300, "MX", "10 mx.example.fi."), ad=True))
    assert resolver_for(refusing, good).query("example.fi", "MX", soon()).security == "secure"
    assert resolver_for(refusing).query("example.fi", "MX", soon()).rcode == "REFUSED"


def test_answers_are_memoised_per_resolver(stub):
    server = stub(lambda q, t: reply(q, ("example.fi.", 300, "MX", "10 mx.example.fi."), ad=True))
    resolver = resolver_for(server)
    assert resolver.query("example.fi", "MX", soon()) == resolver.query("EXAMPLE.fi.", "MX", soon())
    assert len(server.seen) == 1


ROOT_KEY = (".", 300, "DNSKEY", "257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==")


@pytest.mark.parametrize("ad,expected", [(True, True), (False, False)])
def test_validates_requires_ad_on_the_root_dnskey(stub, ad, expected):
    server = stub(lambda q, t: reply(q, ROOT_KEY, ad=ad))
    assert resolver_for(server).validates(soon()) is expected
    assert server.seen[0][:2] == (".", "DNSKEY")


def test_validates_is_unknown_not_false_when_the_root_lookup_fails(stub):
    # A SERVFAIL for the root DNSKEY proves nothing; a later AD answer may still prove validation.
    calls = []

    def handler(query, transport):
        calls.append(transport)
        if len(calls) <= 2:
            return reply(query, rcode=dns.rcode.SERVFAIL)
        return reply(query, ROOT_KEY, ad=True)

    resolver = resolver_for(stub(handler))
    assert resolver.validates(soon()) is None
    assert resolver.validates(soon()) is True


def test_a_bogus_root_key_set_proves_the_resolver_validates(stub):
    def handler(query, transport):
        if query.flags & dns.flags.CD:
            return reply(query, ROOT_KEY)
        return reply(query, rcode=dns.rcode.SERVFAIL, ede=((6, ""),))

    assert resolver_for(stub(handler)).validates(soon()) is True


def test_validates_is_unknown_when_the_resolver_is_silent():
    assert resolver_for(SILENT, per_try=0.1).validates(soon(0.5)) is None


def test_ds_present_reads_the_ds_rrset(stub):
    def handler(query, transport):
        name = query.question[0].name.to_text()
        if name == "signed.fi.":
            return reply(query, ("signed.fi.", 300, "DS", "12345 13 2 " + "ab" * 32), ad=True)
        if name == "broken.fi.":
            return reply(query, rcode=dns.rcode.SERVFAIL)
        return reply(query, ad=True, authority=[("fi.", 300, "SOA", "ns.fi. host.fi. 1 2 3 4 5")])

    resolver = resolver_for(stub(handler), per_try=0.2)
    assert ds_rrset_exists(resolver.query("signed.fi", "DS", soon())) is True
    assert ds_rrset_exists(resolver.query("unsigned.fi", "DS", soon())) is False
    broken = resolver.query("broken.fi", "DS", soon())
    assert broken.security == "error" and ds_rrset_exists(broken) is False


def test_ds_behind_a_cname_is_not_the_names_ds_even_when_bogus(stub):
    def handler(query, transport):
        if query.flags & dns.flags.CD:
            return reply(query, ("alias.fi.", 300, "CNAME", "other.fi."),
                         ("other.fi.", 300, "DS", "12345 13 2 " + "ab" * 32))
        return reply(query, rcode=dns.rcode.SERVFAIL, ede=((6, ""),))

    assert ds_rrset_exists(resolver_for(stub(handler)).query("alias.fi", "DS", soon())) is False


def test_names_that_are_not_dns_names_give_an_error_answer():
    answer = resolver_for(SILENT).query("a" * 70 + ".fi", "A", soon())
    assert answer.security == "error" and answer.rcode == "FORMERR"


def test_format_ede_names_the_code():
    assert format_ede(7, "expired yesterday") == "EDE 7 (Signature Expired): expired yesterday"
    assert format_ede(6, "") == "EDE 6 (DNSSEC Bogus)"


# -- the fake network's real validating Unbound ---------------------------------------------

def real(fakenet):
    return Resolver(fakenet.config)


def test_real_resolver_validates(fakenet):
    assert real(fakenet).validates(soon()) is True


def test_signed_domain_is_secure_through_the_real_resolver(fakenet):
    answer = real(fakenet).query("dane-ok.fi", "MX", soon())
    assert (answer.rcode, answer.security) == ("NOERROR", "secure")
    assert answer.records == ("10 mx1.dane-ok.fi.",)


def test_unsigned_domain_is_insecure_through_the_real_resolver(fakenet):
    answer = real(fakenet).query("unsigned.fi", "MX", soon())
    assert (answer.rcode, answer.security) == ("NOERROR", "insecure")


@pytest.mark.parametrize("domain,code", [("bogus-ds.fi", 9), ("bogus-expired.fi", 7), ("bogus-nosig.fi", 10)])
def test_bogus_domains_are_bogus_with_the_validators_ede(fakenet, domain, code):
    answer = real(fakenet).query(domain, "SOA", soon())
    assert (answer.rcode, answer.security) == ("SERVFAIL", "bogus")
    # Once the validator has cached the broken key it may say just "6 (DNSSEC Bogus)".
    assert answer.ede[0][0] in (code, 6)
    assert answer.reason.startswith(f"EDE {answer.ede[0][0]} (")
    assert answer.records  # the data, seen with checking disabled


def test_nonexistent_domain_is_a_secure_nxdomain(fakenet):
    answer = real(fakenet).query("no-such-domain.fi", "MX", soon())
    assert (answer.rcode, answer.security) == ("NXDOMAIN", "secure")


def test_lame_delegation_is_an_error_not_bogus(fakenet):
    answer = real(fakenet).query("lame.fi", "MX", soon())
    assert answer.security == "error"


def test_tlsa_rdata_the_parser_refuses_is_kept_as_text_with_its_security(fakenet):
    resolver = real(fakenet)
    short = resolver.query("_25._tcp.mx1.dane-short-digest.fi", "TLSA", soon())
    assert (short.security, short.records, short.malformed) == ("secure", ("3 1 1 abcd",), True)
    broken = resolver.query("_25._tcp.mx1.dane-malformed.fi", "TLSA", soon())
    assert (broken.security, broken.records) == ("secure", ("\\# 2 0301",))


def test_ds_presence_through_the_real_resolver(fakenet):
    resolver = real(fakenet)
    assert ds_rrset_exists(resolver.query("dane-ok.fi", "DS", soon())) is True
    assert ds_rrset_exists(resolver.query("signed-no-ds.fi", "DS", soon())) is False
    assert ds_rrset_exists(resolver.query("unsigned.fi", "DS", soon())) is False


def _signed_nxdomain_with_ede():
    import dns.edns

    query = dns.message.make_query("nope.example.fi", "TXT", use_edns=0, want_dnssec=True)
    response = dns.message.make_response(query)
    response.set_rcode(dns.rcode.NXDOMAIN)
    response.use_edns(0, dns.flags.DO, 1232, options=[dns.edns.EDEOption(3, "stale")])
    for rdtype, rdata in (("SOA", "ns.example.fi. host.example.fi. 1 2 3 4 5"),
                          ("RRSIG", "SOA 13 2 300 20270101000000 20260101000000 1 example.fi. AAAA"),
                          ("NSEC", "a.example.fi. A NS SOA RRSIG NSEC")):
        response.authority.append(dns.rrset.from_text("example.fi.", 300, "IN", rdtype, rdata))
    return response


def test_without_authority_keeps_header_question_answer_and_ede_and_names_the_zone():
    from checker.engine.dns import _without_authority

    query = dns.message.make_query("www.example.fi", "A", use_edns=0)
    response = dns.message.make_response(query)
    response.answer.append(dns.rrset.from_text("www.example.fi.", 300, "IN", "CNAME", "web.example.fi."))
    response.answer.append(dns.rrset.from_text("web.example.fi.", 300, "IN", "A", "192.0.2.1"))
    response.authority.append(dns.rrset.from_text("example.fi.", 300, "IN", "NS", "ns.example.fi."))
    response.additional.append(dns.rrset.from_text("ns.example.fi.", 300, "IN", "A", "192.0.2.53"))
    wire = response.to_wire()   # compressed: the answer's names point back into the question
    slim, zone = _without_authority(wire)
    parsed = dns.message.from_wire(slim)
    assert len(slim) < len(wire) and zone is None
    assert (parsed.id, parsed.flags, parsed.question, parsed.answer) == (response.id, response.flags,
                                                                         response.question, response.answer)
    assert parsed.authority == [] and parsed.additional == [] and parsed.edns == 0

    negative = _signed_nxdomain_with_ede()
    slim, zone = _without_authority(negative.to_wire())
    parsed = dns.message.from_wire(slim)
    assert zone == "example.fi" and parsed.rcode() == dns.rcode.NXDOMAIN and parsed.authority == []
    assert [(e.code, e.text) for e in parsed.extended_errors()] == [(3, "stale")]
    assert parsed.ednsflags & dns.flags.DO


def test_without_authority_returns_a_message_that_does_not_add_up_whole():
    from checker.engine.dns import _without_authority

    wire = _signed_nxdomain_with_ede().to_wire()
    assert _without_authority(wire + b"junk") == (wire + b"junk", None)     # trailing bytes: dnspython judges
    assert _without_authority(wire[:-7]) == (wire[:-7], None)               # cut short
