"""The statistics tables (checker/stats/tables.py) from hand-made summary rows: the thesis's
Tables 11-19 row definitions, and their rendering for the terminal (checker/stats/export.py)."""
import pytest

from checker.models import Check, Survey
from checker.stats import export, tables
from checker.stats.published import published


@pytest.fixture
def survey(db):
    survey = Survey.objects.create(name="hand-made")

    def add(count=1, **columns):
        base = {"ds_present": False, "dnssec_status": "insecure", "mx_status": "present", "dane_status": "none",
                "mta_sts_host": "missing", "mta_sts_policy": "not-fetched", "mta_sts_record": "missing",
                "tls_rpt_status": "none"}
        Check.objects.bulk_create(Check(domain=f"d{Check.objects.count()}-{i}.fi", input="x", status="done",
                                        source="survey", survey=survey, **{**base, **columns}) for i in range(count))
    survey.add = add
    return survey


def computed(survey):
    result, _values = tables.compute(Check.objects.filter(survey=survey))
    return {t.key: {row.key: row for row in t.rows} for t in result}


def counts(rows):
    return {key: row.count for key, row in rows.items()}


def test_table_11_takes_out_bogus_domains_and_failed_mx_lookups_before_the_mx_rows(survey):
    survey.add(5)                                                   # no DS: not in the DANE tree
    survey.add(2, ds_present=True, dnssec_status="bogus", mx_status="error")
    survey.add(1, ds_present=True, dnssec_status="error", mx_status="error")
    survey.add(3, ds_present=True, dnssec_status="secure", mx_status="none", dane_status="not-applicable")
    survey.add(2, ds_present=True, dnssec_status="secure", mx_status="null", dane_status="not-applicable")
    survey.add(4, ds_present=True, dnssec_status="secure", dane_status="all")
    survey.add(1, ds_present=True, dnssec_status="secure", dane_status="some")
    survey.add(1, ds_present=True, dnssec_status="secure", dane_status="invalid")
    survey.add(2, ds_present=True, dnssec_status="secure", dane_status="none")
    survey.add(1, ds_present=True, dnssec_status="secure", mx_status="invalid", dane_status="not-applicable")
    survey.add(1, ds_present=True, dnssec_status="secure", dane_status="error")
    dane = computed(survey)["dane"]
    got = counts(dane)
    assert {k: got[k] for k in ("domains", "ds", "bogus", "mx_error", "mx_missing", "mx_exists", "mx_null",
                                "mx_not_null", "tlsa_error", "tlsa_none", "tlsa_configured", "tlsa_all",
                                "tlsa_some", "tlsa_invalid", "dane", "dane_of_all")} == {
        "domains": 23, "ds": 18, "bogus": 2, "mx_error": 1, "mx_missing": 3, "mx_exists": 12, "mx_null": 2,
        "mx_not_null": 10, "tlsa_error": 1, "tlsa_none": 3, "tlsa_configured": 6, "tlsa_all": 4, "tlsa_some": 1,
        "tlsa_invalid": 1, "dane": 5, "dane_of_all": 5}
    # The thesis's partitions: DS = bogus + MX failed + no MX + MX exists; MX not null = the TLSA rows.
    assert got["ds"] == got["bogus"] + got["mx_error"] + got["mx_missing"] + got["mx_exists"]
    assert got["mx_not_null"] == got["tlsa_error"] + got["tlsa_none"] + got["tlsa_configured"]
    row = dane["tlsa_all"]
    assert row.of_label == "TLSA records configured" and row.percent == pytest.approx(round(400 / 6, 2))


def test_table_13_counts_fetch_errors_among_domains_whose_policy_host_resolves(survey):
    survey.add(3)
    survey.add(1, mta_sts_host="error")
    survey.add(2, mta_sts_host="resolves", mta_sts_policy="fetch-error", mta_sts_fetch_error="certificate")
    survey.add(1, mta_sts_host="resolves", mta_sts_policy="fetch-error", mta_sts_fetch_error="timeout")
    survey.add(1, mta_sts_host="resolves", mta_sts_policy="invalid")
    survey.add(1, mta_sts_host="resolves", mta_sts_policy="valid", mta_sts_mode="enforce")
    survey.add(1, mta_sts_host="resolves")                          # the `dns` profile fetches no policy
    survey.add(1, mta_sts_host="missing", mta_sts_policy="fetch-error", mta_sts_fetch_error="dns")
    got = counts(computed(survey)["mta_sts"])
    assert got["sts_host_error"] == 1 and got["sts_host_missing"] == 4 and got["sts_host_exists"] == 6
    assert got["fetch_certificate"] == 2 and got["fetch_timeout"] == 1 and got["fetch_dns"] == 0
    assert got["policy_not_fetched"] == 1 and got["policy_received"] == 2
    assert got["policy_valid"] == 1 and got["mode_enforce"] == 1 and got["policy_invalid"] == 1
    fetched = sum(v for k, v in got.items() if k.startswith("fetch_"))
    assert got["sts_host_exists"] == fetched + got["policy_not_fetched"] + got["policy_received"]


def test_tables_15_to_19_combine_mta_sts_dane_and_tls_rpt(survey):
    dane = {"ds_present": True, "dnssec_status": "secure", "dane_status": "all"}
    sts = {"mta_sts_host": "resolves", "mta_sts_policy": "valid", "mta_sts_mode": "enforce", "mta_sts_record": "valid"}
    survey.add(2, **dane, **sts, tls_rpt_status="valid")
    survey.add(1, **dane, **sts)
    survey.add(3, **dane, tls_rpt_status="valid")
    survey.add(1, ds_present=True, dnssec_status="secure", dane_status="invalid")   # Table 17 counts it (4463)
    survey.add(1, **sts, tls_rpt_status="error")
    survey.add(1, mta_sts_record="valid")
    survey.add(1, mta_sts_host="resolves", mta_sts_policy="valid", mta_sts_mode="testing")
    tabs = computed(survey)
    sts_rows, combined = counts(tabs["mta_sts"]), counts(tabs["combinations"])
    assert sts_rows["sts_both"] == 4 and sts_rows["sts_txt_only"] == 1 and sts_rows["sts_file_only"] == 1
    assert combined == {"domains": 10, "dane_and_sts": 3, "dane_base": 7, "dane_no_tlsrpt": 2, "dane_tlsrpt": 5,
                        "sts_base": 4, "sts_no_tlsrpt": 1, "sts_tlsrpt_error": 1, "sts_tlsrpt": 2,
                        "both_base": 3, "both_no_tlsrpt": 1, "all_three": 2}


def test_the_terminal_rendering_shows_every_row_its_share_and_the_thesis_figure(survey):
    survey.add(4, ds_present=True, dnssec_status="secure", dane_status="all")
    result, _values = tables.compute(Check.objects.filter(survey=survey))
    rows = published(result, 1)
    text = export.as_text(rows)
    assert "DANE (thesis Tables 11 and 12)" in text and "DANE, MTA-STS and TLS-RPT (thesis Tables 16 to 19)" in text
    line = next(line for line in text.splitlines() if line.strip().startswith("TLSA FOR ALL MX"))
    assert line.split()[4:] == ["4", "100.00%", "of", "TLSA", "records", "configured", "[T11:", "4441,", "99.51%]"]
    lines = [line for line in text.splitlines() if line.startswith("  ")]
    assert len(lines) == sum(len(t["rows"]) for t in rows)
