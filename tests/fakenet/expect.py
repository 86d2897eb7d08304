"""Reading contract paths such as "dane.hosts[0].tlsa" out of a report dict."""
from __future__ import annotations

import ipaddress
import re
from typing import Any

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
MISSING = object()   # what mismatches() uses for "no such path"
_NO_DEFAULT = object()


class IpVersion:
    """An `expect` value equal to any address of one IP version ("starttls.hosts[0].address":
    IPV6): the addresses themselves follow FAKENET_NET (addresses.py)."""

    def __init__(self, version: int):
        self.version = version

    def __eq__(self, other) -> bool:
        try:
            return ipaddress.ip_address(other).version == self.version
        except (TypeError, ValueError):
            return False

    def __hash__(self) -> int:
        return hash(("IpVersion", self.version))

    def __repr__(self) -> str:
        return f"<an IPv{self.version} address>"


IPV4, IPV6 = IpVersion(4), IpVersion(6)


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
