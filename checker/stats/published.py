"""The tables as published: counts below the threshold hidden ("< 5"), percentages rounded.

The page, the CSV and the JSON export all print `published(...)`, so their numbers are the
same. Anonymity: only counts leave here (no domain names, no client hashes), and a count
between 1 and threshold - 1 is shown as "< threshold" so that a narrow filter cannot single
out one domain. Zero is shown: it identifies nobody.
"""
from __future__ import annotations

from .tables import Table


def hidden(count: int, threshold: int) -> bool:
    return 0 < count < threshold


def shown_count(count: int, threshold: int):
    return f"< {threshold}" if hidden(count, threshold) else count


def published(tables: tuple[Table, ...], threshold: int) -> list[dict]:
    out = []
    for table in tables:
        rows = []
        for row in table.rows:
            secret = hidden(row.count, threshold) or (row.of_count is not None and hidden(row.of_count, threshold))
            percent = None if secret or row.percent is None else row.percent
            rows.append({
                "key": row.key,
                "label": row.label,
                "count": shown_count(row.count, threshold),
                "percent": percent,
                "of": row.of_label,
                "strong": row.strong,
                "thesis_table": row.thesis.table if row.thesis else None,
                "thesis_count": row.thesis.count if row.thesis else None,
                "thesis_percent": row.thesis.percent if row.thesis else None,
            })
        out.append({"key": table.key, "title": table.title, "source": table.source, "rows": rows})
    return out


def percent_text(row: dict) -> str:
    if row["percent"] is None:
        return ""
    return f"{row['percent']:.2f}% of {row['of']}"
