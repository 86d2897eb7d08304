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
PLACEHOLDERS = {"domain", "subject", "mx_list", "reason", "cause", "code",
                "policy_url", "policy_path", "max_age_enforce"}


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
    assert CATALOGUE[code]["records"] in ("", "tlsa", "tlsa_next", "mta_sts", "mta_sts_enforce", "mta_sts_txt",
                                          "mta_sts_policy", "mta_sts_missing_txt", "tls_rpt")


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


# --- advice that fits the situation (review of the operator-facing output) -------------

def _finding(code, subject=None, data=None, detail="x", severity="warn"):
    return {"code": code, "severity": severity, "protocol": code.split(".", 1)[0], "detail": detail,
            "subject": subject, "data": data or {}}


@pytest.mark.parametrize("mx_status", ["null", "nxdomain", "none"])
def test_a_domain_that_accepts_no_mail_gets_no_mta_sts_or_tls_rpt_records(mx_status):
    report = build(perfect(sts="none", tls_rpt="none"))
    report["mx"] = {"status": mx_status, "hosts": [], "rrset_dnssec": "secure", "reason": None, "unchecked": []}
    for code in ("mta_sts.none", "tls_rpt.missing"):
        out = remediation.enrich(_finding(code, "example.fi", severity="info"), report)
        assert out["records"] == [], (code, out["records"])
        assert "Nothing to do" in out["remediation"] and "STSv1" not in out["remediation"]
    # and no policy file is ever generated without mx lines (it would not parse)
    for kind in ("mta_sts", "mta_sts_enforce", "mta_sts_policy", "mta_sts_missing_txt"):
        assert remediation._records_for(kind, _finding("mta_sts.none"), report) == []


def test_tlsa_advice_for_a_host_we_got_no_key_from_says_so_instead_of_pointing_at_records():
    report = build(with_host(perfect(n_hosts=2), 1, starttls="unreachable", tlsa="none"))
    for section in ("starttls", "dane"):
        for host in report.get(section, {}).get("hosts") or []:
            if host.get("name") == "mx2.example.fi" and isinstance(host.get("certificate"), dict):
                host["certificate"]["spki_sha256"] = None
    out = remediation.enrich(_finding("dane.tlsa.missing", "mx2.example.fi"), report)
    assert out["records"] == []
    assert "records below" not in out["remediation"]
    assert "no key from mx2.example.fi" in out["remediation"] and "openssl" in out["remediation"]
    domain = remediation.enrich(_finding("dane.none"), report)
    assert [r.split(" ")[0] for r in domain["records"]] == ["_25._tcp.mx1.example.fi."]
    assert "records below hash" in domain["remediation"] and "no key from mx2.example.fi" in domain["remediation"]


def test_per_host_tlsa_fix_is_short_and_the_domain_level_one_carries_the_procedure():
    report = build(perfect(n_hosts=1))
    host = remediation.enrich(_finding("dane.tlsa.missing", "mx1.example.fi",
                                       {"spki_sha256": SPKI["mx1.example.fi"]}), report)
    domain = remediation.enrich(_finding("dane.none"), report)
    assert len(host["remediation"]) < len(domain["remediation"]) / 2
    assert "next key" in host["remediation"]


def test_rollover_finding_offers_a_template_for_the_next_key_not_the_current_record():
    report = build(perfect(n_hosts=1))
    out = remediation.enrich(_finding("dane.rollover.single_record", "mx1.example.fi",
                                      {"spki_sha256": SPKI["mx1.example.fi"]}), report)
    assert not any(SPKI["mx1.example.fi"] in line for line in out["records"])
    assert out["records"][0].startswith("_25._tcp.mx1.example.fi. IN TLSA 3 1 1 <")
    assert any("openssl" in line for line in out["records"])
    assert "Keep the current record" in out["remediation"]


def test_mta_sts_advice_warns_before_enforce_when_an_mx_has_no_working_starttls():
    report = build(with_host(perfect(n_hosts=2, sts="none"), 1, starttls="not-offered"))
    out = remediation.enrich(_finding("mta_sts.none", "example.fi"), report)
    assert "Before mode enforce" in out["remediation"] and "mx2.example.fi" in out["remediation"]
    fine = remediation.enrich(_finding("mta_sts.none", "example.fi"), build(perfect(n_hosts=2, sts="none")))
    assert "Before mode enforce" not in fine["remediation"]


def _policy_and_txt(records):
    body = [line for line in records if not line.startswith("#") and not line.startswith("_mta-sts.")]
    txt = [line for line in records if line.startswith("_mta-sts.")]
    return parse_policy(("\n".join(body) + "\n").encode()), txt


@pytest.mark.parametrize("code, mode", [("mta_sts.mode.testing", "enforce"), ("mta_sts.max_age.short", "enforce"),
                                        ("mta_sts.policy.content_type", "enforce")])
def test_policy_changes_come_with_a_parsing_policy_and_a_new_txt_id(code, mode):
    report = build(perfect(n_hosts=2))
    out = remediation.enrich(_finding(code, "https://mta-sts.example.fi/.well-known/mta-sts.txt"), report)
    policy, txt = _policy_and_txt(out["records"])
    assert policy.valid and policy.mode == mode and list(policy.mx) == ["mx1.example.fi", "mx2.example.fi"]
    assert len(txt) == 1 and parse_sts_record(txt[0].split('"')[1]).valid
    assert "new id" in out["remediation"] or "new id" in " ".join(out["records"])


def test_txt_record_missing_with_a_broken_policy_host_says_to_fix_the_host_first():
    report = build(perfect(n_hosts=1))
    report["mta_sts"]["policy"] = {"status": "fetch-error", "fetch_error": "certificate", "mode": None, "mx": []}
    out = remediation.enrich(_finding("mta_sts.record.missing", "_mta-sts.example.fi"), report)
    policy, txt = _policy_and_txt(out["records"])
    assert policy.valid and policy.mode == "testing" and len(txt) == 1
    assert out["records"][0].startswith("# first serve")
    assert "wildcard" in out["explanation"]


def test_implicit_mx_fix_names_the_host_that_receives_mail_now_not_an_invented_one():
    report = build(perfect(n_hosts=1))
    out = remediation.enrich(_finding("mx.implicit", "example.fi"), report)
    assert "example.fi. IN MX 10 example.fi." in out["remediation"]
    assert "mail.example.fi" not in out["remediation"]


EDE_LONG = ("EDE 9 (DNSKEY Missing): validation failure <example.fi. SOA IN>: no keys have a DS with algorithm "
            "ECDSAP256SHA256 from 192.0.2.1 for key example.fi. while building chain of trust")


def test_the_resolver_message_is_shown_in_full_once_and_referred_to_elsewhere():
    report = build(perfect(dnssec="bogus", reason=EDE_LONG))
    report["findings"] = [
        _finding("dnssec.bogus", "example.fi", {"reason": EDE_LONG}, f"validation fails: {EDE_LONG}", "fail"),
        _finding("mx.error", "example.fi", {}, f"MX lookup failed: {EDE_LONG}", "fail"),
        _finding("tls_rpt.error", "_smtp._tls.example.fi", {}, f"TXT lookup failed: DNSSEC validation failed "
                                                              f"({EDE_LONG})"),
    ]
    outs = [remediation.enrich(f, report) for f in report["findings"]]
    text = " ".join(o["detail"] + " " + o["remediation"] for o in outs)
    assert text.count("no keys have a DS") == 1
    assert EDE_LONG in outs[0]["remediation"]
    assert outs[0]["detail"].endswith("EDE 9 (DNSKEY Missing)")
    assert "EDE 9 (DNSKEY Missing)" in outs[1]["detail"] and "DNSSEC finding" in outs[1]["detail"]
    assert outs[2]["detail"].endswith("(EDE 9 (DNSKEY Missing)) (resolver message in the DNSSEC finding)")


def test_a_lone_bogus_tlsa_finding_keeps_the_message_in_its_detail():
    reason = "EDE 7 (Signature Expired): validation failure <_25._tcp.mx1.example.fi. TLSA IN>: signature expired"
    finding = _finding("dane.tlsa.bogus", "mx1.example.fi", {"reason": reason}, f"TLSA bogus ({reason})", "fail")
    report = build(perfect(n_hosts=1))
    report["findings"] = [finding]
    out = remediation.enrich(finding, report)
    assert reason in out["detail"]
    assert "EDE 7 (Signature Expired)" in out["remediation"] and "signature expired" not in out["remediation"]


@pytest.mark.parametrize("reason, words", [
    (EDE_LONG, "DS record at the registrar matches none"),
    ("EDE 7 (Signature Expired): validation failure <x. SOA IN>: signature expired", "signatures have expired"),
    ("EDE 8 (Signature Not Yet Valid): x", "clock"),
])
def test_dnssec_bogus_names_the_likely_cause_of_its_extended_dns_error(reason, words):
    out = remediation.enrich(_finding("dnssec.bogus", "example.fi", {"reason": reason}, severity="fail"),
                             build(perfect(dnssec="bogus", reason=reason)))
    assert words in out["remediation"] and reason in out["remediation"]


def test_an_mx_host_with_bogus_addresses_is_not_told_to_publish_address_records():
    report = build(perfect(n_hosts=1))
    out = remediation.enrich(_finding("starttls.no_address", "mx1.example.fi", {"bogus": True}, severity="info"),
                             report)
    assert "DNSSEC" in out["title"] and "Publish its A/AAAA" not in out["remediation"]


@pytest.mark.parametrize("code, ref", [("starttls.tls_version_old", "RFC 8996 4"),
                                       ("starttls.tls_version_old", "RFC 8996 5"),
                                       ("dane.host_address_insecure", "RFC 7672 2.2.3"),
                                       ("mx.target_cname", "RFC 7672 2.2.3"),
                                       ("mta_sts.mode.none", "RFC 8461 8.3")])
def test_references_point_at_the_right_sections(code, ref):
    assert ref in CATALOGUE[code]["references"]
    assert not any(r in CATALOGUE[code]["references"] for r in ("RFC 8996 2", "RFC 8996 3", "RFC 7672 2.2.2"))


def test_thesis_references_name_sections_that_exist():
    sections = {"thesis 2.4.3", "thesis 5.2", "thesis 6.1", "thesis 6.1.1", "thesis 6.1.2", "thesis 6.1.3",
                "thesis 6.1.4", "thesis 6.1.5"}
    used = {r for e in list(CATALOGUE.values()) + [GENERIC] for r in e["references"] if r.startswith("thesis")}
    assert used <= sections, used - sections
