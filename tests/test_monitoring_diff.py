"""checker/monitoring/diff.py: the words for each kind of change between two reports."""
import copy

from checker.monitoring.diff import compare
from tests.web_samples import SCRIPT, full_report


def changed(mutate, base=None):
    old = base or full_report()
    new = copy.deepcopy(old)
    mutate(new)
    return compare(old, new)


def texts(changes):
    return [c.text for c in changes]


def test_identical_reports_have_no_changes():
    assert compare(full_report(), full_report()) == []


def test_a_grade_drop_is_worded_and_counts_as_worse():
    [change] = changed(lambda r: r.update(grade="F"))
    assert change.text == "The grade dropped from C to F." and change.worse and change.section == "grade"
    [up] = changed(lambda r: r.update(grade="A"))
    assert up.text == "The grade rose from C to A." and not up.worse


def test_dnssec_status_and_ds_changes():
    def mutate(r):
        r["dnssec"].update(status="bogus", ds_present=False)
    result = changed(mutate)
    assert "DNSSEC: the status changed from secure to bogus." in texts(result)
    assert "The DS record at the parent is gone." in texts(result)
    assert all(c.worse for c in result)


def test_mx_hosts_added_and_removed_and_their_dnssec():
    def mutate(r):
        r["mx"]["hosts"][1] = {"name": "mx2.example.fi", "preference": 20, "addresses": [], "dnssec": "secure"}
        r["mx"]["hosts"][0]["dnssec"] = "bogus"
    result = texts(changed(mutate))
    assert "MX host mx2.example.fi was added." in result
    assert "MX host mx.provider.example was removed." in result
    assert "The address records of mx1.example.fi are now bogus (were secure)." in result


def test_starttls_status_key_and_certificate_changes():
    def mutate(r):
        host = r["starttls"]["hosts"][0]
        host["status"] = "handshake-failed"
    [change] = [c for c in changed(mutate) if c.section == "starttls" and "mx1" in c.text]
    assert change.text == "mx1.example.fi (192.0.2.25): STARTTLS is now handshake-failed (was ok)."
    assert change.worse and change.code == "starttls.handshake_failed"

    base = full_report()
    base["starttls"]["hosts"][0]["certificate"]["spki_sha256"] = "aa" * 32

    def new_key(r):
        r["starttls"]["hosts"][0]["certificate"]["spki_sha256"] = "bb" * 32
    assert any(t.startswith("mx1.example.fi now presents a different key (SHA-256 bbbbbbbbbbbbbbbb…; was aaaa")
               for t in texts(changed(new_key, base)))

    def invalid(r):
        r["starttls"]["hosts"][0]["certificate"]["webpki_valid"] = False
    assert ("mx1.example.fi now presents a certificate that is not valid for its name or not from a trusted CA."
            in texts(changed(invalid)))


def test_dane_match_failure_names_the_host_and_points_at_the_fix():
    def mutate(r):
        r["dane"]["hosts"][0]["match"] = "fail"
        r["dane"]["verified"] = "none"
    [change] = [c for c in changed(mutate) if c.section == "dane"]
    assert change.text == "mx1.example.fi now presents a certificate whose key matches no TLSA record."
    assert change.worse and change.subject == "mx1.example.fi" and change.code == "dane.match.fail"


def test_dane_records_and_tlsa_status_changes():
    def mutate(r):
        r["dane"]["hosts"][0]["records"] = ["3 1 1 " + "cd" * 32]
        r["dane"]["hosts"][0]["tlsa"] = "bogus"
        r["dane"]["status"] = "invalid"
    result = changed(mutate)
    assert "DANE: the status changed from some to invalid." in texts(result)
    assert "mx1.example.fi: its TLSA records are now bogus (were valid)." in texts(result)
    assert "mx1.example.fi: TLSA record 3 1 1 cdcdcdcdcdcdcdcdcd… was added." in texts(result)
    assert "mx1.example.fi: TLSA record 3 1 1 ababababababababab… was removed." in texts(result)


def test_mta_sts_id_mode_policy_file_and_coverage_changes():
    base = full_report()
    base["mta_sts"]["policy"].update(status="valid", fetch_error=None, mode="testing", mx=["mx1.example.fi"],
                                     sha256="11" * 32)

    def mutate(r):
        r["mta_sts"]["record"]["id"] = "20260101"
        r["mta_sts"]["policy"].update(mode="enforce", mx=["mx1.example.fi", "*.example.fi"], sha256="22" * 32)
        r["mta_sts"]["mx_coverage"]["uncovered"] = ["mx.provider.example"]
    result = changed(mutate, base)
    assert "The _mta-sts record's id changed from 20250101 to 20260101." in texts(result)
    assert "The policy mode changed from testing to enforce." in texts(result)
    assert "The policy now lists mx: *.example.fi." in texts(result)
    assert "The policy file changed." in texts(result)
    [uncovered] = [c for c in result if c.code == "mta_sts.mx.uncovered"]
    assert uncovered.text == "MX host mx.provider.example is not covered by the policy's mx lines."
    assert uncovered.worse  # under enforce, senders refuse that MX


def test_tls_rpt_reporting_address_changes():
    def mutate(r):
        r["tls_rpt"].update(status="valid", rua=["mailto:tls@example.fi"])
    result = texts(changed(mutate))
    assert "TLS-RPT: the status changed from none to valid." in result
    assert "TLS reports now also go to mailto:tls@example.fi." in result


def test_new_and_resolved_findings_are_listed_once():
    def mutate(r):
        r["findings"] = [f for f in r["findings"] if f["code"] != "tls_rpt.record.missing"]
        r["findings"].append({"code": "dane.rollover.single_record", "severity": "warn", "protocol": "dane",
                              "title": "No TLSA record for the next key", "subject": "mx1.example.fi"})
    result = texts(changed(mutate))
    assert "New warning: No TLSA record for the next key (mx1.example.fi)." in result
    assert "Resolved: No TLS-RPT record." in result


def test_hostile_and_partial_reports_give_changes_not_errors():
    hostile = full_report()
    hostile["mx"]["hosts"][0]["name"] = SCRIPT
    assert compare({}, hostile)  # everything is new
    assert compare({"dane": "not a dict", "mx": {"hosts": [None, 3]}}, {"grade": 5}) is not None
    assert any(SCRIPT in t for t in texts(compare(full_report(), hostile)))  # quoted as data; templates escape
