"""CSV, JSON and terminal-text exports of the published tables, with the filters written
into the file. The staff page's exports and `manage.py survey report` both write these."""
import csv
import io
import json

from django.utils import timezone

COUNTED = "the latest finished check of each domain among the checks matching the filters"

COLUMNS = ("table", "row", "label", "count", "percent", "denominator", "thesis_table", "thesis_count",
           "thesis_percent")


def meta(filters, threshold: int) -> dict:
    """The lines that head every export: when, over what, and below which count is hidden."""
    return {"generated_at": timezone.now().isoformat(), "filters": filters.describe(), "counted": COUNTED,
            "suppressed_below": threshold}


def as_json(meta: dict, tables: list[dict], days: list[dict]) -> str:
    return json.dumps({**meta, "tables": tables, "checks_per_day": days}, indent=1, default=str)


def as_csv(meta: dict, tables: list[dict], days: list[dict]) -> str:
    """Filter lines first (`# name,value`), then one line per row of every table."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for name, value in _flat(meta):
        writer.writerow([f"# {name}", "" if value is None else value])
    writer.writerow(COLUMNS)
    for table in tables:
        for row in table["rows"]:
            writer.writerow([table["key"], row["key"], row["label"], row["count"],
                             "" if row["percent"] is None else f"{row['percent']:.2f}",
                             row["of"] or "", row["thesis_table"] or "",
                             "" if row["thesis_count"] is None else row["thesis_count"],
                             "" if row["thesis_percent"] is None else row["thesis_percent"]])
    for day in days:
        writer.writerow(["checks_per_day", day["day"], "finished checks", day["count"], "", "", "", "", ""])
    return out.getvalue()


def as_text(tables: list[dict]) -> str:
    """The tables for a terminal: label, count, share of the named denominator, and the
    thesis's own figure (T<table>) where it has the row."""
    out = []
    for table in tables:
        out.append(f"{table['title']} ({table['source']})")
        width = max((len(row["label"]) for row in table["rows"]), default=0) + 2
        for row in table["rows"]:
            label = row["label"].upper() if row["strong"] else row["label"]
            share = "" if row["percent"] is None else f"{row['percent']:6.2f}% of {row['of']}"
            thesis = ""
            if row["thesis_table"]:
                pct = "" if row["thesis_percent"] is None else f", {row['thesis_percent']}%"
                thesis = f"  [T{row['thesis_table']}: {row['thesis_count']}{pct}]"
            out.append(f"  {label:<{width}}{row['count']:>9}  {share:<40}{thesis}".rstrip())
        out.append("")
    return "\n".join(out)


def _flat(meta: dict, prefix=""):
    for name, value in meta.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value

