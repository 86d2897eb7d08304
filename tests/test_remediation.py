"""The remediation catalogue covers every finding code, and derived records are exact and valid."""
import datetime as dt
import importlib
import pkgutil
import re
import string

import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest
import trustme
from cryptography import x509

import checker.engine
from checker import remediation
from checker.engine import tlsa as dane
from checker.engine.mta_sts.matching import coverage
from checker.engine.mta_sts.policy import parse_policy
from checker.engine.mta_sts.record import parse_record as parse_sts_record
from checker.engine.tls_rpt import parse_tlsrpt
from checker.grading import grade_report
from checker.remediation_texts import CATALOGUE, GENERIC
from tests.report_factory import SPKI, build, perfect, with_host

REFERENCE = re.compile(r"(RFC [0-9]{4}( [0-9]+(\.[0-9]+)*)?|thesis [0-9]+(\.[0-9]+)*)")
PLACEHOLDERS = {"domain", "subject", "mx_list", "reason", "code"}


def engine_codes() -> dict:
    """code -> module, from every checker.engine module's FINDING_CODES."""
    codes = {}
    for info in pkgutil.walk_packages(checker.engine.__path__, "checker.engine."):
        module = importlib.import_module(info.name)
        for code in getattr(module, "FINDING_CODES", {}) or {}:
            codes.setdefault(code, info.name)
    return codes


ENGINE_CODES = engine_codes()


def test_the_engine_declares_finding_codes_for_every_protocol():
    protocols = {code.split(".", 1)[0] for code in ENGINE_CODES}
    assert {"dnssec", "mx", "dane", "mta_sts", "tls_rpt"} <= protocols


def test_every_finding_code_of_every_engine_module_has_a_catalogue_entry():
    missing = sorted(f"{code} ({module})" for code, module in ENGINE_CODES.items() if code not in CATALOGUE)
    assert missing == []


@pytest.mark.parametrize("code", sorted(set(CATALOGUE) | set(ENGINE_CODES)))
def test_each_code_renders_title_explanation_fix_and_references(code):
    report = build(with_host(perfect(dnssec="bogus", reason="EDE 9 (DNSKEY Missing): no keys"), 0, match="fail"))
    finding = {"code": code, "severity": "warn", "protocol": code.split(".", 1)[0], "detail": "observed",
               "subject": "mx1.example.fi", "data": {"spki_sha256": SPKI["mx1.example.fi"]}}
    out = remediation.enrich(finding, report)
    assert out["title"] and out["explanation"] and out["remediation"]
    assert out["title"] != GENERIC["title"]
    for text in (out["remediation"], out["explanation"]):
        assert "{" not in text and "}" not in text
    assert out["references"] and all(REFERENCE.fullmatch(ref) for ref in out["references"]), out["references"]
    assert isinstance(out["records"], list) and all(isinstance(line, str) for line in out["records"])
    assert out["detail"] == "observed" and out["code"] == code


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_catalogue_templates_use_only_known_placeholders(code):
    for text in (CATALOGUE[code]["fix"], CATALOGUE[code]["explanation"]):
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name}
        assert fields <= PLACEHOLDERS, (code, fields)
    assert CATALOGUE[code]["records"] in ("", "tlsa", "mta_sts", "mta_sts_txt", "mta_sts_policy", "tls_rpt")


def test_an_unknown_code_still_renders_generic_text_with_protocol_references():
    finding = {"code": "dane.something_new", "severity": "info", "protocol": "dane", "detail": "x"}
    out = remediation.enrich(finding, build(perfect()))
    assert out["title"] == GENERIC["title"]
    assert "dane.something_new" in out["remediation"]
    assert "RFC 7672" in out["references"] and out["records"] == []


# --- derived records --------------------------------------------------------------------

@pytest.fixture(scope="module")
def served_cert():
    ca = trustme.CA()
    leaf = ca.issue_cert("mx1.example.fi")
    return x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes())


def test_tlsa_record_is_3_1_1_of_the_served_spki_and_matches_the_certificate(served_cert):
    spki = dane.spki_sha256(served_cert)
    report = build(perfect(n_hosts=1))
    finding = {"code": "dane.tlsa.missing", "severity": "warn", "protocol": "dane", "detail": "x",
               "subject": "mx1.example.fi", "data": {"spki_sha256": spki, "suggested_record": f"3 1 1 {spki}"}}
    out = remediation.enrich(finding, report)
    assert out["records"] == [f"_25._tcp.mx1.example.fi. IN TLSA 3 1 1 {spki}"]
    owner, rrclass, rrtype, rdata = out["records"][0].split(" ", 3)
    assert (owner, rrclass, rrtype) == ("_25._tcp.mx1.example.fi.", "IN", "TLSA")
    parsed = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.TLSA, rdata)
    assert (parsed.usage, parsed.selector, parsed.mtype) == (3, 1, 1) and len(parsed.cert) == 32
    assert dane.record_matches(dane.parse_record(rdata), served_cert)
    assert "next key" in out["remediation"]


def test_domain_level_dane_finding_lists_a_tlsa_record_for_every_mx_with_a_known_key():
    report = build(perfect(n_hosts=2))
    report["findings"] = [
        {"code": "dane.tlsa.missing", "severity": "warn", "protocol": "dane", "detail": "x", "subject": name,
         "data": {"spki_sha256": SPKI[name]}} for name in ("mx2.example.fi", "mx1.example.fi")]
    finding = {"code": "dane.none", "severity": "warn", "protocol": "dane", "detail": "x", "subject": None, "data": {}}
    out = remediation.enrich(finding, report)
    assert out["records"] == [f"_25._tcp.{n}. IN TLSA 3 1 1 {SPKI[n]}" for n in ("mx1.example.fi", "mx2.example.fi")]


def test_mta_sts_policy_file_lists_the_current_mx_and_parses_with_the_project_parser():
    mx = ["mx1.example.fi", "mx2.example.fi"]
    for mode in ("testing", "enforce"):
        policy = parse_policy(remediation.mta_sts_policy(mx, mode).encode())
        assert policy.valid, policy.errors
        assert policy.mode == mode and list(policy.mx) == mx
        assert coverage(mx, policy.mx)[1] == []
    assert parse_policy(remediation.mta_sts_policy(mx, "testing").encode()).max_age == 86400
    assert parse_policy(remediation.mta_sts_policy(mx, "enforce").encode()).max_age == 1209600


def test_mta_sts_txt_record_has_a_fresh_timestamp_id_and_parses():
    now = dt.datetime(2026, 11, 28, 19, 0, 0, tzinfo=dt.timezone.utc)
    line = remediation.mta_sts_txt_record("example.fi", now)
    assert line == '_mta-sts.example.fi. IN TXT "v=STSv1; id=20261128T190000"'
    record = parse_sts_record(line.split('"')[1])
    assert record.valid and record.id == "20261128T190000"
    assert re.fullmatch(r"[0-9]{8}T[0-9]{6}", remediation.policy_id())


def test_mta_sts_none_gives_the_txt_record_and_both_policy_files_with_the_policy_host_needs():
    report = build(perfect(sts="none"))
    finding = {"code": "mta_sts.none", "severity": "warn", "protocol": "mta_sts", "detail": "x",
               "subject": "example.fi", "data": {}}
    out = remediation.enrich(finding, report)
    records = out["records"]
    assert records[0].startswith('_mta-sts.example.fi. IN TXT "v=STSv1; id=')
    assert parse_sts_record(records[0].split('"')[1]).valid
    comments = [i for i, line in enumerate(records) if line.startswith("#")]
    assert len(comments) == 2
    testing = "\n".join(records[comments[0] + 1:comments[1]]) + "\n"
    enforce = "\n".join(records[comments[1] + 1:]) + "\n"
    for body, mode in ((testing, "testing"), (enforce, "enforce")):
        policy = parse_policy(body.encode())
        assert policy.valid and policy.mode == mode
        assert list(policy.mx) == ["mx1.example.fi", "mx2.example.fi"]
    for words in ("mta-sts.example.fi", "text/plain", "redirect", "certificate"):
        assert words in out["remediation"]


def test_tls_rpt_template_parses_and_reports_to_the_domain():
    line = remediation.tls_rpt_record("example.fi")
    assert line == '_smtp._tls.example.fi. IN TXT "v=TLSRPTv1; rua=mailto:tls-reports@example.fi"'
    record = parse_tlsrpt(line.split('"')[1])
    assert record.valid and record.rua == ("mailto:tls-reports@example.fi",)


def test_missing_tls_rpt_finding_carries_the_template():
    out = remediation.enrich({"code": "tls_rpt.missing", "severity": "warn", "protocol": "tls_rpt", "detail": "x"},
                             build(perfect(tls_rpt="none")))
    assert out["records"] == [remediation.tls_rpt_record("example.fi")]


def test_dnssec_bogus_names_the_resolvers_extended_dns_error_and_the_usual_causes():
    report = build(perfect(dnssec="bogus", reason="EDE 9 (DNSKEY Missing): no keys have a DS with algorithm 13"))
    out = grade_report(report)
    top = out["findings"][0]
    assert top["code"] == "dnssec.bogus"
    assert "EDE 9 (DNSKEY Missing): no keys have a DS with algorithm 13" in top["remediation"]
    assert "DS" in top["remediation"] and "expired signatures" in top["remediation"]


def test_mx_names_keep_the_reports_preference_order_without_duplicates():
    report = build(perfect(n_hosts=3))
    report["mx"]["hosts"].append(dict(report["mx"]["hosts"][0], name="MX1.example.fi."))
    assert remediation.mx_names(report) == ["mx1.example.fi", "mx2.example.fi", "mx3.example.fi"]
