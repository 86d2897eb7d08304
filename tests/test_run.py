"""check_domain: the report shape, the hard ceiling, progress, and failing parts."""
import json
import re
import time

import dns.rdatatype
import pytest

from checker.engine import run
from checker.engine.config import EngineConfig
from checker.engine.names import InvalidDomain
from checker.engine.run import PARTS, check_domain
from tests.dnsstub import StubResolver

SILENT_RESOLVER = (("127.54.255.254", 53),)
TOP_LEVEL = {"domain", "input", "checked_at", "duration_ms", "grade", "score", "findings", *PARTS}


def test_bad_input_raises_invalid_domain_before_any_lookup():
    with pytest.raises(InvalidDomain):
        check_domain("192.0.2.1", EngineConfig(resolvers=SILENT_RESOLVER))


@pytest.fixture
def silent_resolver():
    """Receives every query and never answers (a refused port would fail fast instead)."""
    stub = StubResolver(lambda query, transport: None)
    yield ((stub.address, stub.port),)
    stub.close()


def test_a_resolver_that_never_answers_still_gives_a_full_report_by_the_ceiling(silent_resolver):
    config = EngineConfig(resolvers=silent_resolver, check_timeout=1.5)
    started = time.monotonic()
    report = check_domain(" Example.FI ", config)
    elapsed = time.monotonic() - started
    assert elapsed < config.check_timeout + 0.5
    assert set(report) >= TOP_LEVEL
    assert (report["domain"], report["input"]) == ("example.fi", " Example.FI ")
    assert report["dnssec"]["status"] == "error"
    assert report["mx"]["status"] == "error"
    assert report["mta_sts"]["status"] == "error"
    assert report["tls_rpt"]["status"] == "error"
    codes = {f["code"] for f in report["findings"]}
    assert "dnssec.resolver_not_validating" in codes and "mx.error" in codes
    json.dumps(report)


def test_report_metadata_is_rfc3339_utc_and_integer_milliseconds(fakenet):
    report = check_domain("dane-ok.fi", fakenet.config)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", report["checked_at"])
    assert isinstance(report["duration_ms"], int) and report["duration_ms"] >= 0
    assert report["grade"] is None and report["score"] is None


def test_progress_names_every_part_once(fakenet):
    seen = []
    check_domain("dane-ok.fi", fakenet.config, progress=seen.append)
    assert sorted(seen) == sorted(PARTS)


def test_progress_is_called_on_the_calling_thread_outside_the_event_loop(fakenet):
    """The site's callback uses the database: Django refuses ORM calls from a thread running an
    event loop (SynchronousOnlyOperation), and a connection belongs to its thread."""
    import asyncio
    import threading

    calls = []

    def progress(part):
        try:
            asyncio.get_running_loop()
            calls.append((part, threading.get_ident(), "on a loop"))
        except RuntimeError:
            calls.append((part, threading.get_ident(), "no loop"))

    check_domain("dane-ok.fi", fakenet.config, progress=progress)
    assert sorted(calls) == sorted((part, threading.get_ident(), "no loop") for part in PARTS)


def test_progress_still_names_every_part_when_the_time_runs_out(silent_resolver):
    seen = []
    check_domain("example.fi", EngineConfig(resolvers=silent_resolver, check_timeout=1.0), progress=seen.append)
    assert sorted(seen) == sorted(PARTS)


def test_a_failing_progress_callback_does_not_break_the_check(fakenet):
    def explode(part):
        raise RuntimeError("website went away")

    assert check_domain("unsigned.fi", fakenet.config, progress=explode)["mx"]["status"] == "present"


def test_a_part_that_raises_becomes_an_error_section_with_a_finding(fakenet, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("bug in dane")

    from checker.engine import dane

    monkeypatch.setattr(dane, "evaluate_dane", broken)
    report = check_domain("dane-ok.fi", fakenet.config)
    assert report["dane"]["status"] == "error"
    failed = [f for f in report["findings"] if f["code"] == "dane.check_failed"]
    assert failed and "bug in dane" in failed[0]["detail"]
    assert report["starttls"]["hosts"][0]["status"] == "ok"  # the other parts are unaffected


def test_a_signed_domain_with_dane_reports_every_part(fakenet):
    report = check_domain("dane-ok.fi", fakenet.config)
    assert report["dnssec"] == {**report["dnssec"], "status": "secure", "ds_present": True}
    assert report["mx"]["status"] == "present"
    assert [h["name"] for h in report["mx"]["hosts"]] == ["mx1.dane-ok.fi"]
    assert report["starttls"]["hosts"][0]["status"] == "ok"
    assert report["dane"]["status"] == "all"
    assert report["mta_sts"]["status"] == "valid"
    assert report["tls_rpt"]["status"] == "valid"
    protocols = [f["protocol"] for f in report["findings"]]
    assert protocols == sorted(protocols, key=PARTS.index)


def test_every_finding_code_the_report_holds_is_declared(fakenet):
    from checker.engine.registry import PROTOCOLS

    declared = dict(run.FINDING_CODES)
    for protocol in PROTOCOLS:
        declared.update(protocol.finding_codes)
    for domain in ("dane-ok.fi", "unsigned.fi", "bogus-ds.fi", "lame.fi"):
        for finding in check_domain(domain, fakenet.config)["findings"]:
            assert finding["code"] in declared, finding


def _unvalidating_handler(query, transport):
    """A resolver that answers everything and never sets AD (it does not validate)."""
    from tests.dnsstub import reply

    question = query.question[0]
    name, rdtype = question.name.to_text(), dns.rdatatype.to_text(question.rdtype)
    if (name, rdtype) == (".", "DNSKEY"):
        return reply(query, (".", 300, "DNSKEY", "257 3 13 " + "A" * 88))
    if (name, rdtype) == ("example.fi.", "MX"):
        return reply(query, ("example.fi.", 300, "MX", "10 mx.example.fi."))
    if (name, rdtype) == ("mx.example.fi.", "A"):
        return reply(query, ("mx.example.fi.", 300, "A", "192.0.2.1"))
    return reply(query)


@pytest.fixture
def unvalidating_resolver():
    stub = StubResolver(_unvalidating_handler)
    yield ((stub.address, stub.port),)
    stub.close()


def test_a_resolver_that_does_not_validate_gives_errors_not_insecure(unvalidating_resolver):
    # RFC 6840 5.7: without validation, no AD proves nothing; the report must not say insecure.
    report = check_domain("example.fi", EngineConfig(resolvers=unvalidating_resolver, check_timeout=3))
    assert report["dnssec"]["status"] == "error" and report["dnssec"]["resolver_validates"] is False
    assert report["mx"]["status"] == "present"
    assert [(h["name"], h["addresses"], h["dnssec"]) for h in report["mx"]["hosts"]] == [
        ("mx.example.fi", ["192.0.2.1"], "error")]
    assert "dnssec.resolver_not_validating" in {f["code"] for f in report["findings"]}


def test_a_bug_while_scheduling_follow_up_lookups_still_gives_a_report(unvalidating_resolver, monkeypatch):
    def broken(*args):
        raise RuntimeError("bug in plan_mx")

    from checker.engine import mx

    monkeypatch.setattr(mx, "plan_mx", broken)
    report = check_domain("example.fi", EngineConfig(resolvers=unvalidating_resolver, check_timeout=3))
    assert report["mx"]["status"] == "error"
    assert any(f["code"] == "mx.check_failed" and "bug in plan_mx" in f["detail"] for f in report["findings"])


@pytest.mark.parametrize("domain, asked", [
    ("dane-ok.fi", ["mx1.dane-ok.fi"]),                                       # no alias: one TLSA query
    ("mx-cname-dane.fi", ["mail.mx-cname-dane.fi", "mx2.provider.fi"]),       # RFC 7672 2.2.3: both candidates
])
def test_tlsa_is_looked_up_at_the_expanded_name_only_for_a_secure_alias(fakenet, monkeypatch, domain, asked):
    from checker.engine import run

    seen = []
    real = run._Check.ask

    def spy(check, owner, key, name, rdtype):
        if rdtype == "TLSA":
            seen.append(name.removeprefix("_25._tcp."))
        return real(check, owner, key, name, rdtype)

    monkeypatch.setattr(run._Check, "ask", spy)
    report = check_domain(domain, fakenet.config)
    assert sorted(seen) == sorted(asked)
    assert report["dane"]["hosts"][0]["tlsa_base_domain"] == asked[-1]


@pytest.mark.parametrize("domain, aaaa_asked", [("unsigned.fi", False), ("sts-enforce-badcert.fi", True)])
def test_the_policy_hosts_aaaa_is_asked_only_when_its_name_exists(fakenet, monkeypatch, domain, aaaa_asked):
    """RFC 8020 2: an NXDOMAIN for mta-sts.<domain> A covers every type of that name."""
    asked = []
    real = run._Check.ask

    def spy(check, owner, key, name, rdtype):
        asked.append((name, rdtype))
        return real(check, owner, key, name, rdtype)

    monkeypatch.setattr(run._Check, "ask", spy)
    report = check_domain(domain, fakenet.config)
    assert (f"mta-sts.{domain}", "A") in asked
    assert ((f"mta-sts.{domain}", "AAAA") in asked) is aaaa_asked
    assert report["mta_sts"]["policy_host"]["status"] == ("resolves" if aaaa_asked else "missing")
