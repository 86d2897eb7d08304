"""Golden tests: every test-network scenario gets its expected grade and top finding.

The scenarios are the whole catalogue (tests/fakenet/network.py catalogue()), checked on
the session's shared network (the `fakenet` fixture); expectations are in
tests/grading_expectations.py; the table in docs/grading.md must match.
"""
import pytest

from tests.grading_expectations import EXPECT
from tests.tools import gen_grading_table as gen

_, CASES = gen.scenarios()
DOMAINS = [s.domain for s in CASES]


@pytest.fixture(scope="module")
def reports(fakenet):
    return gen.graded_reports(fakenet)


def test_every_scenario_has_an_expected_grade_and_no_expectation_is_stale():
    assert sorted(set(DOMAINS) - set(EXPECT)) == []
    assert sorted(set(EXPECT) - set(DOMAINS)) == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_scenario_gets_its_expected_grade_and_top_finding(reports, domain):
    report = reports[domain]
    assert (report["grade"], report["top_finding"]) == EXPECT[domain], report["grade_reason"]
    if report["grade"] is None:
        assert report["score"] is None and report["grade_reason"].endswith(".")
    else:
        assert 0 <= report["score"] <= 100


def test_bounce_risk_scenarios_grade_below_every_unprotected_scenario(reports):
    graded = [r for r in reports.values() if r["grade"]]
    bounce = [r["score"] for r in graded if r["grading"]["bounce_risk"]]
    unprotected = [r["score"] for r in graded if not r["grading"]["bounce_risk"]]
    assert bounce and unprotected and max(bounce) < min(unprotected)


def test_every_graded_finding_has_remediation_and_the_top_finding_leads(reports):
    for domain, report in reports.items():
        for finding in report["findings"]:
            assert finding["title"] and finding["remediation"] and finding["references"], (domain, finding["code"])
        if report["top_finding"]:
            assert report["findings"][0]["code"] == report["top_finding"], domain


def test_the_docs_table_matches_the_graded_scenarios(reports):
    current = gen.DOC.read_text()
    assert gen.render_doc(current, reports) == current, "run: python -m tests.tools.gen_grading_table"
