"""checker/monitoring/alerts.py on hand-made reports: what is worth a mail, with which fix."""
import copy
from datetime import datetime, timedelta, timezone

from checker.monitoring.alerts import alerts, mta_sts_warnings, rollover_warnings
from tests.web_samples import full_report

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)


def iso(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def dane_report(records=("3 1 1 " + "ab" * 32,), unmatched=(), expires_in=10, anchor_in=None):
    report = full_report()
    report["starttls"]["hosts"][0]["certificate"]["not_after"] = iso(NOW + timedelta(days=expires_in))
    host = report["dane"]["hosts"][0]
    host.update(records=list(records), unmatched_records=list(unmatched),
                trust_anchor_not_after=iso(NOW + timedelta(days=anchor_in)) if anchor_in is not None else None)
    return report


def test_a_first_check_with_nothing_about_to_break_gives_no_alert():
    assert alerts(None, dane_report(expires_in=60), NOW) == []


def test_only_changes_for_the_worse_are_alerts():
    old, new = full_report(), full_report()
    new["grade"] = "A"
    new["tls_rpt"].update(status="valid", rua=["mailto:a@example.fi"])
    assert alerts(old, new, NOW) == []
    worse = copy.deepcopy(old)
    worse["grade"] = "E"
    assert [a.text for a in alerts(old, worse, NOW)] == ["The grade dropped from C to E."]


def test_the_rollover_warning_needs_an_expiry_inside_the_window_and_no_next_key():
    [warning] = rollover_warnings(dane_report(expires_in=10), NOW, 21)
    assert warning.subject == "mx1.example.fi" and "expires on 2026-12-11 (in 10 days)" in warning.text
    assert "Generate the next key now" in warning.fix
    assert rollover_warnings(dane_report(expires_in=30), NOW, 21) == []
    assert rollover_warnings(dane_report(unmatched=("3 1 1 " + "cd" * 32,)), NOW, 21) == []


def test_a_report_from_an_engine_that_did_not_record_unmatched_records_gives_no_rollover_warning():
    report = dane_report()
    del report["dane"]["hosts"][0]["unmatched_records"]
    assert rollover_warnings(report, NOW, 21) == []


def test_a_dane_ta_record_survives_a_leaf_renewal_but_not_the_issuer_changing():
    ta = ("2 1 1 " + "ef" * 32,)
    assert rollover_warnings(dane_report(records=ta, expires_in=5, anchor_in=200), NOW, 21) == []
    [warning] = rollover_warnings(dane_report(records=ta, expires_in=5, anchor_in=7), NOW, 21)
    assert "The CA certificate that the DANE-TA record of mx1.example.fi names expires on 2026-12-08" in warning.text


def test_mta_sts_enforce_with_an_uncovered_mx_is_a_warning_with_the_policy_to_publish():
    report = full_report()
    report["mta_sts"]["policy"].update(status="valid", fetch_error=None, mode="enforce", mx=["mx1.example.fi"])
    report["mta_sts"]["mx_coverage"] = {"covered": ["mx1.example.fi"], "uncovered": ["mx.provider.example"]}
    [warning] = mta_sts_warnings(None, report)
    assert warning.subject == "mx.provider.example" and warning.code == "mta_sts.mx.uncovered"
    assert "List every MX host in the policy" in warning.fix
    report["mta_sts"]["policy"]["mode"] = "testing"
    assert mta_sts_warnings(None, report) == []


def test_a_changed_policy_file_under_the_same_id_is_a_warning_with_a_new_record():
    old = full_report()
    old["mta_sts"]["policy"].update(status="valid", fetch_error=None, mode="testing", sha256="11" * 32)
    new = copy.deepcopy(old)
    new["mta_sts"]["policy"]["sha256"] = "22" * 32
    [warning] = [a for a in alerts(old, new, NOW) if a.code == "monitor.mta_sts.id_unchanged"]
    assert "still 20250101" in warning.text and warning.records[0].startswith("_mta-sts.example.fi.")
    new["mta_sts"]["record"]["id"] = "20261201"
    assert not [a for a in alerts(old, new, NOW) if a.code == "monitor.mta_sts.id_unchanged"]


def test_one_problem_seen_as_a_change_and_as_a_warning_is_listed_once():
    old = full_report()
    old["mta_sts"]["policy"].update(status="valid", fetch_error=None, mode="enforce", mx=["*.example.fi"])
    new = copy.deepcopy(old)
    new["mta_sts"]["mx_coverage"]["uncovered"] = ["mx.provider.example"]
    found = [a for a in alerts(old, new, NOW) if a.code == "mta_sts.mx.uncovered"]
    assert len(found) == 1 and found[0].kind == "change"
