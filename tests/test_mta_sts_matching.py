"""RFC 8461 4.1: MX host names against policy patterns."""
import pytest

from checker.engine.mta_sts.matching import coverage, mx_matches, unused_patterns

VECTORS = [
    # (host, pattern, matches)
    ("mx.example.fi", "mx.example.fi", True),
    ("MX.Example.FI", "mx.example.fi", True),
    ("mx.example.fi.", "mx.example.fi", True),
    ("mx.example.fi", "MX.EXAMPLE.FI", True),
    ("mx.example.fi", "*.example.fi", True),
    ("MX.EXAMPLE.FI.", "*.example.fi", True),
    ("a.b.example.fi", "*.example.fi", False),
    ("example.fi", "*.example.fi", False),
    (".example.fi", "*.example.fi", False),
    ("xexample.fi", "*.example.fi", False),
    ("mx.example.fi.evil.fi", "*.example.fi", False),
    ("mx.example.fi", "example.fi", False),
    ("mx2.example.fi", "mx.example.fi", False),
    ("mail.example.com", "mail.example.com", True),     # RFC 8461 3.2 example
    ("mx1.example.net", "*.example.net", True),          # RFC 8461 3.2 example
    ("backupmx.example.com", "mail.example.com", False),
    ("mx.example.fi", "", False),
    ("", "*.example.fi", False),
    ("mx.example.fi", "*.", False),
    ("*.example.fi", "*.example.fi", True),              # literal wildcard host is one label
]


@pytest.mark.parametrize("host, pattern, matches", VECTORS)
def test_mx_matching_vectors(host, pattern, matches):
    assert mx_matches(host, pattern) is matches


def test_wildcard_pattern_matches_exactly_one_label():
    assert mx_matches("mx.example.fi", "*.example.fi")
    assert not mx_matches("a.b.example.fi", "*.example.fi")
    assert not mx_matches("example.fi", "*.example.fi")


def test_coverage_splits_hosts_into_covered_and_uncovered_in_order():
    hosts = ["mx1.example.fi", "backup.other.fi", "mx2.example.fi"]
    assert coverage(hosts, ["*.example.fi"]) == (["mx1.example.fi", "mx2.example.fi"], ["backup.other.fi"])


def test_patterns_matching_no_mx_are_listed_as_unused():
    assert unused_patterns(["mx.example.fi"], ["mx.example.fi", "old.example.fi", "*.example.fi"]) == ["old.example.fi"]
