"""The golden test: every scenario of the test network, checked end to end.

For each scenario of the catalogue (tests/fakenet/network.py catalogue(): scenarios.py,
scenarios_mta_sts.py, scenarios_grading.py), check_domain must produce a report that
(1) speaks the contract's vocabulary (docs/report-contract.md) and (2) meets every
`expect` path the scenario declares.
"""
import json

import pytest

from tests.fakenet.expect import get_path, mismatches
from tests.fakenet.network import catalogue

CASES = [scenario for scenario in catalogue() if not scenario.infrastructure]

SECURITY = {"secure", "insecure", "bogus", "error"}
VOCABULARY = {
    "dnssec.status": SECURITY,
    "mx.status": {"present", "none", "null", "invalid", "nxdomain", "error"},
    "dane.status": {"all", "some", "none", "invalid", "not-applicable", "error"},
    "starttls.status": {"ok", "partial", "failed", "none", "error"},   # an addition (docs/report-additions.md)
    "dane.verified": {"all", "some", "none", "not-tested"},
    "mta_sts.status": {"valid", "invalid", "none", "error"},
    "mta_sts.record.status": {"valid", "invalid", "missing", "multiple", "error"},
    "mta_sts.policy_host.status": {"resolves", "missing", "error"},
    "mta_sts.policy.status": {"valid", "invalid", "fetch-error", "not-fetched"},
    "mta_sts.policy.fetch_error": {None, "dns", "tcp", "timeout", "tls", "certificate", "http-status", "redirect",
                                   "content-type", "too-large", "other"},
    "mta_sts.policy.mode": {"enforce", "testing", "none", None},
    "tls_rpt.status": {"valid", "invalid", "none", "multiple", "error"},
}
HOST_VOCABULARY = {
    "mx": {"dnssec": SECURITY},
    "dane": {"tlsa": {"valid", "unusable", "invalid", "none", "insecure", "bogus", "error"},
             "match": {"pass", "fail", "not-tested"}},
    "starttls": {"status": {"ok", "not-offered", "handshake-failed", "unreachable", "refused-address", "skipped"}},
}


def contract_problems(report: dict) -> list[str]:
    problems = []
    for path, allowed in VOCABULARY.items():
        value = get_path(report, path, default="<missing>")
        if value not in allowed:
            problems.append(f"{path} = {value!r}")
    for section, fields in HOST_VOCABULARY.items():
        for index, host in enumerate(report[section].get("hosts", [])):
            for name, allowed in fields.items():
                if host.get(name) not in allowed:
                    problems.append(f"{section}.hosts[{index}].{name} = {host.get(name)!r}")
    if not isinstance(report["dnssec"].get("ds_present"), bool):
        problems.append("dnssec.ds_present is not a boolean")
    hosts = report["mx"]["hosts"]
    if hosts != sorted(hosts, key=lambda h: (h["preference"], h["name"])):
        problems.append("mx.hosts are not sorted by preference then name")
    for finding in report["findings"]:
        if finding["severity"] not in ("fail", "warn", "info", "pass"):
            problems.append(f"finding {finding['code']} has severity {finding['severity']!r}")
        if not finding["code"].startswith(finding["protocol"] + "."):
            problems.append(f"finding {finding['code']} is not under its protocol {finding['protocol']}")
    return problems


@pytest.fixture(scope="module")
def reports(fakenet):
    """Every scenario checked once, several at a time (the slow ones wait on silent servers)."""
    return fakenet.reports([s.domain for s in CASES]).__getitem__


@pytest.mark.parametrize("scenario", CASES, ids=[s.domain for s in CASES])
def test_scenario_report_meets_every_expectation(scenario, reports):
    report = reports(scenario.domain)
    json.dumps(report)
    assert contract_problems(report) == []
    assert report["domain"] == scenario.domain
    assert mismatches(report, dict(scenario.expect)) == {}, scenario.description
