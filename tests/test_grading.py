"""Grading on hand-made reports: levels, bounce risk, null grades, and two properties."""
import random
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker import grading
from checker.grading import grade_report
from tests.report_factory import HostSpec, ReportSpec, build, perfect, with_host

GRADE_RANK = {g: i for i, (g, _) in enumerate(grading.GRADE_BANDS)}


def graded(spec):
    return grade_report(build(spec))


def test_every_control_correct_grades_a_plus_with_score_100():
    out = graded(perfect())
    assert (out["grade"], out["score"]) == ("A+", 100)
    assert out["top_finding"] is None
    assert out["grading"]["bounce_risk"] == [] and out["grading"]["required_missing"] == []


def test_a_warn_finding_keeps_an_otherwise_perfect_domain_at_a():
    out = graded(perfect(findings=(("dane.no_rollover", "warn"),)))
    assert out["grade"] == "A"
    assert out["top_finding"] == "dane.no_rollover"


def test_a_fail_finding_caps_the_grade_at_b():
    out = graded(perfect(findings=(("mta_sts.policy.max_age_low", "fail"),)))
    assert out["grade"] == "B"


def test_info_and_pass_findings_do_not_change_the_grade():
    out = graded(perfect(findings=(("tls_rpt.rua.multiple", "info"), ("dnssec.secure", "pass"))))
    assert (out["grade"], out["score"]) == ("A+", 100)
    assert out["top_finding"] is None


def test_dane_with_dnssec_and_tls_rpt_but_no_mta_sts_grades_b():
    assert graded(perfect(sts="none"))["grade"] == "B"


def test_mta_sts_enforce_alone_meets_the_required_level_and_grades_c():
    spec = perfect(dnssec="insecure", tls_rpt="none")
    spec = replace(spec, hosts=tuple(replace(h, dnssec="insecure", tlsa="none") for h in spec.hosts))
    out = graded(spec)
    assert out["grade"] == "C"
    assert out["grading"]["required_missing"] == []


def test_mta_sts_in_testing_mode_is_not_an_enforcement_mechanism():
    spec = perfect(mode="testing")
    spec = replace(spec, hosts=tuple(replace(h, tlsa="none") for h in spec.hosts))
    out = graded(spec)
    assert out["grade"] == "D"
    assert out["grading"]["required_missing"] == ["no_enforcement"]


def test_starttls_everywhere_without_enforcement_grades_d():
    spec = perfect(dnssec="insecure", sts="none", tls_rpt="none")
    spec = replace(spec, hosts=tuple(replace(h, dnssec="insecure", tlsa="none") for h in spec.hosts))
    assert graded(spec)["grade"] == "D"


def test_an_mx_without_starttls_grades_e():
    spec = perfect(dnssec="insecure", sts="none", tls_rpt="none")
    spec = replace(spec, hosts=tuple(replace(h, dnssec="insecure", tlsa="none") for h in spec.hosts))
    out = graded(with_host(spec, 1, starttls="not-offered"))
    assert out["grade"] == "E"
    assert out["grading"]["required_missing"] == ["no_enforcement", "starttls_missing"]
    assert out["top_finding"] == "starttls.not_offered"


def test_without_enforcement_the_finding_that_says_so_leads_its_severity():
    spec = perfect(mode="testing", findings=(("dnssec.unsupported_algorithm", "warn"), ("mta_sts.mode.testing", "warn"),
                                             ("tls_rpt.record.warning", "info")))
    spec = replace(spec, hosts=tuple(replace(h, tlsa="none") for h in spec.hosts))
    assert graded(spec)["top_finding"] == "mta_sts.mode.testing"


def test_a_failing_attempt_at_enforcement_leads_the_missing_enforcement_finding():
    spec = perfect(sts="invalid", findings=(("mta_sts.none", "warn"), ("mta_sts.policy.redirect", "fail")))
    spec = replace(spec, hosts=tuple(replace(h, tlsa="none") for h in spec.hosts))
    out = graded(spec)
    assert (out["grade"], out["top_finding"]) == ("D", "mta_sts.policy.redirect")


def test_tls_older_than_1_2_fails_the_required_level():
    spec = with_host(perfect(sts="none"), 0, tls_version="TLSv1.1", tlsa="none")
    out = graded(spec)
    assert out["grade"] == "E"
    assert "starttls_missing" in out["grading"]["required_missing"]


def test_an_unreachable_backup_mx_does_not_break_the_required_level():
    spec = with_host(perfect(), 1, starttls="unreachable")
    out = graded(spec)
    assert out["grade"] in ("A", "B")
    assert out["grading"]["bounce_risk"] == []


def test_no_reachable_mx_at_all_fails_the_starttls_requirement():
    spec = perfect()
    spec = replace(spec, hosts=tuple(replace(h, starttls="unreachable") for h in spec.hosts))
    assert graded(spec)["grade"] == "E"


BOUNCE_CASES = {
    "dnssec bogus": (perfect(dnssec="bogus", reason="EDE 9 (DNSKEY Missing)"), "dnssec.bogus"),
    "mx lookup error": (perfect(mx_status="error"), "mx.error"),
    "null mx mixed with others": (perfect(mx_status="invalid"), "mx.null_mixed"),
    "mx host bogus": (with_host(perfect(), 1, dnssec="bogus"), "mx.host_bogus"),
    "mx host lookup fails": (with_host(perfect(), 1, dnssec="error"), "mx.host_lookup_error"),
    "tlsa bogus": (with_host(perfect(), 0, tlsa="bogus"), "dane.tlsa.bogus"),
    "tlsa lookup fails": (with_host(perfect(), 0, tlsa="error"), "dane.tlsa.error"),
    "tlsa but no starttls": (with_host(perfect(sts="none"), 0, starttls="not-offered"), "dane.match.no_starttls"),
    "unusable tlsa but no starttls": (with_host(perfect(sts="none"), 0, starttls="not-offered", tlsa="unusable"),
                                      "dane.match.no_starttls"),
    "tlsa mismatch": (with_host(perfect(), 1, match="fail"), "dane.match.fail"),
    "enforce excludes an mx": (with_host(perfect(), 1, covered=False), "mta_sts.mx.uncovered"),
    "enforce meets an invalid certificate": (with_host(perfect(), 0, webpki=False), "mta_sts.mx.certificate_invalid"),
}


@pytest.mark.parametrize("case", sorted(BOUNCE_CASES))
def test_a_configuration_that_makes_senders_refuse_mail_grades_f_and_is_the_top_finding(case):
    spec, code = BOUNCE_CASES[case]
    out = graded(spec)
    assert out["grade"] == "F"
    assert out["score"] <= grading.CAP_BOUNCE_RISK
    assert out["top_finding"] == code
    assert out["findings"][0]["code"] == code
    assert out["grade_reason"].startswith("Mail delivery is at risk")


def test_the_engine_code_for_a_bounce_condition_is_used_when_present():
    report = build(perfect(dnssec="bogus"))
    report["findings"] = [
        {"code": "tls_rpt.missing", "severity": "warn", "protocol": "tls_rpt", "detail": "x", "subject": None, "data": {}},
        {"code": "dnssec.bogus", "severity": "fail", "protocol": "dnssec", "detail": "EDE 6", "subject": "example.fi",
         "data": {}},
    ]
    out = grade_report(report)
    assert [f["code"] for f in out["findings"]] == ["dnssec.bogus", "tls_rpt.missing"]
    assert out["findings"][0]["detail"] == "EDE 6"


def test_an_mx_lookup_failure_is_not_also_reported_as_missing_starttls():
    spec = replace(perfect(mx_status="error", sts="none", tls_rpt="none"), hosts=())
    out = grade_report(build(spec))
    codes = [f["code"] for f in out["findings"]]
    assert out["grade"] == "F" and out["top_finding"] == "mx.error"
    assert "starttls.not_offered" not in codes


def test_bounce_risk_grades_worse_than_having_no_protection_at_all():
    nothing = perfect(dnssec="insecure", sts="none", tls_rpt="none")
    nothing = replace(nothing, hosts=tuple(replace(h, dnssec="insecure", tlsa="none", starttls="not-offered")
                                           for h in nothing.hosts))
    bare = graded(nothing)
    for case, (spec, _) in BOUNCE_CASES.items():
        out = graded(spec)
        assert GRADE_RANK[out["grade"]] > GRADE_RANK[bare["grade"]], case
        assert out["score"] < bare["score"], case


@pytest.mark.parametrize("status,words", [("null", "null MX"), ("nxdomain", "does not exist")])
def test_a_null_mx_or_nonexistent_domain_gets_no_grade_and_a_plain_sentence(status, words):
    out = graded(perfect(mx_status=status))
    assert out["grade"] is None and out["score"] is None and out["top_finding"] is None
    assert words in out["grade_reason"] and out["grade_reason"].endswith(".")


def test_a_domain_without_mx_and_without_address_gets_no_grade():
    out = graded(replace(perfect(mx_status="none"), hosts=()))
    assert out["grade"] is None
    assert "cannot receive mail" in out["grade_reason"]


def test_an_implicit_mx_is_graded_like_any_other_host():
    out = graded(perfect(mx_status="none", n_hosts=1))
    assert out["grade"] == "A+"


def test_grade_report_does_not_modify_its_input():
    report = build(with_host(perfect(), 1, match="fail"))
    before = repr(report)
    grade_report(report)
    assert repr(report) == before


def test_every_enriched_finding_has_the_remediation_fields():
    out = graded(with_host(perfect(findings=(("tls_rpt.missing", "warn"),)), 1, match="fail"))
    for finding in out["findings"]:
        assert {"title", "explanation", "remediation", "records", "references"} <= set(finding)
        assert isinstance(finding["records"], list) and isinstance(finding["references"], list)


def test_scores_fall_in_the_band_of_their_grade():
    for spec, _ in BOUNCE_CASES.values():
        out = graded(spec)
        assert grading.grade_for_score(out["score"]) == out["grade"]


# --- properties ---------------------------------------------------------------------

EXTRA_CODES = ("dane.no_rollover", "mta_sts.policy.max_age_low", "tls_rpt.rua.multiple", "mx.too_many",
               "starttls.unreachable", "dnssec.unsupported_algorithm")

hosts_st = st.builds(
    HostSpec,
    dnssec=st.sampled_from(["secure", "insecure", "bogus", "error"]),
    starttls=st.sampled_from(["ok", "ok", "not-offered", "handshake-failed", "unreachable"]),
    tls_version=st.sampled_from(["TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1"]),
    webpki=st.booleans(),
    tlsa=st.sampled_from(["valid", "none", "insecure", "unusable", "invalid", "bogus", "error"]),
    match=st.sampled_from(["pass", "fail"]),
    covered=st.booleans(),
)
specs_st = st.builds(
    ReportSpec,
    mx_status=st.sampled_from(["present", "present", "present", "none", "error", "invalid"]),
    dnssec=st.sampled_from(["secure", "insecure", "bogus", "error"]),
    hosts=st.lists(hosts_st, min_size=1, max_size=3).map(
        lambda hs: tuple(replace(h, name=f"mx{i}.example.fi") for i, h in enumerate(hs, 1))),
    sts=st.sampled_from(["valid", "invalid", "none", "error"]),
    mode=st.sampled_from(["enforce", "testing", "none"]),
    tls_rpt=st.sampled_from(["valid", "invalid", "none", "multiple", "error"]),
    findings=st.lists(st.tuples(st.sampled_from(EXTRA_CODES), st.sampled_from(["fail", "warn", "info", "pass"])),
                      max_size=4, unique=True).map(tuple),
)


def single_fixes(spec: ReportSpec):
    """Every report that results from fixing exactly one problem of `spec`, as its remediation says.

    A fix is what the remediation text asks for: STARTTLS comes with a certificate valid
    for the host name that matches published TLSA; TLSA records are derived from the key
    the host served (so they match, and need STARTTLS working); the policy goes to enforce
    only once it lists every MX and every certificate is valid.
    """
    if spec.dnssec != "secure":
        yield "dnssec", replace(spec, dnssec="secure", reason=None)
    if spec.mx_status in ("error", "invalid"):
        yield "mx", replace(spec, mx_status="present")
    for i, h in enumerate(spec.hosts):
        if h.dnssec != "secure":
            yield f"host {i} dnssec", with_host(spec, i, dnssec="secure")
        if h.starttls != "ok":  # TLS 1.2+, a certificate valid for the name that matches its TLSA
            yield f"host {i} starttls", with_host(spec, i, starttls="ok", tls_version="TLSv1.3", webpki=True,
                                                  match="pass")
        if h.tls_version not in ("TLSv1.3", "TLSv1.2"):
            yield f"host {i} tls", with_host(spec, i, tls_version="TLSv1.3")
        if not h.webpki:
            yield f"host {i} certificate", with_host(spec, i, webpki=True)
        if h.tlsa != "valid" and h.starttls == "ok":
            yield f"host {i} tlsa", with_host(spec, i, tlsa="valid", match="pass")
        if h.tlsa == "valid" and h.match != "pass":
            yield f"host {i} match", with_host(spec, i, match="pass")
        if not h.covered:
            yield f"host {i} coverage", with_host(spec, i, covered=True)
    if spec.sts != "valid":
        yield "mta-sts published", replace(spec, sts="valid", mode="testing",
                                           hosts=tuple(replace(h, covered=True) for h in spec.hosts))
    elif spec.mode != "enforce" and all(h.covered and h.webpki and h.starttls == "ok" for h in spec.hosts):
        yield "mta-sts enforce", replace(spec, mode="enforce")
    elif spec.mode == "none":
        yield "mta-sts testing", replace(spec, mode="testing")
    if spec.tls_rpt != "valid":
        yield "tls-rpt", replace(spec, tls_rpt="valid")
    for finding in spec.findings:
        yield f"finding {finding}", replace(spec, findings=tuple(f for f in spec.findings if f != finding))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs_st)
def test_fixing_any_single_finding_never_lowers_the_grade_or_the_score(spec):
    before = graded(spec)
    for what, fixed_spec in single_fixes(spec):
        after = graded(fixed_spec)
        assert GRADE_RANK[after["grade"]] <= GRADE_RANK[before["grade"]], (what, before["grade"], after["grade"])
        assert after["score"] >= before["score"], (what, before["score"], after["score"])


def _shuffled(report, rnd):
    report = {k: v for k, v in report.items()}
    for section in ("mx", "dane", "starttls"):
        hosts = list(report[section]["hosts"])
        rnd.shuffle(hosts)
        report[section] = {**report[section], "hosts": hosts}
    coverage = report["mta_sts"]["mx_coverage"]
    report["mta_sts"] = {**report["mta_sts"], "mx_coverage": {
        k: rnd.sample(v, len(v)) for k, v in coverage.items()}}
    findings = list(report["findings"])
    rnd.shuffle(findings)
    report["findings"] = findings
    return report


@settings(max_examples=200, deadline=None)
@given(specs_st, st.randoms(use_true_random=False))
def test_the_grade_depends_on_the_data_not_on_the_order_of_hosts_or_findings(spec, rnd):
    report = build(spec)
    first = grade_report(report)
    second = grade_report(_shuffled(report, rnd))
    assert (first["grade"], first["score"], first["top_finding"]) == (
        second["grade"], second["score"], second["top_finding"])
    assert [f["code"] for f in first["findings"]] == [f["code"] for f in second["findings"]]


def test_the_points_of_all_controls_add_up_to_100():
    total = (grading.POINTS_STARTTLS_ALL + grading.POINTS_DNSSEC_DOMAIN + grading.POINTS_DNSSEC_MX
             + grading.POINTS_DANE_ALL + grading.POINTS_MTA_STS_ENFORCE + grading.POINTS_TLS_RPT)
    assert total == 100


def test_grade_bands_are_ordered_and_caps_sit_inside_their_band():
    lows = [low for _, low in grading.GRADE_BANDS]
    assert lows == sorted(lows, reverse=True)
    assert grading.grade_for_score(grading.CAP_BOUNCE_RISK) == "F"
    assert grading.grade_for_score(grading.CAP_NO_STARTTLS) == "E"
    assert grading.grade_for_score(grading.CAP_NO_ENFORCEMENT) == "D"
    assert grading.grade_for_score(grading.FLOOR_REQUIRED_MET) == "C"
    assert grading.grade_for_score(grading.CAP_FAIL_FINDING) == "B"
    assert grading.grade_for_score(grading.CAP_NOT_COMPLETE) == "A"


def test_shuffling_a_fixed_report_with_a_seeded_random_keeps_everything():
    report = build(with_host(perfect(n_hosts=3, findings=(("dane.no_rollover", "warn"),)), 2, covered=False))
    rnd = random.Random(7)
    assert grade_report(report)["findings"] == grade_report(_shuffled(report, rnd))["findings"]


@pytest.mark.parametrize("spec", [perfect(), perfect(dnssec="bogus"), with_host(perfect(), 0, starttls="unavailable")])
def test_grading_for_rows_without_texts_keeps_grade_codes_severities_and_order(spec):
    """Survey rows keep only summary columns: grading leaves out the remediation texts there,
    and nothing the summary reads may differ."""
    report = build(spec)
    for_people, for_rows = grade_report(report), grade_report(report, for_people=False)
    assert (for_rows["grade"], for_rows["score"], for_rows["top_finding"]) == (
        for_people["grade"], for_people["score"], for_people["top_finding"])
    assert [(f["code"], f["severity"]) for f in for_rows["findings"]] == [
        (f["code"], f["severity"]) for f in for_people["findings"]]
    assert all("title" in f for f in for_people["findings"]) and not any("title" in f for f in for_rows["findings"])
