"""MTA-STS (RFC 8461): PROTOCOL schedules the lookups and the policy fetch (fetch.py),
evaluate_mta_sts is pure. retrieve_mta_sts runs the same steps as one coroutine."""
from ..protocol import BAD, GOOD, WARN, Protocol
from .evaluate import FINDING_CODES, MtaStsResult, evaluate_mta_sts
from .fetch import (FETCH_ERRORS, MtaStsRetrieved, fetch_policy, no_such_name, not_fetched, policy_host,
                    policy_host_name, record_name, retrieve_mta_sts)

__all__ = ["FINDING_CODES", "FETCH_ERRORS", "MtaStsResult", "MtaStsRetrieved", "PROTOCOL", "evaluate_mta_sts",
           "retrieve_mta_sts"]


def _start(check):
    """The `_mta-sts` TXT record and the policy host's IPv4 addresses at once (RFC 8461 3.1, 3.3);
    its IPv6 addresses once the name is known to exist."""
    check.ask("mta_sts", ("sts_record",), record_name(check.domain), "TXT")
    check.ask("mta_sts", ("sts_host", "A"), policy_host_name(check.domain), "A")


def _host(check):
    a = check.values.get(("sts_host", "A"))
    aaaa = a if no_such_name(a) else check.values.get(("sts_host", "AAAA"))
    return None if None in (a, aaaa) else policy_host(policy_host_name(check.domain), [(a, None), (aaaa, None)])


def _on_result(check, key, value):
    """The policy host's AAAA lookup unless the name does not exist; once the host resolves,
    the policy fetch (blocking HTTPS: a thread; a survey's `dns` profile stops before it)."""
    if key == ("sts_host", "A") and not no_such_name(value):
        check.ask("mta_sts", ("sts_host", "AAAA"), policy_host_name(check.domain), "AAAA")
    if key[0] != "sts_host" or not check.fetch_policy or ("sts_fetch",) in check.submitted:
        return
    host = _host(check)
    if host is not None and host.status == "resolves":
        check.submit("mta_sts", ("sts_fetch",), fetch_policy, host, check.config, check.deadline)


def _evaluate(check, results):
    record = check.need(("sts_record",), "mta_sts")
    if not no_such_name(check.need(("sts_host", "A"), "mta_sts")):
        check.need(("sts_host", "AAAA"), "mta_sts")   # Incomplete unless the lookups finished
    host = _host(check)
    if ("sts_fetch",) in check.submitted:
        fetched = check.need(("sts_fetch",), "mta_sts")
    else:
        fetched = not_fetched(record, host, check.fetch_policy)
    retrieved = MtaStsRetrieved(check.domain, record, host, fetched)
    return evaluate_mta_sts(retrieved, results.get("mx"), results.get("starttls"))


def _error_section() -> dict:
    return {
        "status": "error",
        "record": {"status": "error", "id": None, "raw": []},
        "policy_host": {"status": "error", "addresses": []},
        "policy": {"status": "not-fetched", "fetch_error": None, "http_status": None, "mode": None,
                   "max_age": None, "mx": [], "errors": []},
        "mx_coverage": {"covered": [], "uncovered": []},
    }


PROTOCOL = Protocol(
    name="mta_sts", label="MTA-STS",
    statuses={"valid": GOOD, "invalid": BAD, "none": WARN, "error": BAD},
    finding_codes=FINDING_CODES, references=("RFC 8461",),
    error_section=_error_section, start=_start, on_result=_on_result, evaluate=_evaluate,
)
