"""The report's sections and how bad each status word is: the one place monitoring reads them.

The section list is the protocol registry's (checker/engine/registry.py), in report order.
"""
from .. import presenter
from ..engine.registry import PROTOCOLS

SECTIONS = tuple((protocol.section, protocol.label) for protocol in PROTOCOLS)  # (key, label)
LABELS = dict(SECTIONS)

# Higher is worse. A word not listed (a newer engine's) never counts as a change for the worse.
SEVERITY = {
    "dnssec": {"secure": 0, "insecure": 1, "error": 2, "bogus": 3},
    "mx": {"present": 0, "none": 1, "null": 1, "invalid": 3, "nxdomain": 3, "error": 3},
    "starttls": {"ok": 0, "none": 1, "partial": 2, "failed": 3, "error": 3},
    "dane": {"all": 0, "some": 1, "none": 2, "not-applicable": 2, "invalid": 3, "error": 3},
    "mta_sts": {"valid": 0, "none": 1, "invalid": 2, "error": 2},
    "tls_rpt": {"valid": 0, "none": 1, "invalid": 2, "multiple": 2, "error": 2},
}
GRADE_RANK = {"A+": 0, "A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6}


def status(report: dict, key: str) -> str | None:
    """The section's status word, read as the report page reads it (old reports included)."""
    return presenter.part_status(key, presenter.as_dict(presenter.as_dict(report).get(key)))


def statuses(report: dict) -> dict:
    return {key: status(report, key) for key, _ in SECTIONS}


def worse(key: str, before: str | None, after: str | None) -> bool:
    ranks = SEVERITY.get(key, {})
    return before in ranks and after in ranks and ranks[after] > ranks[before]


def grade_dropped(before, after) -> bool:
    """A grade got worse, or a graded domain lost its grade's standing entirely (F counts as worst)."""
    return before in GRADE_RANK and after in GRADE_RANK and GRADE_RANK[after] > GRADE_RANK[before]
