"""The thesis's tables from hand-made summary rows (checker/survey/tables.py)."""
import pytest

from checker.models import Check, Survey
from checker.survey import tables


def rows(**columns_by_count):
    return columns_by_count


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


def qs(survey):
    return Check.objects.filter(survey=survey)


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
    survey.add(1, ds_present=True, dnssec_status="secure", dane_status="error")
    t = tables.table_11(qs(survey))
    assert t.count(tables.ALL) == 22
    assert t.count("DNSSEC configured (DS at the parent)") == 17
    assert t.count("DNSSEC validation failed") == 2
    assert t.count("MX record DNS query timed out or failed") == 1
    assert t.count("no MX records configured") == 3
    assert t.count("MX records exist") == 11
    assert t.count("MX record is NULL") == 2 and t.count("MX record is not NULL") == 9
    assert t.count("TLSA query timed out or failed") == 1
    assert t.count("no TLSA records configured") == 2
    assert t.count("TLSA records configured") == 6
    assert t.count("TLSA record for all MX records") == 4
    row = next(r for r in t.rows if r.label == "TLSA record for all MX records")
    assert row.of == "TLSA records configured" and row.percent == pytest.approx(400 / 6)


def test_table_13_counts_fetch_errors_among_domains_whose_policy_host_resolves(survey):
    survey.add(3)
    survey.add(1, mta_sts_host="error")
    survey.add(2, mta_sts_host="resolves", mta_sts_policy="fetch-error", mta_sts_fetch_error="certificate")
    survey.add(1, mta_sts_host="resolves", mta_sts_policy="fetch-error", mta_sts_fetch_error="timeout")
    survey.add(1, mta_sts_host="resolves", mta_sts_policy="invalid")
    survey.add(1, mta_sts_host="resolves", mta_sts_policy="valid", mta_sts_mode="enforce")
    survey.add(1, mta_sts_host="missing", mta_sts_policy="fetch-error", mta_sts_fetch_error="dns")
    t = tables.table_13(qs(survey))
    assert t.count("DNS query timed out or failed") == 1
    assert t.count("no mta-sts A-record") == 4
    assert t.count(tables.HOST) == 5
    assert t.count("Certificate not trusted or name does not match") == 2
    assert t.count("Couldn't resolve hostname") == 0
    assert t.count(tables.RECEIVED) == 2
    assert t.count("Valid mta-sts.txt file") == 1 and t.count("mode enforce") == 1


def test_tables_15_to_19_combine_mta_sts_dane_and_tls_rpt(survey):
    dane = {"ds_present": True, "dnssec_status": "secure", "dane_status": "all"}
    sts = {"mta_sts_host": "resolves", "mta_sts_policy": "valid", "mta_sts_mode": "enforce", "mta_sts_record": "valid"}
    survey.add(2, **dane, **sts, tls_rpt_status="valid")
    survey.add(1, **dane, **sts)
    survey.add(3, **dane, tls_rpt_status="valid")
    survey.add(1, **sts, tls_rpt_status="error")
    survey.add(1, mta_sts_record="valid")
    survey.add(1, mta_sts_host="resolves", mta_sts_policy="valid", mta_sts_mode="testing")
    counts = tables.as_counts(tables.all_tables(qs(survey)))
    assert counts["15"]["Valid mta-sts.txt file AND _mta-sts TXT record"] == 4
    assert counts["15"]["Only valid _mta-sts TXT record"] == 1
    assert counts["15"]["Only valid mta-sts.txt file"] == 1
    assert counts["16"]["Domains with valid MTA-STS and DANE configuration"] == 3
    assert counts["17"] == {"Domains with DANE configured": 6, "TLS-RPT not configured": 1,
                            "DNS query timed out or failed": 0, "TLS-RPT configured": 5}
    assert counts["18"]["DNS query timed out or failed"] == 1
    assert counts["19"]["TLS-RPT configured"] == 2 and counts["19"]["TLS-RPT not configured"] == 1


def test_the_text_and_csv_renderings_show_every_row_with_its_share(survey):
    survey.add(4, ds_present=True, dnssec_status="secure", dane_status="all")
    result = tables.all_tables(qs(survey))
    text = tables.render_text(result)
    assert "Table 11. DANE statistics" in text and "100.00% of Number of domains" in text
    csv_rows = list(tables.csv_rows(result))
    assert csv_rows[0] == ("table", "title", "row", "count", "percent", "of")
    assert (11, "DANE statistics", "TLSA record for all MX records", 4, "100.00", "TLSA records configured") in csv_rows
    assert len(csv_rows) - 1 == sum(len(t.rows) for t in result)
