"""The true tables of a population: its expected rows put through the survey's own table
functions (checker/survey/tables.py, unit-tested on hand-made rows), so a survey's report
must equal them exactly. Needs Django and a database."""
from __future__ import annotations

from checker.models import Check, Survey
from checker.survey import tables

from .generate import Domain, expected


def expected_rows(domains: list[Domain], profile: str) -> dict[str, dict]:
    return {d.name: expected(d, profile) for d in domains}


def truth_counts(domains: list[Domain], profile: str, name: str = "truth") -> dict[str, dict[str, int]]:
    survey = Survey.objects.create(name=name)
    rows = []
    for d in domains:
        values = {k: ("" if v is None and k != "ds_present" else v) for k, v in expected(d, profile).items()}
        rows.append(Check(domain=d.name, input=d.name, status=Check.Status.DONE, source=Check.Source.SURVEY,
                          survey=survey, **values))
    Check.objects.bulk_create(rows, batch_size=1000)
    result = tables.as_counts(tables.all_tables(Check.objects.filter(survey=survey)))
    survey.delete()
    return result


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
