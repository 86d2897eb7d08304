"""MTA-STS and TLS-RPT end to end: check_domain against the shared loopback test network.

The scenarios are tests/fakenet/scenarios_mta_sts.py's DOMAINS (five of them live in
scenarios.py); the session fixture `fakenet` (tests/conftest.py) serves the whole catalogue.
"""
import time

import pytest

from checker.engine.mta_sts import FETCH_ERRORS
from tests.fakenet.expect import mismatches
from tests.fakenet.network import catalogue
from tests.fakenet.scenarios_mta_sts import DOMAINS, EXPECTED_FINDINGS

BY_DOMAIN = {s.domain: s for s in catalogue()}
SCENARIOS = [BY_DOMAIN[domain] for domain in DOMAINS]


@pytest.fixture(scope="module")
def reports(fakenet):
    started = time.monotonic()
    done = fakenet.reports(DOMAINS, workers=4)
    return done, time.monotonic() - started


@pytest.mark.parametrize("scenario", SCENARIOS, ids=DOMAINS)
def test_each_scenario_reports_what_its_catalogue_entry_expects(reports, scenario):
    report = reports[0][scenario.domain]
    assert mismatches(report, dict(scenario.expect)) == {}, (report["mta_sts"], report["tls_rpt"])


@pytest.mark.parametrize("domain", sorted(EXPECTED_FINDINGS))
def test_each_scenario_emits_its_expected_findings(reports, domain):
    found = {(f["code"], f["severity"]) for f in reports[0][domain]["findings"]}
    assert EXPECTED_FINDINGS[domain] <= found, found


def _produced(path):
    return {s.expect[path] for s in SCENARIOS if path in s.expect}


@pytest.mark.parametrize("path, words", [
    ("mta_sts.status", {"valid", "invalid", "none", "error"}),
    ("mta_sts.record.status", {"valid", "invalid", "missing", "multiple", "error"}),
    ("mta_sts.policy_host.status", {"resolves", "missing", "error"}),
    ("mta_sts.policy.status", {"valid", "invalid", "fetch-error", "not-fetched"}),
    ("mta_sts.policy.fetch_error", set(FETCH_ERRORS) | {None}),
    ("tls_rpt.status", {"valid", "invalid", "none", "multiple", "error"}),
])
def test_every_contract_word_is_produced_by_some_asserted_scenario(path, words):
    assert _produced(path) == words


def test_a_trickling_policy_host_ends_as_a_timeout_and_the_check_time_is_printed(reports):
    report = reports[0]["sts-trickle.fi"]
    assert report["mta_sts"]["policy"]["fetch_error"] == "timeout"
    print(f"\nchecked {len(DOMAINS)} MTA-STS scenarios in {reports[1]:.1f} s (0 when another module checked them)")
