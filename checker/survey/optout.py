"""Domains whose owners asked not to be probed (SURVEY_OPT_OUT_FILE, one domain per line).

A listed domain covers every name below it. The list is read when a survey is imported
(its domains are marked) and again by every worker job, so a domain added to the file
while a survey runs is still never contacted: no DNS query, no connection.
"""
from django.conf import settings

from ..engine.names import InvalidDomain, normalize_domain
from .importer import matches_opt_out


def load(path: str | None = None) -> set[str]:
    path = settings.SURVEY_OPT_OUT_FILE if path is None else path
    if not path:
        return set()
    found = set()
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            text = line.split("#", 1)[0].strip()
            if not text:
                continue
            try:
                found.add(normalize_domain(text))
            except InvalidDomain:
                continue  # `manage.py check` names the bad lines (checker.checks)
    return found


def opted_out(domain: str, listed: set[str]) -> bool:
    return bool(listed) and matches_opt_out(domain, listed)
