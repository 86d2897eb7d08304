"""Reading contract paths such as "dane.hosts[0].tlsa" out of a report dict."""
from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
MISSING = object()   # what mismatches() uses for "no such path"
_NO_DEFAULT = object()


def get_path(report: Any, path: str, default: Any = _NO_DEFAULT) -> Any:
    """The value at `path` ("mta_sts.policy.status", "dane.hosts[0].match").

    Raises KeyError (naming the path) when a step is missing, unless `default` is given.
    """
    value = report
    for key, index in _TOKEN.findall(path):
        try:
            value = value[int(index)] if index else value[key]
        except (KeyError, IndexError, TypeError):
            if default is not _NO_DEFAULT:
                return default
            raise KeyError(path) from None
    return value


def mismatches(report: dict, expect: dict) -> dict[str, tuple[Any, Any]]:
    """{path: (expected, actual)} for every expectation the report does not meet."""
    out = {}
    for path, wanted in expect.items():
        actual = get_path(report, path, default=MISSING)
        if actual is MISSING or actual != wanted:
            out[path] = (wanted, None if actual is MISSING else actual)
    return out
