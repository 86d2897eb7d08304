"""DANE and STARTTLS end to end: check_domain against the loopback test network.

Runs the catalogue's scenarios that state DANE or STARTTLS expectations (plus the shared
infrastructure) on its own range, 127.55.0.0/16, so it never collides with other runs,
and checks the `dane` and `starttls` paths of each report (the other sections have
their own end-to-end tests).
"""
import concurrent.futures as cf

import pytest

from checker.engine.config import EngineConfig
from checker.engine.run import check_domain
from tests.fakenet.expect import mismatches
from tests.fakenet.network import Network, Settings, catalogue

NET = "127.55.0.0/16"
MINE = ("dane.", "starttls.")


# Findings a correct engine must emit (code, severity), beyond the contract paths.
EXPECTED_FINDINGS = {
    "dane-wrong-hash.fi": {("dane.match.fail", "fail")},
    "dane-bogus.fi": {("dane.tlsa.bogus", "fail"), ("dane.invalid", "fail")},
    "dane-insecure.fi": {("dane.tlsa.insecure", "warn")},
    "dane-pkix-only.fi": {("dane.tlsa.unusable", "fail")},
    "dane-mixed-usages.fi": {("dane.record.unusable", "warn"), ("dane.match.pass", "pass")},
    "dane-rollover.fi": {("dane.match.pass", "pass")},
    "dane-ok.fi": {("dane.rollover.single_record", "warn"), ("dane.all", "pass")},
    "dane-ta.fi": {("dane.record.not_recommended", "info")},
    "starttls-missing.fi": {("starttls.not_offered", "fail")},
    "starttls-broken.fi": {("starttls.handshake_failed", "fail")},
    "smtp-flood.fi": {("starttls.smtp_error", "warn")},
    "smtp-silent.fi": {("starttls.unreachable", "warn")},
    "dane-short-digest.fi": {("dane.tlsa.unusable", "fail")},
    "dane-malformed.fi": {("dane.tlsa.malformed", "fail")},
}

SCENARIOS = [s for s in catalogue() if not s.infrastructure
             and (s.domain in EXPECTED_FINDINGS or any(k.startswith(MINE) for k in s.expect))]
INFRASTRUCTURE = [s for s in catalogue() if s.infrastructure]


@pytest.fixture(scope="module")
def reports():
    network = Network(Settings(net=NET))
    network.scenarios = [*INFRASTRUCTURE, *SCENARIOS]
    env = network.up()
    try:
        config = EngineConfig.from_env(env)
        with cf.ThreadPoolExecutor(max_workers=4) as pool:
            done = pool.map(lambda s: (s.domain, check_domain(s.domain, config)), SCENARIOS)
            yield dict(done)
    finally:
        network.down()


def _mine(expect):
    return {path: value for path, value in expect.items() if path.startswith(MINE)}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.domain for s in SCENARIOS])
def test_each_scenario_reports_the_dane_and_starttls_its_catalogue_entry_expects(reports, scenario):
    report = reports[scenario.domain]
    assert mismatches(report, _mine(scenario.expect)) == {}, (report["dane"], report["starttls"])


@pytest.mark.parametrize("domain", sorted(EXPECTED_FINDINGS))
def test_each_scenario_emits_its_expected_findings(reports, domain):
    if domain not in reports:
        pytest.fail(f"{domain} is not in the catalogue any more")
    found = {(f["code"], f["severity"]) for f in reports[domain]["findings"]}
    assert EXPECTED_FINDINGS[domain] <= found, found


def test_failed_match_carries_the_key_to_publish(reports):
    failure = next(f for f in reports["dane-wrong-hash.fi"]["findings"] if f["code"] == "dane.match.fail")
    assert len(failure["data"]["spki_sha256"]) == 64
    assert failure["data"]["suggested_record"] == f"3 1 1 {failure['data']['spki_sha256']}"
