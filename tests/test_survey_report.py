"""`manage.py survey report`: the staff statistics' tables for the survey's rows, the same
numbers the statistics page exports with the survey filter (issue 13), in exact counts."""
import csv
import io

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from checker.models import Check, Survey
from tests.population.generate import expected, generate
from tests.population.truth import THESIS_TABLES, truth_counts

pytestmark = pytest.mark.django_db
N = 300
PROFILE = "full"
QUERY = {"window": "all", "source": "survey", "survey": "pop"}


def _check(d, survey, source, values, **extra):
    values = {k: ("" if v is None and k != "ds_present" else v) for k, v in values.items()}
    return Check(domain=d.name, input=d.name, status=Check.Status.DONE, source=source, survey=survey,
                 **values, **extra)


@pytest.fixture
def population():
    """The test population's true rows as survey "pop", with grades and finding codes, beside
    rows the survey filter must leave out: the same domains checked on the web with other
    results, and a second survey of them in the `dns` profile."""
    domains = generate(N, floor=2)
    pop = Survey.objects.create(name="pop", profile=PROFILE)
    other = Survey.objects.create(name="other", profile="dns")
    rows = []
    for d in domains:
        codes = ["dane.none"] if not d.dane else []
        codes += ["mta_sts.none"] if d.sts == "missing" else []
        rows.append(_check(d, pop, Check.Source.SURVEY, expected(d, PROFILE), grade="A" if d.dane else "D",
                           finding_codes=codes))
        rows.append(_check(d, other, Check.Source.SURVEY, expected(d, "dns")))
        rows.append(_check(d, None, Check.Source.WEB, {**expected(d, PROFILE), "ds_present": True,
                                                       "dnssec_status": "secure", "dane_status": "all"}, grade="B"))
    Check.objects.bulk_create(rows, batch_size=1000)
    return domains


@pytest.fixture
def staff(client):
    client.force_login(User.objects.create_user("viewer", password="pw", is_staff=True))


def report_csv() -> str:
    out = io.StringIO()
    call_command("survey", "report", "pop", "--csv", "-", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def page_csv(client) -> str:
    response = client.get("/admin/stats/export.csv", QUERY)
    assert response.status_code == 200
    return response.content.decode()


def split(text: str) -> tuple[dict, list[dict]]:
    lines = text.splitlines()
    meta = {row[0]: row[1] for row in csv.reader(line for line in lines if line.startswith("# "))}
    return meta, list(csv.DictReader(line for line in lines if not line.startswith("# ")))


def test_the_survey_reports_csv_equals_the_stats_pages_export_for_that_survey_row_for_row(client, staff, population,
                                                                                         settings):
    settings.STATS_MIN_COUNT = 1            # the page unsuppressed, as the survey report always is
    report_meta, report_rows = split(report_csv())
    page_meta, page_rows = split(page_csv(client))
    assert len(report_rows) > 60 and {row["table"] for row in report_rows} >= {*THESIS_TABLES, "grades", "findings",
                                                                               "checks_per_day"}
    assert report_rows == page_rows
    report_meta.pop("# generated_at"), page_meta.pop("# generated_at")
    assert report_meta == page_meta
    assert report_meta["# filters.survey"] == "pop" and report_meta["# filters.source"] == "survey"
    # ... and those numbers are the population's truth, not the web checks' or the other survey's.
    counts = {}
    for row in report_rows:
        if row["table"] in THESIS_TABLES:
            counts.setdefault(row["table"], {})[row["row"]] = int(row["count"])
    assert counts == truth_counts(population, PROFILE)
    grades = {row["row"]: int(row["count"]) for row in report_rows if row["table"] == "grades"}
    assert grades["grade_A"] == sum(1 for d in population if d.dane) and grades["grade_B"] == 0


def test_the_report_shows_exact_counts_where_the_page_hides_those_below_its_threshold(client, staff, population):
    _meta, report_rows = split(report_csv())
    _meta, page_rows = split(page_csv(client))
    hidden = 0
    for mine, page in zip(report_rows, page_rows, strict=True):
        assert (mine["table"], mine["row"]) == (page["table"], page["row"])
        if page["count"] == "< 5":
            hidden += 1
            assert 1 <= int(mine["count"]) <= 4 and page["percent"] == ""
        else:
            assert mine["count"] == page["count"]
    assert hidden >= 5


def test_the_terminal_report_prints_every_table_with_the_thesis_figures(population):
    out = io.StringIO()
    call_command("survey", "report", "pop", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "Survey pop: profile full" in text
    for title in ("DANE (thesis Tables 11 and 12)", "MTA-STS (thesis Tables 13 to 15)",
                  "DANE, MTA-STS and TLS-RPT (thesis Tables 16 to 19)", "STARTTLS (ours)", "Grades (ours)"):
        assert title in text
    line = next(line for line in text.splitlines() if line.strip().startswith("DOMAINS "))
    assert line.split()[1] == str(N)
    assert "[T11: 18127, 3.45%]" in text
