"""evaluate_mta_sts: contract section, statuses and findings from retrieved facts (pure)."""
import pytest

from checker.engine.dns import DnsAnswer
from checker.engine.mta_sts import FINDING_CODES, MtaStsRetrieved, evaluate_mta_sts
from checker.engine.mta_sts.fetch import Attempt, PolicyFetch, PolicyHost
from checker.engine.mx import MxHost, MxResult
from checker.engine.starttls import StarttlsHost, StarttlsResult

DOMAIN = "example.fi"
URL = f"https://mta-sts.{DOMAIN}/.well-known/mta-sts.txt"
MX_NAMES = ["mx1.example.fi", "mx2.example.fi"]
MX = MxResult("present", tuple(MxHost(name, 10 * (i + 1)) for i, name in enumerate(MX_NAMES)))


def policy_body(mode="enforce", mx=("*.example.fi",), max_age=1209600):
    return ("version: STSv1\n" f"mode: {mode}\n" + "".join(f"mx: {m}\n" for m in mx)
            + f"max_age: {max_age}\n").encode()


def retrieved(record=("v=STSv1; id=1",), rcode="NOERROR", host="resolves", body=None, fetch_error=None,
              http_status=200, fetched=True):
    answer = DnsAnswer(name=f"_mta-sts.{DOMAIN}", rdtype="TXT", rcode=rcode,
                       security="insecure" if rcode in ("NOERROR", "NXDOMAIN") else "error",
                       records=tuple(record), txt_strings=tuple(record))
    policy_host = PolicyHost(f"mta-sts.{DOMAIN}", host, ("192.0.2.80",) if host == "resolves" else ())
    fetch = None
    if fetched:
        fetch = PolicyFetch(URL, fetch_error, http_status=http_status,
                            body=(policy_body() if body is None else body) if not fetch_error else None,
                            detail=fetch_error and f"{fetch_error} happened",
                            attempts=(Attempt("192.0.2.80", fetch_error or "ok"),))
    return MtaStsRetrieved(DOMAIN, answer, policy_host, fetch)


def probes(*rows):
    return StarttlsResult(tuple(
        StarttlsHost(name, address, status,
                     certificate=None if valid is None else {"webpki_valid": valid,
                                                             "webpki_error": None if valid else "name-mismatch: x"})
        for name, address, status, valid in rows))


ALL_OK = probes(("mx1.example.fi", "192.0.2.1", "ok", True), ("mx2.example.fi", "192.0.2.2", "ok", True))


def codes(result):
    return {(f.code, f.severity) for f in result.findings}


def test_section_has_exactly_the_contract_fields():
    section = evaluate_mta_sts(retrieved(), MX, ALL_OK).as_dict()
    assert set(section) == {"status", "record", "policy_host", "policy", "mx_coverage"}
    assert {"status", "id", "raw"} <= set(section["record"])
    assert set(section["policy_host"]) == {"status", "addresses"}
    # plus the addition sha256 (docs/report-additions.md), present once a file was fetched
    assert set(section["policy"]) == {"status", "fetch_error", "http_status", "mode", "max_age", "mx", "errors",
                                      "sha256"}
    assert set(section["mx_coverage"]) == {"covered", "uncovered"}


def test_valid_record_and_policy_covering_every_mx_is_valid_with_a_pass():
    result = evaluate_mta_sts(retrieved(), MX, ALL_OK)
    assert result.status == "valid"
    assert result.record == {"status": "valid", "id": "1", "raw": ["v=STSv1; id=1"], "errors": []}
    assert result.mx_coverage == {"covered": MX_NAMES, "uncovered": []}
    assert codes(result) == {("mta_sts.valid", "pass")}


def test_nothing_published_is_none():
    result = evaluate_mta_sts(retrieved(record=(), rcode="NXDOMAIN", host="missing", fetched=False), MX)
    assert result.status == "none"
    assert result.record["status"] == "missing" and result.policy["status"] == "not-fetched"
    assert codes(result) == {("mta_sts.none", "warn")}
    assert "mx: mx1.example.fi" in result.findings[0].data["suggested_policy"]


@pytest.mark.parametrize("mx_status", ["null", "nxdomain"])
def test_a_domain_that_accepts_no_mail_needs_no_mta_sts(mx_status):
    nothing = retrieved(record=(), rcode="NXDOMAIN", host="missing", fetched=False)
    result = evaluate_mta_sts(nothing, MxResult(mx_status))
    assert result.status == "none"
    assert codes(result) == {("mta_sts.none", "info")}
    assert "accepts no mail" in result.findings[0].detail


@pytest.mark.parametrize("rcode", ["SERVFAIL", "TIMEOUT"])
def test_a_failed_record_lookup_is_error(rcode):
    result = evaluate_mta_sts(retrieved(record=(), rcode=rcode), MX, ALL_OK)
    assert result.status == "error" and result.record["status"] == "error"
    assert ("mta_sts.error", "warn") in codes(result)


def test_two_sts_records_are_multiple_and_the_domain_invalid():
    result = evaluate_mta_sts(retrieved(record=("v=STSv1; id=1", "v=STSv1; id=2")), MX, ALL_OK)
    assert result.record["status"] == "multiple" and result.status == "invalid"
    assert ("mta_sts.record.multiple", "fail") in codes(result)


def test_a_broken_id_is_an_invalid_record():
    result = evaluate_mta_sts(retrieved(record=("v=STSv1; id=2024-01-01",)), MX, ALL_OK)
    assert result.record["status"] == "invalid" and result.record["id"] is None
    assert ("mta_sts.record.invalid", "fail") in codes(result)


def test_a_policy_without_a_record_is_invalid_and_says_the_record_is_missing():
    result = evaluate_mta_sts(retrieved(record=(), rcode="NXDOMAIN"), MX, ALL_OK)
    assert result.record["status"] == "missing" and result.policy["status"] == "valid"
    assert result.status == "invalid"
    assert ("mta_sts.record.missing", "fail") in codes(result)


def test_a_fetch_error_fills_fetch_error_and_a_fail_finding():
    result = evaluate_mta_sts(retrieved(fetch_error="redirect", http_status=301), MX, ALL_OK)
    assert result.policy["status"] == "fetch-error" and result.policy["fetch_error"] == "redirect"
    assert result.policy["http_status"] == 301 and result.status == "invalid"
    assert ("mta_sts.policy.redirect", "fail") in codes(result)


@pytest.mark.parametrize("word", ["tcp", "timeout", "tls", "certificate", "http-status", "content-type",
                                  "too-large", "other"])
def test_each_fetch_error_word_has_its_own_finding_code(word):
    result = evaluate_mta_sts(retrieved(fetch_error=word), MX)
    code = "mta_sts.policy." + word.replace("-", "_")
    assert code in FINDING_CODES and (code, "fail") in codes(result)


def test_an_invalid_policy_lists_its_errors_and_whether_senders_tolerate_them():
    body = policy_body().replace(b"mode: enforce\n", b"mode: enforce\n\n")
    result = evaluate_mta_sts(retrieved(body=body), MX, ALL_OK)
    assert result.policy["status"] == "invalid" and result.status == "invalid"
    assert result.policy["errors"] and "empty line" in result.policy["errors"][0]
    finding = next(f for f in result.findings if f.code == "mta_sts.policy.invalid")
    assert finding.data["tolerated"] is True and "Lenient senders" in finding.detail


def test_a_policy_senders_discard_has_no_delivery_consequences():
    body = b"version: STSv1\r\nmode: enforce\r\nmax_age: 86400\r\n"  # no mx line: invalid for everyone
    result = evaluate_mta_sts(retrieved(body=body), MX, ALL_OK)
    assert result.policy["status"] == "invalid"
    found = {f.code for f in result.findings}
    assert "mta_sts.policy.invalid" in found
    assert not found & {"mta_sts.mx.uncovered", "mta_sts.mx.no_starttls", "mta_sts.mx.certificate_invalid"}


def test_enforce_with_an_uncovered_mx_is_a_delivery_failure():
    body = policy_body(mx=("mx1.example.fi",))
    result = evaluate_mta_sts(retrieved(body=body), MX, ALL_OK)
    assert result.mx_coverage == {"covered": ["mx1.example.fi"], "uncovered": ["mx2.example.fi"]}
    finding = next(f for f in result.findings if f.code == "mta_sts.mx.uncovered")
    assert finding.severity == "fail" and finding.subject == "mx2.example.fi"
    assert "mx: mx2.example.fi" in finding.data["suggested_policy"]


def test_testing_mode_with_an_uncovered_mx_is_only_a_warning():
    result = evaluate_mta_sts(retrieved(body=policy_body(mode="testing", mx=("mx1.example.fi",))), MX, ALL_OK)
    assert ("mta_sts.mx.uncovered", "warn") in codes(result)
    assert ("mta_sts.mode.testing", "warn") in codes(result)


def test_mode_none_has_no_delivery_findings():
    result = evaluate_mta_sts(retrieved(body=policy_body(mode="none", mx=())), MX, ALL_OK)
    assert result.status == "valid"
    assert ("mta_sts.mode.none", "info") in codes(result)
    assert not any(code.startswith("mta_sts.mx.") for code, _ in codes(result))


def test_enforce_with_an_mx_certificate_not_valid_for_its_name_is_a_delivery_failure():
    tls = probes(("mx1.example.fi", "192.0.2.1", "ok", True), ("mx2.example.fi", "192.0.2.2", "ok", False))
    result = evaluate_mta_sts(retrieved(), MX, tls)
    finding = next(f for f in result.findings if f.code == "mta_sts.mx.certificate_invalid")
    assert finding.severity == "fail" and finding.subject == "mx2.example.fi"
    assert finding.data["addresses"] == ["192.0.2.2"]


@pytest.mark.parametrize("status", ["not-offered", "handshake-failed"])
def test_enforce_with_an_mx_without_starttls_is_a_delivery_failure(status):
    tls = probes(("mx1.example.fi", "192.0.2.1", status, None), ("mx2.example.fi", "192.0.2.2", "ok", True))
    result = evaluate_mta_sts(retrieved(), MX, tls)
    assert ("mta_sts.mx.no_starttls", "fail") in codes(result)


def test_unreachable_mx_hosts_are_not_judged():
    tls = probes(("mx1.example.fi", "192.0.2.1", "unreachable", None), ("mx2.example.fi", "192.0.2.2", "ok", True))
    assert codes(evaluate_mta_sts(retrieved(), MX, tls)) == {("mta_sts.valid", "pass")}


def test_without_an_mx_result_nothing_is_judged_against_mx_hosts():
    result = evaluate_mta_sts(retrieved(), None, None)
    assert result.status == "valid" and result.mx_coverage == {"covered": [], "uncovered": []}


@pytest.mark.parametrize("max_age, severity", [(86400, "warn"), (604800, "info"), (1209600, None)])
def test_short_max_age_is_advised_against(max_age, severity):
    result = evaluate_mta_sts(retrieved(body=policy_body(max_age=max_age)), MX, ALL_OK)
    found = {s for c, s in codes(result) if c == "mta_sts.max_age.short"}
    assert found == ({severity} if severity else set())


def test_patterns_matching_no_mx_and_ip_literals_are_advised_against():
    body = policy_body(mx=("*.example.fi", "old.example.org", "192.0.2.1"))
    result = evaluate_mta_sts(retrieved(body=body), MX, ALL_OK)
    assert ("mta_sts.mx.unused_pattern", "info") in codes(result)
    assert ("mta_sts.mx.ip_literal", "warn") in codes(result)


def test_mx_host_names_are_compared_in_lower_case_without_the_root_dot():
    mx = MxResult("present", (MxHost("MX1.example.fi.", 10), MxHost("mx2.example.fi", 20)))
    assert evaluate_mta_sts(retrieved(), mx, ALL_OK).mx_coverage["covered"] == MX_NAMES


def test_every_emitted_code_is_listed_in_finding_codes():
    cases = [
        retrieved(), retrieved(record=(), rcode="NXDOMAIN", host="missing", fetched=False),
        retrieved(record=(), rcode="SERVFAIL"), retrieved(record=("v=STSv1; id=1", "v=STSv1; id=2")),
        retrieved(record=("v=STSv1 ; id=1; id=2",)), retrieved(body=b"mode: x\nmode: y\n"),
        retrieved(body=policy_body(mode="testing", mx=("1.2.3.4", "x.fi"), max_age=5)),
        retrieved(fetch_error="too-large"), retrieved(record=(), rcode="NXDOMAIN"),
    ]
    tls = probes(("mx1.example.fi", "192.0.2.1", "not-offered", None), ("mx2.example.fi", "192.0.2.2", "ok", False))
    for case in cases:
        for finding in evaluate_mta_sts(case, MX, tls).findings:
            assert finding.code in FINDING_CODES, finding.code
