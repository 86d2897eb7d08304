"""CSV and JSON exports of the published tables, with the filters written into the file."""
import csv
import io
import json

COLUMNS = ("table", "row", "label", "count", "percent", "denominator", "thesis_table", "thesis_count",
           "thesis_percent")


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


def _flat(meta: dict, prefix=""):
    for name, value in meta.items():
        if isinstance(value, dict):
            yield from _flat(value, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", value

