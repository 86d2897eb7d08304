"""The statistics summary of one report: values for the indexed columns that statistics
and survey tables count, so no query ever reads report JSON.

`summarise(report)` is pure and reads only fields of the report contract
(docs/report-contract.md); anything unexpected becomes "" (or None), never an error.
(Planned shared with the staff statistics page, issue 12: same function, same column names.)
"""
from __future__ import annotations

# Column name -> max length (the model's CharFields use these, checker/models.py).
WORD_COLUMNS = {
    "mta_sts_host": 16,         # resolves | missing | error
    "mta_sts_policy": 16,       # valid | invalid | fetch-error | not-fetched
    "mta_sts_fetch_error": 16,  # dns | tcp | timeout | tls | certificate | http-status | redirect | ...
    "mta_sts_mode": 8,          # enforce | testing | none | ""
    "mta_sts_record": 16,       # valid | invalid | missing | multiple | error
}


def _part(report: dict, name: str) -> dict:
    value = report.get(name) if isinstance(report, dict) else None
    return value if isinstance(value, dict) else {}


def _word(value, limit: int) -> str:
    return value if isinstance(value, str) and len(value) <= limit else ""


def summarise(report: dict) -> dict:
    """Column name -> value for the statistics columns of a check with this report."""
    dnssec, sts = _part(report, "dnssec"), _part(report, "mta_sts")
    policy, record, host = (_part(sts, name) for name in ("policy", "record", "policy_host"))
    ds = dnssec.get("ds_present")
    values = {
        "ds_present": ds if isinstance(ds, bool) else None,
        "mta_sts_host": host.get("status"),
        "mta_sts_policy": policy.get("status"),
        "mta_sts_fetch_error": policy.get("fetch_error"),
        "mta_sts_mode": policy.get("mode") if policy.get("status") == "valid" else None,
        "mta_sts_record": record.get("status"),
    }
    for column, limit in WORD_COLUMNS.items():
        values[column] = _word(values[column], limit)
    return values
