"""MTA-STS (RFC 8461): retrieve_mta_sts does the I/O, evaluate_mta_sts is pure."""
from .evaluate import FINDING_CODES, MtaStsResult, evaluate_mta_sts
from .fetch import FETCH_ERRORS, MtaStsRetrieved, retrieve_mta_sts

__all__ = ["FINDING_CODES", "FETCH_ERRORS", "MtaStsResult", "MtaStsRetrieved", "evaluate_mta_sts",
           "retrieve_mta_sts"]
