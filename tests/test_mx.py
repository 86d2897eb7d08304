"""MX evaluation with hand-made DNS answers (network scenarios run in test_scenarios.py)."""
import pytest

from checker.engine.dns import DnsAnswer
from checker.engine.mx import FINDING_CODES, MAX_HOSTS, MxRetrieved, evaluate_mx, plan_mx, secure_alias

DOMAIN = "example.fi"


def ans(name, rdtype, records=(), rcode="NOERROR", security="secure", cname_chain=(), canonical=None, reason=None):
    return DnsAnswer(name=name, rdtype=rdtype, rcode=rcode, security=security, records=tuple(records),
                     cname_chain=tuple(cname_chain), canonical_name=canonical or name, reason=reason)


def addrs(name, v4=(), v6=(), security="secure", rcode="NOERROR", **kw):
    return (ans(name, "A", v4, rcode=rcode, security=security, **kw),
            ans(name, "AAAA", v6, rcode=rcode, security=security, **kw))


def evaluate(mx_answer, hosts=None):
    result, findings = evaluate_mx(MxRetrieved(DOMAIN, mx_answer, hosts or {}))
    return result, {f.code: f for f in findings}


def test_two_mx_hosts_are_present_and_sorted_by_preference_then_name():
    mx = ans(DOMAIN, "MX", ["20 b.example.fi.", "10 z.example.fi.", "10 a.example.fi."])
    hosts = {"a.example.fi": addrs("a.example.fi", ["192.0.2.1"], ["2001:db8::1"]),
             "b.example.fi": addrs("b.example.fi", ["192.0.2.2"], security="insecure"),
             "z.example.fi": addrs("z.example.fi", ["192.0.2.3"])}
    result, found = evaluate(mx, hosts)
    assert result.status == "present"
    assert [h.name for h in result.hosts] == ["a.example.fi", "z.example.fi", "b.example.fi"]
    assert result.hosts[0].addresses == ("192.0.2.1", "2001:db8::1")
    assert [h.dnssec for h in result.hosts] == ["secure", "secure", "insecure"]
    assert set(found) == {"mx.present"}
    as_dict = result.as_dict()
    assert as_dict["hosts"][0] == {**as_dict["hosts"][0], "name": "a.example.fi", "preference": 10,
                                   "addresses": ["192.0.2.1", "2001:db8::1"], "dnssec": "secure"}


def test_missing_mx_rrset_makes_the_domain_its_own_implicit_mx():
    result, found = evaluate(ans(DOMAIN, "MX"), {DOMAIN: addrs(DOMAIN, ["192.0.2.9"])})
    assert result.status == "none"
    assert [(h.name, h.preference, h.addresses) for h in result.hosts] == [(DOMAIN, 0, ("192.0.2.9",))]
    assert "mx.implicit" in found


def test_no_mx_and_no_address_means_no_mail_host():
    result, found = evaluate(ans(DOMAIN, "MX"), {DOMAIN: addrs(DOMAIN)})
    assert result.status == "none"
    assert result.hosts == ()
    assert found["mx.no_mail_host"].severity == "fail"


def test_single_null_mx_is_null():
    result, found = evaluate(ans(DOMAIN, "MX", ["0 ."]))
    assert result.status == "null" and result.hosts == ()
    assert set(found) == {"mx.null"}


def test_lone_mx_to_the_root_with_nonzero_preference_is_invalid_not_null():
    # RFC 7505 3: the null MX is preference 0 and exchange "."; "MX 10 ." is neither a null MX
    # nor an MX with a host to deliver to.
    result, found = evaluate(ans(DOMAIN, "MX", ["10 ."]))
    assert (result.status, result.hosts) == ("invalid", ())
    assert set(found) == {"mx.null_preference"}
    assert found["mx.null_preference"].severity == "fail"


def test_address_records_that_are_not_addresses_are_skipped():
    # RDATA a parser refused is kept as RFC 3597 text; it must not break the check.
    mx = ans(DOMAIN, "MX", ["10 mx.example.fi."])
    result, found = evaluate(mx, {"mx.example.fi": addrs("mx.example.fi", ["\\# 3 c00002", "192.0.2.1"])})
    assert result.hosts[0].addresses == ("192.0.2.1",)


def test_malformed_mx_rdata_is_an_error_not_a_missing_mx():
    malformed = DnsAnswer(name=DOMAIN, rdtype="MX", rcode="NOERROR", security="secure", records=("\\# 1 00",),
                          malformed=True)
    result, found = evaluate(malformed)
    assert result.status == "error" and "mx.error" in found


def test_without_a_validating_resolver_unsigned_looking_hosts_are_error_not_insecure():
    # RFC 6840 5.7: no AD from a resolver that does not validate proves nothing.
    mx = ans(DOMAIN, "MX", ["10 mx.example.fi."], security="insecure")
    hosts = {"mx.example.fi": addrs("mx.example.fi", ["192.0.2.1"], security="insecure")}
    result, found = evaluate_mx(MxRetrieved(DOMAIN, mx, hosts), resolver_trusted=False)
    assert (result.status, result.rrset_dnssec) == ("present", "error")
    assert [(h.dnssec, h.addresses) for h in result.hosts] == [("error", ("192.0.2.1",))]
    assert "mx.host_lookup_error" not in {f.code for f in found}


def test_implicit_mx_whose_addresses_are_bogus_is_a_bogus_host():
    result, found = evaluate(ans(DOMAIN, "MX"), {DOMAIN: addrs(DOMAIN, rcode="SERVFAIL", security="bogus")})
    assert result.status == "none"
    assert [h.dnssec for h in result.hosts] == ["bogus"]
    assert "mx.host_bogus" in found and "mx.host_lookup_error" not in found


def test_null_mx_mixed_with_other_records_is_invalid_and_the_others_are_still_checked():
    mx = ans(DOMAIN, "MX", ["0 .", "10 mx.example.fi."])
    result, found = evaluate(mx, {"mx.example.fi": addrs("mx.example.fi", ["192.0.2.1"])})
    assert result.status == "invalid"
    assert [h.name for h in result.hosts] == ["mx.example.fi"]
    assert found["mx.null_mixed"].severity == "fail"
    assert "mx.present" not in found


def test_nxdomain_domain_is_reported_as_nxdomain():
    result, found = evaluate(ans(DOMAIN, "MX", rcode="NXDOMAIN"))
    assert result.status == "nxdomain"
    assert "mx.nxdomain" in found


@pytest.mark.parametrize("rcode,security", [("TIMEOUT", "error"), ("SERVFAIL", "error"), ("SERVFAIL", "bogus")])
def test_failed_or_bogus_mx_lookup_is_an_error(rcode, security):
    result, found = evaluate(ans(DOMAIN, "MX", ["10 mx.example.fi."] if security == "bogus" else [],
                                 rcode=rcode, security=security, reason="EDE 9 (DNSKEY Missing)"))
    assert result.status == "error"
    assert result.hosts == ()
    assert "EDE 9" in found["mx.error"].detail


@pytest.mark.parametrize("security, expected", [("secure", "mx.provider.fi"), ("insecure", None), ("bogus", None)])
def test_secure_alias_is_the_expanded_name_only_when_every_answer_is_secure(security, expected):
    """RFC 7672 2.2.3: run.py looks up TLSA at this name, beside the MX host name."""
    lookups = addrs("alias.example.fi", ["192.0.2.1"], security=security, cname_chain=["alias.example.fi"],
                    canonical="mx.provider.fi")
    assert secure_alias("alias.example.fi", lookups) == expected
    assert secure_alias("mx.provider.fi", addrs("mx.provider.fi", ["192.0.2.1"])) is None  # no CNAME


def test_mx_target_that_is_a_cname_is_flagged():
    mx = ans(DOMAIN, "MX", ["10 alias.example.fi."])
    hosts = {"alias.example.fi": addrs("alias.example.fi", ["192.0.2.1"], cname_chain=["alias.example.fi"],
                                       canonical="real.example.net")}
    result, found = evaluate(mx, hosts)
    assert result.hosts[0].canonical_name == "real.example.net"
    assert found["mx.target_cname"].subject == "alias.example.fi"
    assert result.hosts[0].addresses == ("192.0.2.1",)


@pytest.mark.parametrize("rcode", ["NXDOMAIN", "NOERROR"])
def test_mx_target_without_addresses_is_unresolvable(rcode):
    mx = ans(DOMAIN, "MX", ["10 gone.example.fi."])
    result, found = evaluate(mx, {"gone.example.fi": addrs("gone.example.fi", rcode=rcode)})
    assert result.hosts[0].addresses == ()
    assert found["mx.target_unresolvable"].severity == "fail"
    assert "mx.present" not in found


def test_mx_target_that_is_an_ip_literal_is_flagged():
    mx = ans(DOMAIN, "MX", ["10 192.0.2.1."])
    result, found = evaluate(mx, {"192.0.2.1": addrs("192.0.2.1", rcode="NXDOMAIN")})
    assert found["mx.target_ip_literal"].severity == "fail"
    assert "mx.target_unresolvable" not in found


def test_more_than_ten_mx_hosts_are_all_listed_and_the_first_ten_by_preference_checked():
    records = [f"{i} mx{i:02d}.example.fi." for i in range(12, 0, -1)]
    plan = plan_mx(DOMAIN, ans(DOMAIN, "MX", records))
    assert [name for name, _ in plan.checked] == [f"mx{i:02d}.example.fi" for i in range(1, MAX_HOSTS + 1)]
    assert [name for name, _ in plan.extra] == ["mx11.example.fi", "mx12.example.fi"]
    hosts = {name: addrs(name, ["192.0.2.1"]) for name, _ in plan.targets}
    result, found = evaluate(ans(DOMAIN, "MX", records), hosts)
    assert len(result.hosts) == 12
    assert result.unchecked == ("mx11.example.fi", "mx12.example.fi")
    assert [h.name for h in result.checked_hosts] == [name for name, _ in plan.checked]
    assert found["mx.too_many"].severity == "warn"


def test_host_with_bogus_addresses_is_bogus_and_its_addresses_are_not_used():
    mx = ans(DOMAIN, "MX", ["10 mx.example.fi."])
    result, found = evaluate(mx, {"mx.example.fi": addrs("mx.example.fi", ["192.0.2.1"], security="bogus",
                                                         rcode="SERVFAIL", reason="EDE 6 (DNSSEC Bogus)")})
    assert result.hosts[0].dnssec == "bogus"
    assert result.hosts[0].addresses == ()
    assert found["mx.host_bogus"].severity == "fail"


def test_host_security_mixes_to_the_weaker_state():
    mx = ans(DOMAIN, "MX", ["10 mx.example.fi."])
    a, _ = addrs("mx.example.fi", ["192.0.2.1"])
    aaaa = ans("mx.example.fi", "AAAA", security="insecure")
    result, _ = evaluate(mx, {"mx.example.fi": (a, aaaa)})
    assert result.hosts[0].dnssec == "insecure"


def test_duplicate_targets_keep_the_best_preference():
    plan = plan_mx(DOMAIN, ans(DOMAIN, "MX", ["20 mx.example.fi.", "10 MX.example.fi."]))
    assert plan.targets == (("mx.example.fi", 10),)


def test_every_emitted_code_is_listed():
    mx = ans(DOMAIN, "MX", ["0 .", "10 alias.example.fi.", "20 192.0.2.1."])
    hosts = {"alias.example.fi": addrs("alias.example.fi", cname_chain=["alias.example.fi"], canonical="x.fi"),
             "192.0.2.1": addrs("192.0.2.1", rcode="NXDOMAIN")}
    _, found = evaluate(mx, hosts)
    assert set(found) <= set(FINDING_CODES)


def test_an_mx_naming_the_domain_itself_is_an_ordinary_explicit_host():
    """MX 10 example.fi. on example.fi: a normal explicit target (not the implicit MX)."""
    mx = ans(DOMAIN, "MX", ["10 example.fi.", "20 example.fi."])
    result, found = evaluate(mx, {DOMAIN: addrs(DOMAIN, ["192.0.2.1"])})
    assert result.status == "present" and set(found) == {"mx.present"}
    assert [(h.name, h.preference, h.implicit, h.addresses) for h in result.hosts] == [
        (DOMAIN, 10, False, ("192.0.2.1",))]


def test_probed_addresses_take_both_families_in_turn_and_stop_at_the_cap():
    from checker.engine.mx import MAX_ADDRESSES_PER_HOST, probed_addresses

    v4 = [f"192.0.2.{i}" for i in range(1, 21)]
    v6 = [f"2001:db8::{i}" for i in range(1, 4)]
    chosen = probed_addresses(v4 + v6)
    assert len(chosen) == MAX_ADDRESSES_PER_HOST
    assert chosen[:6] == ("192.0.2.1", "2001:db8::1", "192.0.2.2", "2001:db8::2", "192.0.2.3", "2001:db8::3")
    assert probed_addresses(["192.0.2.1"]) == ("192.0.2.1",)
