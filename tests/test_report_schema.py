"""docs/report.schema.json: every real report validates, broken ones do not.

The schema (JSON Schema draft 2020-12) describes the full report of
checker.pipeline.full_report: the contract (docs/report-contract.md) with its exact
status words, plus the fields we add (docs/report-additions.md). Real reports come from
every scenario of the test network (engine, then grading); the negative cases are
hand-made edits of a valid report.
"""
import copy
import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from checker import grading
from checker.engine import findings as findings_mod
from checker.engine import registry
from checker.engine.mta_sts.fetch import FETCH_ERRORS
from checker.engine.registry import PROTOCOLS
from tests.test_catalogue_coverage import CONTRACT_WORDS

SCHEMA_PATH = Path(__file__).resolve().parent.parent / "docs" / "report.schema.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text())
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER)


def problems(report) -> list[str]:
    return [f"{error.json_path}: {error.message[:300]}" for error in VALIDATOR.iter_errors(report)]


# --- a valid report built without the network -----------------------------------------

def sample_report() -> dict:
    """One MX host with STARTTLS, DANE and MTA-STS, graded: every section populated."""
    mx = "mx1.example.fi"
    report = {
        "domain": "example.fi", "input": "Example.FI.", "checked_at": "2026-01-02T03:04:05Z", "duration_ms": 812,
        "grade": None, "score": None,
        "dnssec": {"status": "secure", "ds_present": True, "reason": None, "resolver_validates": True},
        "mx": {"status": "present", "rrset_dnssec": "secure", "reason": None, "unchecked": [],
               "hosts": [{"name": mx, "preference": 10, "addresses": ["192.0.2.25"], "dnssec": "secure",
                          "canonical_name": None, "implicit": False}]},
        "dane": {"status": "all", "verified": "all",
                 "hosts": [{"name": mx, "tlsa": "valid", "records": ["3 1 1 " + "ab" * 32], "match": "pass",
                            "match_detail": "3 1 1 matches the leaf key", "tlsa_base_domain": mx}]},
        "starttls": {"hosts": [{"name": mx, "address": "192.0.2.25", "status": "ok", "tls_version": "TLSv1.3",
                                "cipher": "TLS_AES_256_GCM_SHA384", "error": None,
                                "certificate": {"subject": f"CN={mx}", "names": [mx], "issuer": "CN=Test CA",
                                                "not_after": "2027-01-01T00:00:00Z", "webpki_valid": True,
                                                "webpki_error": None}}]},
        "mta_sts": {"status": "valid",
                    "record": {"status": "valid", "id": "20260101T000000", "raw": ["v=STSv1; id=20260101T000000"],
                               "errors": []},
                    "policy_host": {"status": "resolves", "addresses": ["192.0.2.80"]},
                    "policy": {"status": "valid", "fetch_error": None, "http_status": 200, "mode": "enforce",
                               "max_age": 1209600, "mx": [mx], "errors": []},
                    "mx_coverage": {"covered": [mx], "uncovered": []}},
        "tls_rpt": {"status": "valid", "rua": ["mailto:tls@example.fi"], "raw": ["v=TLSRPTv1; rua=mailto:tls@example.fi"],
                    "errors": []},
        "findings": [
            {"code": "dnssec.secure", "severity": "pass", "protocol": "dnssec", "detail": "signed",
             "subject": "example.fi", "data": {}},
            {"code": "mta_sts.max_age.short", "severity": "info", "protocol": "mta_sts", "detail": "short",
             "subject": None, "data": {"max_age": 1209600, "nested": {"any": ["thing"]}}},
        ],
    }
    return grading.grade_report(report)


def error_report() -> dict:
    """Every part failed: the engine's fallback sections (each protocol's error_section)."""
    report = {"domain": "example.fi", "input": "example.fi", "checked_at": "2026-01-02T03:04:05Z",
              "duration_ms": 15000, "grade": None, "score": None,
              **{p.name: p.error_section() for p in PROTOCOLS},
              "findings": [{"code": f"{p.name}.incomplete", "severity": "warn", "protocol": p.name,
                            "detail": "did not finish", "subject": "example.fi", "data": {}} for p in PROTOCOLS]}
    return grading.grade_report(report)


def test_the_schema_is_a_valid_draft_2020_12_schema():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("make", [sample_report, error_report])
def test_hand_made_reports_validate(make):
    assert problems(make()) == []


def test_every_scenario_report_validates(fakenet):
    domains = [scenario.domain for scenario in fakenet.scenarios]
    reports = fakenet.reports(domains)
    failed = {}
    for domain in domains:
        found = problems(grading.grade_report(reports[domain]))
        if found:
            failed[domain] = found
    assert len(reports) == len(domains) > 100
    assert failed == {}, json.dumps(failed, indent=1)


# --- broken reports are rejected ---------------------------------------------------------

def _set(report, path, value):
    *parents, last = path
    target = report
    for key in parents:
        target = target[key]
    target[last] = value


def _delete(report, path):
    *parents, last = path
    target = report
    for key in parents:
        target = target[key]
    del target[last]


WRONG_WORDS = [
    (("dnssec", "status"), "signed"),
    (("mx", "status"), "ok"),
    (("mx", "hosts", 0, "dnssec"), "unsigned"),
    (("dane", "status"), "partial"),
    (("dane", "verified"), "yes"),
    (("dane", "hosts", 0, "tlsa"), "missing"),
    (("dane", "hosts", 0, "match"), "not_tested"),
    (("starttls", "hosts", 0, "status"), "not_offered"),
    (("mta_sts", "status"), "missing"),
    (("mta_sts", "record", "status"), "none"),
    (("mta_sts", "policy_host", "status"), "resolved"),
    (("mta_sts", "policy", "status"), "fetch_error"),
    (("mta_sts", "policy", "fetch_error"), "http_status"),
    (("mta_sts", "policy", "mode"), "enforcing"),
    (("tls_rpt", "status"), "present"),
    (("findings", 0, "severity"), "error"),
    (("findings", 0, "protocol"), "tls"),
    (("grade",), "A-"),
    (("score",), 101),
    (("grading", "bounce_risk"), ["mail_lost"]),
]


@pytest.mark.parametrize("path, value", WRONG_WORDS, ids=[".".join(map(str, p)) for p, _ in WRONG_WORDS])
def test_a_wrong_status_word_or_value_is_rejected(path, value):
    report = sample_report()
    _set(report, path, value)
    assert problems(report)


MISSING = [
    ("domain",), ("checked_at",), ("grade",), ("score",), ("dnssec",), ("findings",),
    ("dnssec", "ds_present"), ("dnssec", "reason"), ("mx", "hosts"), ("mx", "hosts", 0, "preference"),
    ("dane", "verified"), ("dane", "hosts", 0, "records"), ("starttls", "hosts"),
    ("starttls", "hosts", 0, "tls_version"), ("starttls", "hosts", 0, "certificate", "webpki_error"),
    ("mta_sts", "record", "id"), ("mta_sts", "policy", "fetch_error"), ("mta_sts", "mx_coverage", "uncovered"),
    ("tls_rpt", "raw"), ("findings", 0, "title"), ("findings", 0, "remediation"), ("findings", 0, "references"),
]


@pytest.mark.parametrize("path", MISSING, ids=[".".join(map(str, p)) for p in MISSING])
def test_a_missing_contract_field_is_rejected(path):
    report = sample_report()
    _delete(report, path)
    assert problems(report)


@pytest.mark.parametrize("path", [
    ("grade_reason",), ("top_finding",), ("grading",), ("dnssec", "resolver_validates"), ("mx", "rrset_dnssec"),
    ("mx", "hosts", 0, "canonical_name"), ("dane", "hosts", 0, "tlsa_base_domain"), ("starttls", "hosts", 0, "cipher"),
    ("mta_sts", "record", "errors"), ("tls_rpt", "errors"), ("findings", 0, "data"), ("findings", 0, "explanation"),
])
def test_added_fields_are_optional(path):
    report = sample_report()
    _delete(report, path)
    assert problems(report) == []


@pytest.mark.parametrize("path", [
    ("grdae",), ("dnssec", "ds_presnt"), ("mx", "hosts", 0, "adresses"), ("dane", "hosts", 0, "matches"),
    ("starttls", "hosts", 0, "certificate", "not_before"), ("mta_sts", "policy", "max-age"),
    ("tls_rpt", "ruas"), ("findings", 0, "severty"), ("grading", "controls", "dane_all"),
])
def test_a_misspelt_field_is_rejected(path):
    report = sample_report()
    _set(report, path, "x")
    assert problems(report)


def test_finding_data_stays_open():
    report = sample_report()
    report["findings"][0]["data"] = {"anything": {"deeply": [1, None, "nested"]}, "new_key": True}
    assert problems(report) == []


def test_more_consistency_rules():
    report = sample_report()
    report["findings"][0]["code"] = "mx.secure"        # protocol dnssec
    assert problems(report)
    report = sample_report()
    report["grade"] = None                             # score still an integer
    assert problems(report)
    report = sample_report()
    report["checked_at"] = "2026-01-02 03:04:05+02:00"
    assert problems(report)
    report = sample_report()
    report["domain"] = "Example.FI."
    assert problems(report)


# --- the schema's word lists are the contract's and the code's -------------------------

def _schema_at(path: str) -> dict:
    """The subschema for a contract path like "dane.hosts[*].tlsa", following $ref."""
    node = SCHEMA
    for part in path.replace("[*]", ".[*]").split("."):
        node = _deref(node)
        node = _deref(node["items"]) if part == "[*]" else _deref(node["properties"][part])
    return node


def _deref(node: dict) -> dict:
    while "$ref" in node and node["$ref"].startswith("#/$defs/"):
        node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[1]]
    return node


def _words(node: dict) -> set:
    if "enum" in node:
        return set(node["enum"]) - {None}
    return set().union(*(_words(_deref(option)) for option in node.get("anyOf", [])))


@pytest.mark.parametrize("path", sorted(CONTRACT_WORDS))
def test_status_words_are_exactly_the_contracts(path):
    assert _words(_schema_at(path)) == set(CONTRACT_WORDS[path])


def test_enums_follow_the_code():
    assert _words(_schema_at("findings[*].severity")) == set(findings_mod.SEVERITIES)
    assert _words(_schema_at("findings[*].protocol")) == set(registry.NAMES)
    assert _words(_schema_at("mta_sts.policy.fetch_error")) == set(FETCH_ERRORS)
    assert _words(_schema_at("grade")) == {grade for grade, _ in grading.GRADE_BANDS}
    assert _words(_schema_at("grading.bounce_risk[*]")) == {name for name, _ in grading.BOUNCE_CONDITIONS}
    assert _words(_schema_at("grading.required_missing[*]")) == set(error_report()["grading"]["required_missing"])
    controls = _schema_at("grading.controls")
    assert set(controls["required"]) == set(controls["properties"]) == set(sample_report()["grading"]["controls"])
