"""RFC 8460 3: the _smtp._tls TXT record grammar and its evaluation."""
from types import SimpleNamespace

import pytest
from hypothesis import given, settings, strategies as st

from checker.engine.tls_rpt import (FINDING_CODES, TlsRptRetrieved, evaluate_tls_rpt, is_tlsrpt_record, parse_tlsrpt,
                                    uri_error)
from tests.grammar_strategies import tlsrpt_records

VALID = [
    # (record, rua) -- the first two are RFC 8460's own examples
    ("v=TLSRPTv1; rua=mailto:reports@example.com", ("mailto:reports@example.com",)),
    ("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt", ("https://reporting.example.com/v1/tlsrpt",)),
    ("v=TLSRPTv1;rua=mailto:a@b.fi,https://r.fi/x", ("mailto:a@b.fi", "https://r.fi/x")),
    ("v=TLSRPTv1;rua=mailto:a@b.fi , \thttps://r.fi/x;", ("mailto:a@b.fi", "https://r.fi/x")),
    ("v=TLSRPTv1 ; rua=mailto:a@b.fi ; ", ("mailto:a@b.fi",)),
    ("v=TLSRPTv1;rua=mailto:tls+rpt@example.fi?subject=TLS%20report", ("mailto:tls+rpt@example.fi?subject=TLS%20report",)),
    ("v=TLSRPTv1;rua=MAILTO:a@b.fi", ("MAILTO:a@b.fi",)),
    ("v=TLSRPTv1;rua=https://r.fi:8443/a?b=c#d", ("https://r.fi:8443/a?b=c#d",)),
    ("v=TLSRPTv1;rua=https://[2001:db8::1]/r", ("https://[2001:db8::1]/r",)),
    ("v=TLSRPTv1;rua=https://r.fi", ("https://r.fi",)),
    ("v=TLSRPTv1;ext=1;rua=mailto:a@b.fi", ("mailto:a@b.fi",)),
    # RFC 8460 3 lets a record declare more than one rua and has no first-one-wins rule
    ("v=TLSRPTv1;rua=mailto:a@b.fi;rua=mailto:c@d.fi", ("mailto:a@b.fi", "mailto:c@d.fi")),
    ("v=TLSRPTv1;rua=mailto:a@b.fi,https://r.fi/x;ext=1;rua=mailto:c@d.fi", ("mailto:a@b.fi", "https://r.fi/x", "mailto:c@d.fi")),
]

INVALID = [
    ("v=TLSRPTv1; rua=mailto:tlsrpt@example.fi!10m", "%21"),  # RFC 8460 3: '!' must be encoded
    ("v=TLSRPTv1", "rua is missing"),
    ("v=TLSRPTv1;", "rua is missing"),
    ("v=TLSRPTv1;RUA=mailto:a@b.fi", "case-sensitive"),
    ("v=TLSRPTv1;rua=", "empty URI"),
    ("v=TLSRPTv1;rua=mailto:a@b.fi,", "empty URI"),
    ("v=TLSRPTv1;rua=mailto:a@b.fi mailto:c@d.fi", "separated by ','"),
    ("v=TLSRPTv1;rua=http://r.fi/x", "not mailto: or https:"),
    ("v=TLSRPTv1;rua=ftp://r.fi/x", "not mailto: or https:"),
    ("v=TLSRPTv1;rua=reports@example.fi", "no scheme"),
    ("v=TLSRPTv1;rua=mailto:reports", "mailto: must be followed by an address"),
    ("v=TLSRPTv1;rua=mailto:@b.fi", "mailto: must be followed by an address"),
    ("v=TLSRPTv1;rua=mailto:a@", "mailto: must be followed by an address"),
    ("v=TLSRPTv1;rua=mailto:a\"b@c.fi", "percent-encoded"),
    ("v=TLSRPTv1;rua=mailto:a%zz@c.fi", "two hex digits"),
    ("v=TLSRPTv1;rua=https:r.fi", "//host"),
    ("v=TLSRPTv1;rua=https://", "not a domain name"),
    ("v=TLSRPTv1;rua=https://r.fi:99999/", "not a number"),
    ("v=TLSRPTv1;rua=https://u@r.fi/", "user information"),
    ("v=TLSRPTv1;rua=https://r_x.fi/", "not a domain name"),
    ("v=TLSRPTv1;rua=mailto:a@b.fi;;", "empty field"),
    ("v=TLSRPTv1;rua=mailto:a@b.fi ", "whitespace after the value"),
    ("v=TLSRPTv1;rua=mailto:a@b.fi;x", "no '='"),
    ("v=TLSRPTv1;rua=mailto:a@b.fi;_x=1", "field name"),
    ("v=TLSRPTv1;rua=mailto:a@b.fi;x=a b", "spaces"),
    ("v=TLSRPTv1 rua=mailto:a@b.fi", "expected ';'"),
    ("v=tlsrptv1;rua=mailto:a@b.fi", "exactly 'v=TLSRPTv1'"),
]

# RFC 8460 3: strings that do not begin with "v=TLSRPTv1" *WSP ";" are discarded.
NOT_TLSRPT = ["", "v=spf1 -all", "v=TLSRPTv10;rua=mailto:a@b.fi", "v=tlsrptv1;rua=x", " v=TLSRPTv1;rua=x",
              "v=TLSRPTv1", "v=TLSRPTv1 rua=mailto:a@b.fi"]


@pytest.mark.parametrize("text, rua", VALID)
def test_valid_tlsrpt_vectors_parse_with_their_uris(text, rua):
    record = parse_tlsrpt(text)
    assert record.errors == ()
    assert record.rua == rua


@pytest.mark.parametrize("text, fragment", INVALID)
def test_invalid_tlsrpt_vectors_report_a_specific_error(text, fragment):
    record = parse_tlsrpt(text)
    assert not record.valid
    assert any(fragment in error for error in record.errors), record.errors


@pytest.mark.parametrize("text", NOT_TLSRPT)
def test_strings_not_starting_with_exactly_v_tlsrptv1_are_not_tlsrpt_records(text):
    assert not is_tlsrpt_record(text)


def test_a_second_rua_field_counts_but_is_warned_about():
    record = parse_tlsrpt("v=TLSRPTv1;rua=mailto:a@b.fi;rua=mailto:c@d.fi")
    assert record.valid and any("single rua field" in w for w in record.warnings)


def test_a_bad_uri_in_a_second_rua_field_makes_the_record_invalid():
    assert not parse_tlsrpt("v=TLSRPTv1;rua=mailto:a@b.fi;rua=noscheme").valid


def test_uri_error_accepts_plain_report_addresses():
    assert uri_error("mailto:tlsrpt@example.fi") is None
    assert uri_error("https://tlsrpt.example.fi/report") is None


def answer(*strings, rcode="NOERROR", security="insecure"):
    dns_answer = SimpleNamespace(name="_smtp._tls.example.fi", rcode=rcode, security=security, reason=None,
                                 txt_strings=tuple(strings))
    return TlsRptRetrieved("example.fi", "_smtp._tls.example.fi", dns_answer)


def codes(result):
    return [(f.code, f.severity) for f in result.findings]


def test_evaluate_reports_valid_with_a_pass_finding():
    result = evaluate_tls_rpt(answer("v=TLSRPTv1; rua=mailto:tls@example.fi"), "all", "valid")
    assert result.as_dict() == {"status": "valid", "rua": ["mailto:tls@example.fi"],
                                "raw": ["v=TLSRPTv1; rua=mailto:tls@example.fi"], "errors": []}
    assert codes(result) == [("tls_rpt.valid", "pass")]


def test_evaluate_advises_against_more_than_one_rua_uri():
    result = evaluate_tls_rpt(answer("v=TLSRPTv1; rua=mailto:a@example.fi,https://r.example.fi/"))
    assert ("tls_rpt.rua.multiple", "info") in codes(result)


def test_evaluate_ignores_unrelated_txt_records():
    result = evaluate_tls_rpt(answer("v=spf1 -all", "v=TLSRPTv1;rua=mailto:a@example.fi"))
    assert result.status == "valid" and result.raw == ("v=TLSRPTv1;rua=mailto:a@example.fi",)


@pytest.mark.parametrize("other", ["v=TLSRPTv1", "v=TLSRPTv1 rua=mailto:b@example.fi", "v=TLSRPTv2;rua=mailto:b@x.fi"])
def test_evaluate_discards_strings_not_beginning_with_v_tlsrptv1_semicolon(other):
    # RFC 8460 3: "records that do not begin with "v=TLSRPTv1;" are discarded"
    result = evaluate_tls_rpt(answer("v=TLSRPTv1;rua=mailto:a@example.fi", other))
    assert result.status == "valid" and result.rua == ("mailto:a@example.fi",)


def test_evaluate_reports_multiple_records():
    result = evaluate_tls_rpt(answer("v=TLSRPTv1;rua=mailto:a@example.fi", "v=TLSRPTv1;rua=mailto:b@example.fi"))
    assert result.status == "multiple" and codes(result) == [("tls_rpt.multiple", "warn")]


def test_evaluate_reports_invalid_records_with_their_errors():
    result = evaluate_tls_rpt(answer("v=TLSRPTv1;rua=http://r.example.fi/"))
    assert result.status == "invalid" and result.errors and codes(result) == [("tls_rpt.invalid", "warn")]


def test_a_wrongly_cased_version_is_no_record_and_is_named_in_a_note():
    result = evaluate_tls_rpt(answer("v=tlsrptv1;rua=mailto:a@example.fi"))
    assert result.status == "none"
    assert codes(result) == [("tls_rpt.missing", "info"), ("tls_rpt.record.ignored", "info")]
    assert "case-sensitive" in result.findings[1].detail


@pytest.mark.parametrize("other", ["v=TLSRPTv1", "v=TLSRPTv1 ;rua=mailto:b@example.fi", "v=TLSRPTv10;rua=mailto:b@x.fi"])
def test_beside_another_txt_record_a_candidate_not_beginning_with_the_version_and_semicolon_is_discarded(other):
    result = evaluate_tls_rpt(answer("v=spf1 -all", other))
    assert result.status == "invalid" and "is discarded" in result.errors[0]


@pytest.mark.parametrize("rcode", ["NXDOMAIN", "NOERROR"])
def test_evaluate_reports_none_for_nxdomain_and_nodata(rcode):
    result = evaluate_tls_rpt(answer(rcode=rcode))
    assert result.status == "none" and codes(result) == [("tls_rpt.missing", "info")]


@pytest.mark.parametrize("dane, mta_sts", [("all", "none"), ("some", "none"), ("none", "valid"), ("none", "invalid")])
def test_missing_tlsrpt_is_a_warning_when_dane_or_mta_sts_is_in_use(dane, mta_sts):
    result = evaluate_tls_rpt(answer(rcode="NXDOMAIN"), dane, mta_sts)
    assert codes(result) == [("tls_rpt.missing", "warn")]
    assert result.findings[0].data["in_use"]


@pytest.mark.parametrize("rcode", ["SERVFAIL", "TIMEOUT", "REFUSED"])
def test_evaluate_reports_error_for_failed_lookups(rcode):
    result = evaluate_tls_rpt(answer(rcode=rcode))
    assert result.status == "error" and codes(result) == [("tls_rpt.error", "warn")]


def test_every_emitted_code_is_listed_in_finding_codes():
    cases = [answer("v=TLSRPTv1;rua=mailto:a@x.fi,mailto:b@x.fi;rua=mailto:c@x.fi"), answer(rcode="SERVFAIL"),
             answer("v=TLSRPTv1", "v=TLSRPTv1"), answer("v=TLSRPTv1"), answer(), answer(" v=TLSRPTv1;rua=x")]
    for case in cases:
        for finding in evaluate_tls_rpt(case, "all", "valid").findings:
            assert finding.code in FINDING_CODES


@given(st.text(max_size=300))
@settings(max_examples=300)
def test_tlsrpt_parser_never_raises_on_arbitrary_text(text):
    parse_tlsrpt(text)
    parse_tlsrpt("v=TLSRPTv1;rua=" + text)
    evaluate_tls_rpt(answer(text, "v=TLSRPTv1;" + text))


@given(tlsrpt_records())
@settings(max_examples=300)
def test_records_generated_from_the_grammar_parse_as_valid(case):
    text, uris = case
    record = parse_tlsrpt(text)
    assert record.errors == (), text
    assert list(record.rua) == uris
