"""The true tables of a population: its expected rows put through the staff statistics'
own table definitions (checker/stats/tables.py, unit-tested on hand-made rows in
tests/test_stats_tables.py), so a survey's report must equal them exactly. Needs Django and
a database."""
from __future__ import annotations

from checker.models import Check, Survey
from checker.stats import tables

from .generate import Domain, expected

# The statistics tables in the thesis's shape (Tables 11-19). The others (STARTTLS, grades,
# most common findings) read columns a population's expected rows do not define.
THESIS_TABLES = ("dane", "mta_sts", "combinations")


def expected_rows(domains: list[Domain], profile: str) -> dict[str, dict]:
    return {d.name: expected(d, profile) for d in domains}


def thesis_counts(counts: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    """{table key: {row key: count}} of the thesis's tables only."""
    return {table: rows for table, rows in counts.items() if table in THESIS_TABLES}


def truth_counts(domains: list[Domain], profile: str, name: str = "truth") -> dict[str, dict[str, int]]:
    survey = Survey.objects.create(name=name)
    rows = []
    for d in domains:
        values = {k: ("" if v is None and k != "ds_present" else v) for k, v in expected(d, profile).items()}
        rows.append(Check(domain=d.name, input=d.name, status=Check.Status.DONE, source=Check.Source.SURVEY,
                          survey=survey, **values))
    Check.objects.bulk_create(rows, batch_size=1000)
    computed, _values = tables.compute(Check.objects.filter(survey=survey))
    survey.delete()
    return thesis_counts({t.key: {row.key: row.count for row in t.rows} for t in computed})


def mismatches(observed: dict[str, dict], domains: list[Domain], profile: str) -> list[str]:
    """One line per domain whose saved row differs from what it must show (or is missing)."""
    out = []
    for d in domains:
        row = observed.get(d.name)
        if row is None:
            out.append(f"{d.name}: no result row")
            continue
        want = expected(d, profile)
        diff = {k: (row.get(k), v) for k, v in want.items() if v is not None and row.get(k) != v}
        if row["status"] != "done" or diff:
            out.append(f"{d.name} ({d}): status {row['status']}, (got, want) {diff}")
    return out
