"""MTA-STS and TLS-RPT end to end: check_domain against the loopback test network.

The network runs on its own range (127.56.0.0/16, var/fakenet/127-56) with the shared
infrastructure plus tests/mta_sts_scenarios.py, so it never collides with other runs.
"""
import concurrent.futures as cf
import time

import pytest

from checker.engine.config import EngineConfig
from checker.engine.mta_sts import FETCH_ERRORS
from checker.engine.run import check_domain
from tests.fakenet.expect import mismatches
from tests.fakenet.network import Network, Settings
from tests.fakenet.scenarios import INFRASTRUCTURE
from tests.mta_sts_scenarios import EXPECTED_FINDINGS, SCENARIOS

NET = "127.56.0.0/16"


@pytest.fixture(scope="module")
def reports():
    network = Network(Settings(net=NET))
    network.scenarios = [*INFRASTRUCTURE, *SCENARIOS]
    env = network.up()
    try:
        config = EngineConfig.from_env(env)

        def run(scenario):
            started = time.monotonic()
            report = check_domain(scenario.domain, config)
            return scenario.domain, report, time.monotonic() - started

        with cf.ThreadPoolExecutor(max_workers=4) as pool:
            results = list(pool.map(run, SCENARIOS))
        yield {domain: report for domain, report, _ in results}, {domain: taken for domain, _, taken in results}
    finally:
        network.down()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.domain for s in SCENARIOS])
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


def test_a_trickling_policy_host_ends_as_a_timeout_and_check_times_are_printed(reports):
    report = reports[0]["sts-trickle.fi"]
    assert report["mta_sts"]["policy"]["fetch_error"] == "timeout"
    print("\ncheck times (s): " + ", ".join(f"{d} {t:.1f}" for d, t in sorted(reports[1].items(), key=lambda x: -x[1])))
