"""DANE and STARTTLS end to end: check_domain against the loopback test network.

Checks the `dane` and `starttls` paths of the reports of the catalogue's scenarios that
state DANE or STARTTLS expectations, on the shared session network (the other sections
have their own end-to-end tests).
"""
import pytest

from tests.fakenet.expect import mismatches
from tests.fakenet.network import catalogue

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
    "dual-stack-broken6.fi": {("starttls.unreachable", "warn")},
}

SCENARIOS = [s for s in catalogue() if not s.infrastructure
             and (s.domain in EXPECTED_FINDINGS or any(k.startswith(MINE) for k in s.expect))]


@pytest.fixture(scope="module")
def reports(fakenet):
    return fakenet.reports([s.domain for s in SCENARIOS], workers=4)


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
