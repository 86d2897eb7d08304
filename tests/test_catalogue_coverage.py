"""Every status word of the report contract is produced by at least one scenario of the
catalogue (tests/fakenet/network.py catalogue()).

The table below is the contract's vocabulary (docs/report-contract.md). A scenario
"produces" a word when its `expect` claims that value at that path; list indices are
ignored (dane.hosts[1].tlsa counts for dane.hosts[*].tlsa). Run with -s to print the
word -> scenarios listing.
"""
import re

from tests.fakenet.expect import get_path, mismatches
from tests.fakenet.network import catalogue

INFRASTRUCTURE = [s for s in catalogue() if s.infrastructure]
SCENARIOS = [s for s in catalogue() if not s.infrastructure]

CONTRACT_WORDS = {
    "dnssec.status": ["secure", "insecure", "bogus", "error"],
    "mx.status": ["present", "none", "null", "invalid", "nxdomain", "error"],
    "mx.hosts[*].dnssec": ["secure", "insecure", "bogus", "error"],
    "dane.status": ["all", "some", "none", "invalid", "not-applicable", "error"],
    "dane.hosts[*].tlsa": ["valid", "unusable", "invalid", "none", "insecure", "bogus", "error"],
    "dane.hosts[*].match": ["pass", "fail", "not-tested"],
    "dane.verified": ["all", "some", "none", "not-tested"],
    "starttls.hosts[*].status": ["ok", "not-offered", "handshake-failed", "unreachable", "refused-address", "skipped"],
    "mta_sts.status": ["valid", "invalid", "none", "error"],
    "mta_sts.record.status": ["valid", "invalid", "missing", "multiple", "error"],
    "mta_sts.policy_host.status": ["resolves", "missing", "error"],
    "mta_sts.policy.status": ["valid", "invalid", "fetch-error", "not-fetched"],
    "mta_sts.policy.fetch_error": ["dns", "tcp", "timeout", "tls", "certificate", "http-status", "redirect",
                                   "content-type", "too-large", "other"],
    "mta_sts.policy.mode": ["enforce", "testing", "none"],
    "tls_rpt.status": ["valid", "invalid", "none", "multiple", "error"],
}
# Paths an `expect` may name besides the ones above (values not drawn from a word list).
OTHER_PATHS = {"dnssec.ds_present", "grade", "mx.hosts[*].name", "mx.hosts[*].preference",
               "starttls.hosts[*].certificate.webpki_valid", "mta_sts.policy.max_age", "mta_sts.record.id",
               "mta_sts.policy.http_status", "mta_sts.policy.mx", "mta_sts.mx_coverage", "tls_rpt.rua",
               "dane.hosts[*].tlsa_base_domain", "starttls.hosts[*].name", "starttls.hosts[*].address",
               "dane.hosts[*].unmatched_records",
               "starttls.status"}  # an addition (docs/report-additions.md); its words: tests/test_scenarios.py


def _generic(path):
    return re.sub(r"\[\d+\]", "[*]", path)


def coverage():
    table = {(path, word): [] for path, words in CONTRACT_WORDS.items() for word in words}
    for scenario in SCENARIOS:
        for path, value in scenario.expect.items():
            if isinstance(value, (str, type(None))) and (_generic(path), value) in table:
                table[(_generic(path), value)].append(scenario.domain)
    return table


def test_every_contract_status_word_is_produced_by_a_scenario():
    table = coverage()
    width = max(len(f"{p} = {w}") for p, w in table)
    print()
    for (path, word), domains in table.items():
        print(f"{path + ' = ' + word:<{width}}  {', '.join(domains)}")
    missing = [f"{path} = {word}" for (path, word), domains in table.items() if not domains]
    assert not missing, f"no scenario produces: {missing}"


def test_expectations_name_only_contract_paths_and_words():
    for scenario in SCENARIOS:
        for path, value in scenario.expect.items():
            generic = _generic(path)
            assert generic in CONTRACT_WORDS or generic in OTHER_PATHS, (scenario.domain, path)
            if generic in CONTRACT_WORDS and value is not None:
                assert value in CONTRACT_WORDS[generic], (scenario.domain, path, value)


def test_every_scenario_is_described_and_claims_something():
    for scenario in SCENARIOS:
        assert scenario.description and scenario.expect, scenario.domain


def test_domains_and_host_names_are_unique():
    domains = [s.domain for s in (*INFRASTRUCTURE, *SCENARIOS)]
    hosts = [h.name for s in (*INFRASTRUCTURE, *SCENARIOS) for h in s.hosts]
    assert len(domains) == len(set(domains)) and len(hosts) == len(set(hosts))


def test_get_path_walks_dicts_and_lists():
    report = {"dane": {"hosts": [{"tlsa": "valid"}, {"tlsa": "none"}]}, "grade": None}
    assert get_path(report, "dane.hosts[1].tlsa") == "none"
    assert get_path(report, "grade") is None
    assert mismatches(report, {"dane.hosts[0].tlsa": "valid", "dane.hosts[2].tlsa": "none"}) == {
        "dane.hosts[2].tlsa": ("none", None)}
