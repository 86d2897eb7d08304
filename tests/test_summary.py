"""checker/summary.py: the statistics columns of one report, and their back-fill migration."""
import importlib

import pytest
from django.apps import apps

from checker.models import Check
from checker.summary import summarise
from tests.report_factory import HostSpec, ReportSpec, build, perfect, with_host


def test_a_perfect_report_summarises_to_every_good_word():
    assert summarise(build(perfect(2))) == {
        "ds_present": True, "starttls_coverage": "all", "tls_version_min": "TLSv1.3", "webpki_coverage": "all",
        "dane_verified": "all", "mta_sts_host": "resolves", "mta_sts_policy": "valid", "mta_sts_fetch_error": "",
        "mta_sts_mode": "enforce", "mta_sts_record": "valid", "finding_codes": [],
    }


def test_starttls_coverage_counts_only_servers_that_answered():
    spec = with_host(perfect(3), 1, starttls="not-offered")
    spec = with_host(spec, 2, starttls="unreachable")
    assert summarise(build(spec))["starttls_coverage"] == "some"
    spec = with_host(with_host(perfect(2), 0, starttls="handshake-failed"), 1, starttls="unreachable")
    assert summarise(build(spec))["starttls_coverage"] == "none"
    spec = with_host(with_host(perfect(2), 0, starttls="unreachable"), 1, starttls="unreachable")
    assert summarise(build(spec))["starttls_coverage"] == "unreachable"
    assert summarise(build(ReportSpec(mx_status="null", hosts=())))["starttls_coverage"] == "not-applicable"
    report = build(perfect(1))
    report["starttls"] = {"status": "error", "hosts": []}
    assert summarise(report)["starttls_coverage"] == "error"


def test_the_oldest_tls_version_and_webpki_coverage_are_per_domain():
    spec = with_host(perfect(2), 1, tls_version="TLSv1.2", webpki=False)
    values = summarise(build(spec))
    assert values["tls_version_min"] == "TLSv1.2"
    assert values["webpki_coverage"] == "some"
    report = build(perfect(1))
    report["starttls"]["hosts"][0]["tls_version"] = "TLSv9"
    assert summarise(report)["tls_version_min"] == "other"
    no_tls = with_host(perfect(1), 0, starttls="not-offered")
    assert summarise(build(no_tls))["tls_version_min"] == ""
    assert summarise(build(no_tls))["webpki_coverage"] == "not-tested"


def test_mta_sts_columns_come_from_the_policy_record_and_host():
    report = build(ReportSpec(hosts=(HostSpec(),), sts="invalid"))
    report["mta_sts"]["policy"].update(status="fetch-error", fetch_error="certificate", mode="enforce")
    values = summarise(report)
    assert (values["mta_sts_host"], values["mta_sts_policy"], values["mta_sts_fetch_error"]) == \
        ("resolves", "fetch-error", "certificate")
    assert values["mta_sts_mode"] == ""   # a mode counts only from a valid policy
    none = summarise(build(ReportSpec(sts="none")))
    assert (none["mta_sts_host"], none["mta_sts_record"], none["mta_sts_policy"]) == ("missing", "missing", "not-fetched")


def test_finding_codes_are_the_distinct_fail_and_warn_codes_sorted():
    spec = ReportSpec(findings=(("tls_rpt.missing", "warn"), ("dane.none", "fail"), ("dane.none", "fail"),
                                ("mx.present", "pass"), ("dnssec.secure", "info")))
    assert summarise(build(spec))["finding_codes"] == ["dane.none", "tls_rpt.missing"]


@pytest.mark.parametrize("odd", [{}, {"dnssec": "x", "starttls": [1], "mta_sts": {"policy": "no"}, "findings": "x"},
                                 {"mta_sts": {"policy_host": {"status": "y" * 500}}, "findings": [{"code": 5}, None]}])
def test_an_odd_report_gives_empty_values_never_an_error(odd):
    values = summarise(odd)
    assert values["ds_present"] is None
    assert values["finding_codes"] == []
    assert all(values[key] in ("", "not-applicable", "not-tested") for key in values
               if key not in ("ds_present", "finding_codes"))


@pytest.mark.django_db
def test_the_migration_back_fills_existing_checks_from_their_reports():
    migration = importlib.import_module("checker.migrations.0004_summary_columns")
    check = Check(domain="example.fi", input="example.fi", status=Check.Status.DONE)
    check.apply_report(build(with_host(perfect(2), 1, tls_version="TLSv1.2")))
    check.save()
    Check.objects.filter(pk=check.pk).update(ds_present=None, tls_version_min="", mta_sts_mode="", finding_codes=[])
    Check.objects.create(domain="queued.fi", input="queued.fi")   # no report: left alone
    migration.backfill(apps, None)
    check.refresh_from_db()
    assert (check.ds_present, check.tls_version_min, check.mta_sts_mode) == (True, "TLSv1.2", "enforce")
    assert Check.objects.get(domain="queued.fi").starttls_coverage == ""
