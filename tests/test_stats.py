"""Staff statistics (checker/stats/): a population of hand-made reports with known counts,
every number on the page and in both exports, one row per domain, "< 5", filters, access."""
import csv
import datetime as dt
import html
import io
import json
import re
from dataclasses import replace

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from checker.models import Check
from checker.stats import latest, queries, tables
from tests.report_factory import HostSpec, ReportSpec, build, perfect, with_host
from tests.web_samples import make_check, plain_static  # noqa: F401

pytestmark = pytest.mark.django_db
CLIENT_HASH = "c0ffee" * 10


def _perfect(domain):
    report = build(perfect(2, domain=domain))
    report["grade"], report["score"] = "A+", 100
    return report


def _plain(domain):
    spec = ReportSpec(domain=domain, dnssec="insecure", sts="none", tls_rpt="none",
                      hosts=(HostSpec(tlsa="none", tls_version="TLSv1.2", webpki=False),),
                      findings=(("dnssec.insecure", "warn"), ("dane.none", "warn"), ("mta_sts.none", "warn"),
                                ("tls_rpt.missing", "warn"), ("starttls.certificate.untrusted", "info")))
    report = build(spec)
    report["grade"], report["score"] = "D", 40
    return report


def _null_mx(domain):
    report = build(ReportSpec(domain=domain, mx_status="null", hosts=(), sts="none", tls_rpt="none",
                              findings=(("mx.null", "info"),)))
    return report


def _partial(domain):
    spec = with_host(perfect(2, domain=domain), 1, tlsa="none", starttls="not-offered")
    spec = replace(spec, sts="invalid", findings=(("dane.partial", "warn"), ("starttls.not_offered", "fail"),
                                                  ("mta_sts.policy.certificate", "fail")))
    report = build(spec)
    report["mta_sts"]["policy"].update(status="fetch-error", fetch_error="certificate", http_status=None)
    report["grade"], report["score"] = "C", 60
    return report


def _bogus(domain):
    report = build(ReportSpec(domain=domain, dnssec="bogus", mx_status="error", hosts=(), sts="none", tls_rpt="none",
                              findings=(("dnssec.bogus", "fail"), ("mx.error", "fail"))))
    report["mta_sts"]["policy_host"]["status"] = "error"
    report["mta_sts"]["record"]["status"] = "error"
    report["grade"], report["score"] = "F", 0
    return report


def _testing(domain):
    spec = ReportSpec(domain=domain, dnssec="insecure", mode="testing", tls_rpt="none", hosts=(HostSpec(tlsa="none"),),
                      findings=(("mta_sts.record.invalid", "fail"), ("mta_sts.mode.testing", "warn"),
                                ("dane.none", "warn"), ("tls_rpt.missing", "warn")))
    report = build(spec)
    report["mta_sts"]["record"]["status"] = "invalid"
    report["grade"], report["score"] = "D", 45
    return report


GROUPS = {"a": (_perfect, 10), "b": (_plain, 20), "c": (_null_mx, 6), "d": (_partial, 7), "e": (_bogus, 3),
          "f": (_testing, 5)}


def _at(check, when):
    Check.objects.filter(pk=check.pk).update(created_at=when, finished_at=when)
    latest.refresh(check.domain)   # update() bypasses the save signal


@pytest.fixture
def population():
    """51 domains (names all contain "zqx"); group e checked 3 days ago, group f through the API.
    Four b domains also have an older perfect check (2 days ago), two a domains a newer failed one."""
    now = timezone.now()
    for group, (make, n) in GROUPS.items():
        for i in range(n):
            domain = f"zqx-{group}{i}.example"
            source = Check.Source.API if group == "f" else Check.Source.WEB
            check = make_check(domain, make(domain), client=CLIENT_HASH, source=source)
            _at(check, now - dt.timedelta(days=3) if group == "e" else now - dt.timedelta(seconds=i + 1))
    for i in range(4):
        domain = f"zqx-b{i}.example"
        _at(make_check(domain, _perfect(domain), client=CLIENT_HASH), now - dt.timedelta(days=2))
    for i in range(2):
        make_check(f"zqx-a{i}.example", status=Check.Status.FAILED, error="boom", client=CLIENT_HASH)
    return now


# key -> count over the whole population (51 domains), per table.
EXPECTED = {
    "dane": {
        "domains": 51, "ds": 26, "bogus": 3, "mx_error": 0, "mx_missing": 0, "mx_exists": 23, "mx_null": 6,
        "mx_not_null": 17, "tlsa_error": 0, "tlsa_none": 0, "tlsa_configured": 17, "tlsa_all": 10, "tlsa_some": 7,
        "tlsa_invalid": 0, "dane": 17, "dane_of_ds": 17, "dane_of_all": 17, "verified_all": 17, "verified_some": 0,
        "verified_none": 0, "verified_untested": 0,
    },
    "mta_sts": {
        "domains": 51, "sts_host_error": 3, "sts_host_missing": 26, "sts_host_exists": 22, "fetch_dns": 0,
        "fetch_tcp": 0, "fetch_http_status": 0, "fetch_timeout": 0, "fetch_tls": 0, "fetch_certificate": 7,
        "fetch_redirect": 0, "fetch_content_type": 0, "fetch_too_large": 0, "fetch_other": 0,
        "policy_not_fetched": 0, "policy_received": 15, "policy_invalid": 0, "policy_valid": 15, "mode_none": 0, "mode_testing": 5,
        "mode_enforce": 10, "txt_error": 0, "txt_missing": 0, "txt_exists": 22, "txt_valid": 17, "txt_invalid": 5,
        "txt_multiple": 0, "sts_file_valid": 15, "sts_txt_valid": 17, "sts_file_only": 5, "sts_txt_only": 7,
        "sts_both": 10,
    },
    "combinations": {
        "domains": 51, "dane_and_sts": 10, "dane_base": 17, "dane_no_tlsrpt": 0, "dane_tlsrpt": 17, "sts_base": 10,
        "sts_no_tlsrpt": 0, "sts_tlsrpt_error": 0, "sts_tlsrpt": 10, "both_base": 10, "both_no_tlsrpt": 0,
        "all_three": 10,
    },
    "starttls": {
        "domains": 51, "probed": 42, "starttls_all": 35, "starttls_some": 7, "starttls_none": 0,
        "starttls_unreachable": 0, "tls_session": 42, "tls13": 22, "tls12": 20, "tls_old": 0, "certificate": 42,
        "webpki_all": 22, "webpki_some": 0, "webpki_none": 20,
    },
    "grades": {
        "domains": 51, "grade_Aplus": 10, "grade_A": 0, "grade_B": 0, "grade_C": 7, "grade_D": 25, "grade_E": 0,
        "grade_F": 3, "grade_none": 6,
    },
    "findings": {
        "code:dane.none": 25, "code:tls_rpt.missing": 25, "code:dnssec.insecure": 20, "code:mta_sts.none": 20,
        "code:dane.partial": 7, "code:mta_sts.policy.certificate": 7, "code:starttls.not_offered": 7,
        "code:mta_sts.mode.testing": 5, "code:mta_sts.record.invalid": 5, "code:dnssec.bogus": 3, "code:mx.error": 3,
    },
}
# Denominators (row -> the row it is a percentage of), as the thesis names them.
OF = {
    "ds": "domains", "bogus": "ds", "mx_error": "ds", "mx_missing": "ds", "mx_exists": "ds", "mx_null": "mx_exists",
    "mx_not_null": "mx_exists", "tlsa_error": "mx_not_null", "tlsa_none": "mx_not_null",
    "tlsa_configured": "mx_not_null", "tlsa_all": "tlsa_configured", "tlsa_some": "tlsa_configured",
    "tlsa_invalid": "tlsa_configured", "dane": "ds", "dane_of_ds": "ds", "dane_of_all": "domains",
    "verified_all": "dane", "verified_some": "dane", "verified_none": "dane", "verified_untested": "dane",
    "sts_host_error": "domains", "sts_host_missing": "domains", "sts_host_exists": "domains",
    "policy_not_fetched": "sts_host_exists", "policy_received": "sts_host_exists", "policy_invalid": "policy_received", "policy_valid": "policy_received",
    "mode_none": "policy_valid", "mode_testing": "policy_valid", "mode_enforce": "policy_valid",
    "txt_error": "sts_host_exists", "txt_missing": "sts_host_exists", "txt_exists": "sts_host_exists",
    "txt_valid": "txt_exists", "txt_invalid": "txt_exists", "txt_multiple": "txt_exists",
    "dane_no_tlsrpt": "dane_base", "dane_tlsrpt": "dane_base", "sts_no_tlsrpt": "sts_base",
    "sts_tlsrpt_error": "sts_base", "sts_tlsrpt": "sts_base", "both_no_tlsrpt": "both_base",
    "all_three": "both_base", "probed": "domains", "starttls_all": "probed", "starttls_some": "probed",
    "starttls_none": "probed", "starttls_unreachable": "probed", "tls_session": "domains", "tls13": "tls_session",
    "tls12": "tls_session", "tls_old": "tls_session", "certificate": "domains", "webpki_all": "certificate",
    "webpki_some": "certificate", "webpki_none": "certificate",
    **{f"fetch_{word}": "sts_host_exists" for word in ("dns", "tcp", "http_status", "timeout", "tls", "certificate",
                                                        "redirect", "content_type", "too_large", "other")},
    **{key: "domains" for key in ("sts_file_valid", "sts_txt_valid", "sts_file_only", "sts_txt_only", "sts_both",
                                  "dane_and_sts", "dane_base", "sts_base", "both_base")},
}
# A few percentages written out, so the formula itself is checked too.
SPOT_PERCENT = {("dane", "ds"): "50.98", ("dane", "mx_null"): "26.09", ("dane", "tlsa_some"): "41.18",
                ("mta_sts", "txt_valid"): "77.27", ("mta_sts", "mode_enforce"): "66.67",
                ("grades", "grade_D"): "49.02", ("findings", "code:dane.none"): "49.02",
                ("starttls", "starttls_some"): "16.67"}


def expected_rows(expected=EXPECTED, threshold=5):
    """table -> row -> (shown count, percent text or "")."""
    out = {}
    for table, rows in expected.items():
        out[table] = {}
        for key, count in rows.items():
            of = "domains" if key.startswith("code:") or table == "grades" and key != "domains" else OF.get(key)
            total = rows.get(of, expected["dane"]["domains"]) if of else None
            hidden = 0 < count < threshold or (total is not None and 0 < total < threshold)
            shown = f"< {threshold}" if 0 < count < threshold else str(count)
            percent = "" if hidden or not total else f"{100 * count / total:.2f}"
            out[table][key] = (shown, percent)
    return out


def expected_days(now):
    """Group e 3 days ago (3 checks), the older b checks 2 days ago (4), the rest today (48)."""
    day = (now - dt.timedelta(seconds=30)).date()
    return [(str(day - dt.timedelta(days=3)), "< 5"), (str(day - dt.timedelta(days=2)), "< 5"), (str(day), "48")]


@pytest.fixture
def staff(client):
    user = User.objects.create_user("viewer", password="pw", is_staff=True)
    client.force_login(user)
    return user


def page_rows(content: str) -> dict:
    out = {}
    for table_key, body in re.findall(r'<div class="module stats-table" id="table-([\w]+)">(.*?)</table>', content, re.S):
        rows = re.findall(r'<tr data-row="([^"]+)"[^>]*>\s*<th scope="row">.*?</th>\s*'
                          r'<td class="num count">(.*?)</td>\s*<td class="percent">(.*?)</td>', body, re.S)
        out[table_key] = {key: (html.unescape(count), html.unescape(pct)) for key, count, pct in rows}
    return out


def test_the_page_shows_every_count_and_percentage_of_the_population_one_row_per_domain(client, staff, population):
    response = client.get("/admin/stats/?window=all")
    assert response.status_code == 200
    shown = page_rows(response.content.decode())
    expected = expected_rows()
    assert set(shown) == set(expected)
    for table, rows in expected.items():
        assert list(shown[table]) == list(rows), table   # every row, in order; findings most common first
        for key, (count, percent) in rows.items():
            page_count, page_percent = shown[table][key]
            assert page_count == count, (table, key)
            assert page_percent.split("%")[0] == percent, (table, key, page_percent)
    for (table, key), percent in SPOT_PERCENT.items():
        assert shown[table][key][1].startswith(percent + "% of "), (table, key)
    assert shown["dane"]["mx_null"][1] == "26.09% of MX records exist"
    assert shown["dane"]["bogus"] == ("< 5", "")


def test_the_thesis_figure_stands_beside_the_rows_it_has(client, staff, population):
    content = client.get("/admin/stats/?window=all").content.decode()
    row = re.search(r'<tr data-row="ds"[^>]*>.*?</tr>', content, re.S).group(0)
    assert "18127" in row and "(T11)" in row and "3.45%" in row
    row = re.search(r'<tr data-row="fetch_certificate"[^>]*>.*?</tr>', content, re.S).group(0)
    assert "47677" in row and "(T13)" in row and "61.78%" in row
    row = re.search(r'<tr data-row="all_three"[^>]*>.*?</tr>', content, re.S).group(0)
    assert ">6 <small>(T19)" in row and "28.57%" in row
    row = re.search(r'<tr data-row="fetch_redirect"[^>]*>.*?</tr>', content, re.S).group(0)
    assert "(T" not in row   # the thesis had no such row


def test_the_csv_export_has_the_page_numbers_and_the_filters(client, staff, population):
    response = client.get("/admin/stats/export.csv?window=all")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    lines = response.content.decode().splitlines()
    meta = dict(row[:2] for row in csv.reader(lines) if row and row[0].startswith("# "))
    assert meta["# filters.window"] == "all" and meta["# filters.source"] == "all"
    assert meta["# suppressed_below"] == "5"
    body = [line for line in lines if not line.startswith("# ")]
    rows = list(csv.DictReader(io.StringIO("\n".join(body))))
    got = {}
    for row in rows:
        if row["table"] != "checks_per_day":
            got.setdefault(row["table"], {})[row["row"]] = (row["count"], row["percent"])
    assert got == expected_rows()
    thesis = {(r["table"], r["row"]): (r["thesis_table"], r["thesis_count"], r["thesis_percent"]) for r in rows}
    assert thesis[("dane", "tlsa_all")] == ("11", "4441", "99.51")
    assert thesis[("combinations", "dane_and_sts")] == ("16", "21", "0.004")
    days = [(r["row"], r["count"]) for r in rows if r["table"] == "checks_per_day"]
    assert days == expected_days(population)


def test_the_json_export_has_the_page_numbers_and_the_filters(client, staff, population):
    response = client.get("/admin/stats/export.json?window=all&source=all")
    data = json.loads(response.content)
    assert data["filters"] == {"window": "all", "from": None, "to": None, "source": "all", "survey": None}
    got = {t["key"]: {r["key"]: (str(r["count"]), "" if r["percent"] is None else f"{r['percent']:.2f}")
                      for r in t["rows"]} for t in data["tables"]}
    assert got == expected_rows()
    codes = {r["key"]: r["label"] for t in data["tables"] if t["key"] == "findings" for r in t["rows"]}
    assert codes["code:dane.none"].endswith("(dane.none)") and not codes["code:dane.none"].startswith("Check result")
    # Every finished check counts in "checks per day", not one per domain.
    assert [(day["day"], str(day["count"])) for day in data["checks_per_day"]] == expected_days(population)


def test_no_domain_name_or_client_hash_leaves_in_the_page_or_the_exports(client, staff, population):
    for url in ("/admin/stats/?window=all", "/admin/stats/export.csv?window=all", "/admin/stats/export.json?window=all"):
        content = client.get(url).content
        assert b"zqx" not in content and b".example" not in content, url
        assert CLIENT_HASH.encode() not in content, url


def test_the_threshold_setting_decides_what_is_hidden(client, staff, population, settings):
    settings.STATS_MIN_COUNT = 1
    shown = page_rows(client.get("/admin/stats/?window=all").content.decode())
    assert shown["dane"]["bogus"] == ("3", "11.54% of DNSSEC configured (DS present)")
    settings.STATS_MIN_COUNT = 8
    shown = page_rows(client.get("/admin/stats/?window=all").content.decode())
    assert shown["dane"]["tlsa_some"] == ("< 8", "")
    assert shown["grades"]["grade_Aplus"] == ("10", "19.61% of Domains")


def test_the_last_24_hours_leave_out_older_checks(client, staff, population):
    shown = page_rows(client.get("/admin/stats/?window=24h").content.decode())
    assert shown["dane"]["domains"][0] == "48"
    assert shown["dane"]["bogus"][0] == "0"
    assert shown["grades"]["grade_F"][0] == "0"


def test_a_date_range_counts_the_latest_check_of_each_domain_inside_it(client, staff, population):
    today = timezone.localdate()
    query = f"window=range&start={today - dt.timedelta(days=4)}&end={today - dt.timedelta(days=2)}"
    shown = page_rows(client.get("/admin/stats/?" + query).content.decode())
    # Group e (3 domains, 3 days ago) and the four older perfect checks of b domains.
    assert shown["dane"]["domains"][0] == "7"
    assert shown["dane"]["ds"] == ("7", "100.00% of Domains")
    assert shown["dane"]["tlsa_all"][0] == "< 5"
    data = json.loads(client.get("/admin/stats/export.json?" + query).content)
    assert data["filters"]["window"] == "range"
    assert data["filters"]["from"].startswith(str(today - dt.timedelta(days=4)))
    assert data["filters"]["to"].startswith(str(today - dt.timedelta(days=1)))


def test_the_source_filter_counts_only_api_checks(client, staff, population):
    shown = page_rows(client.get("/admin/stats/?window=all&source=api").content.decode())
    assert shown["dane"]["domains"][0] == "5"
    assert shown["mta_sts"]["mode_testing"] == ("5", "100.00% of Valid mta-sts.txt")
    assert shown["dane"]["ds"][0] == "0"


def test_a_bad_filter_is_explained_and_the_defaults_are_used(client, staff, population):
    response = client.get("/admin/stats/?window=range&start=2026-12-05&end=2026-12-01")
    assert response.status_code == 200
    assert "The from date is after the to date." in response.content.decode()


def test_the_page_has_svg_charts_without_scripts_and_a_csp_nonce_for_their_styles(client, staff, population):
    response = client.get("/admin/stats/?window=all")
    content = response.content.decode()
    assert content.count('class="pygal-chart"') == 6
    assert "<script" not in content.split('<div class="stats-charts">')[1]
    nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
    assert content.count(f'<style nonce="{nonce}"') == 6
    assert "unsafe-inline" not in response["Content-Security-Policy"]


def test_anonymous_visitors_are_sent_to_the_login(client, population):
    for url in ("/admin/stats/", "/admin/stats/export.csv", "/admin/stats/export.json"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")
        assert b"zqx" not in response.content


def test_signed_in_people_who_are_not_staff_are_refused(client, population):
    client.force_login(User.objects.create_user("someone", password="pw"))
    for url in ("/admin/stats/", "/admin/stats/export.csv", "/admin/stats/export.json"):
        assert client.get(url).status_code == 403


def test_staff_who_are_not_superusers_see_only_the_statistics(client, staff, population):
    index = client.get("/admin/").content.decode()
    assert 'href="/admin/stats/"' in index
    assert "/admin/checker/check/" not in index
    assert client.get("/admin/checker/check/").status_code == 403


def test_superusers_browse_checks_read_only(client, population):
    client.force_login(User.objects.create_superuser("root", password="pw"))
    listing = client.get("/admin/checker/check/?q=zqx-a1&grade=A%2B")
    assert listing.status_code == 200
    assert "zqx-a1.example" in listing.content.decode()
    check = Check.objects.filter(domain="zqx-a1.example", status="done").get()
    detail = client.get(f"/admin/checker/check/{check.pk}/change/").content.decode()
    assert "&quot;mta_sts&quot;" in detail   # the report, escaped
    assert 'name="_save"' not in detail
    assert client.get("/admin/checker/check/add/").status_code == 403
    assert client.post(f"/admin/checker/check/{check.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Check.objects.filter(pk=check.pk).exists()


def test_checks_record_their_source(client, population, monkeypatch):
    import checker.submit
    monkeypatch.setattr(checker.submit, "enqueue", lambda check: False)
    client.post("/", {"domain": "zqx-web.example"})
    client.post("/api/v1/checks", {"domain": "zqx-api.example"}, content_type="application/json")
    assert Check.objects.get(domain="zqx-web.example").source == "web"
    assert Check.objects.get(domain="zqx-api.example").source == "api"


def test_the_latest_flag_marks_the_newest_done_check_of_each_domain(population):
    flagged = Check.objects.filter(latest=True)
    assert flagged.count() == 51
    assert flagged.values("domain").distinct().count() == 51
    older = Check.objects.filter(domain="zqx-b0.example").order_by("created_at")
    assert [c.latest for c in older] == [False, True]
    # A newer done check takes the flag over; deleting it gives it back.
    newer = make_check("zqx-b0.example", _perfect("zqx-b0.example"))
    assert list(Check.objects.filter(domain="zqx-b0.example", latest=True)) == [newer]
    newer.delete()
    assert Check.objects.get(domain="zqx-b0.example", latest=True).report["grade"] == "D"
    # rebuild() from scratch agrees with what the saves left.
    before = set(flagged.values_list("pk", flat=True))
    Check.objects.update(latest=False)
    assert latest.rebuild() == 51
    assert set(Check.objects.filter(latest=True).values_list("pk", flat=True)) == before


def test_the_flag_and_the_subquery_pick_the_same_checks(population):
    by_flag = queries.latest_per_domain(queries.Filters.relative("all"))
    far = timezone.now() + dt.timedelta(days=1)
    by_subquery = queries.latest_per_domain(queries.Filters("range", None, far))
    assert "EXISTS" not in str(by_flag.query) and "EXISTS" in str(by_subquery.query)
    assert set(by_flag.values_list("pk", flat=True)) == set(by_subquery.values_list("pk", flat=True))
    assert tables.counts(by_flag) == tables.counts(by_subquery)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_queries_run_side_by_side_with_the_same_numbers(client, population, monkeypatch):
    import threading

    threads = []
    counts = tables.counts

    def recording(checks):
        threads.append(threading.current_thread().name)
        return counts(checks)

    monkeypatch.setattr(tables, "counts", recording)
    client.force_login(User.objects.create_user("viewer2", password="pw", is_staff=True))
    shown = page_rows(client.get("/admin/stats/?window=all").content.decode())
    assert threads and threads[0].startswith("stats")
    numbers = {table: {key: (count, percent.split("%")[0]) for key, (count, percent) in rows.items()}
               for table, rows in shown.items()}
    assert numbers == expected_rows()


def test_the_most_common_codes_are_ranked_by_count_then_code_and_capped(population):
    checks = queries.latest_per_domain(queries.Filters.relative("all"))
    assert tables.top_codes(checks, limit=3) == [("dane.none", 25), ("tls_rpt.missing", 25), ("dnssec.insecure", 20)]
    assert len(tables.top_codes(checks)) == 11


def test_sqlites_covering_index_holds_every_column_the_statistics_read(population):
    """A column missing from it would make SQLite read each row and walk its report's overflow pages."""
    import importlib

    from django.db import connection
    from django.db.models import Count

    covering = importlib.import_module("checker.migrations.0005_stats_covering_index")
    sql = []
    for filters in (queries.Filters.relative("all"), queries.Filters.relative("7d", source="api", survey="x")):
        checks = queries.latest_per_domain(filters)
        sql.append(str(checks.values("finding_codes").annotate(n=Count("*")).query))
        conditions = {q: key for key, q in tables._unique_specs().items()}
        sql.append(str(checks.values("status").annotate(**{
            key: Count("created_at", filter=q) for q, key in conditions.items() if q}).query))
    used = set(re.findall(r'"checker_check"\."(\w+)"|U0\."(\w+)"', " ".join(sql)))
    columns = {name for pair in used for name in pair if name}
    assert columns and columns <= set(covering.COLUMNS), columns - set(covering.COLUMNS)
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, "checker_check")
    assert (covering.NAME in indexes) == (connection.vendor == "sqlite")
