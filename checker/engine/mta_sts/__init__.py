"""MTA-STS (RFC 8461): retrieve_mta_sts does the I/O, evaluate_mta_sts is pure."""
from ..protocol import BAD, GOOD, WARN, Protocol
from .evaluate import FINDING_CODES, MtaStsResult, evaluate_mta_sts
from .fetch import FETCH_ERRORS, MtaStsRetrieved, retrieve_mta_sts

__all__ = ["FINDING_CODES", "FETCH_ERRORS", "MtaStsResult", "MtaStsRetrieved", "PROTOCOL", "evaluate_mta_sts",
           "retrieve_mta_sts"]


async def _retrieve(check):
    executor = check.executor() if check.fetch_policy else None   # a survey's dns profile stops before HTTPS
    return await retrieve_mta_sts(check.domain, check.resolver, check.config, check.deadline, executor=executor,
                                  fetch=check.fetch_policy)


def _start(check):
    check.submit("mta_sts", ("mta_sts",), _retrieve, check)


def _evaluate(check, results):
    return evaluate_mta_sts(check.need(("mta_sts",), "mta_sts"), results.get("mx"), results.get("starttls"))


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
    error_section=_error_section, start=_start, evaluate=_evaluate,
)
