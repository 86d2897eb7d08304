"""Retrieval for MTA-STS: the TXT record, the policy host and the policy (RFC 8461 3.1, 3.3).

All I/O goes through the DNS wrapper and net.https_get, which verifies the certificate
(WebPKI, CHECKER_CA_BUNDLE, SNI = the host name), never follows redirects, caps the body
and never blocks past the deadline. Here: pick addresses, bound the total time, and map
each outcome to exactly one fetch_error word (the thesis's Table 13 rows).
"""
import asyncio
import time
from dataclasses import dataclass

from .. import addresses as address_policy
from .. import net
from .policy import POLICY_PATH
from .record import VERSION
MAX_POLICY_BYTES = 65536      # RFC 8461 3.3 does not fix one; 64 KiB is the architecture's cap
FETCH_BUDGET = 10.0           # total seconds for the policy fetch, all addresses together
MAX_ATTEMPTS = 2              # a second address only after a refused connection
FETCH_ERRORS = ("dns", "tcp", "timeout", "tls", "certificate", "http-status", "redirect",
                "content-type", "too-large", "other")
_NET_ERRORS = {"tcp": "tcp", "timeout": "timeout", "tls": "tls", "certificate": "certificate",
               "too-large": "too-large", "other": "other"}


@dataclass(frozen=True)
class PolicyHost:
    name: str
    status: str                       # resolves | missing | error
    addresses: tuple[str, ...] = ()
    cname_chain: tuple[str, ...] = ()
    detail: str | None = None


@dataclass(frozen=True)
class Attempt:
    address: str
    outcome: str                      # a fetch_error word, "ok", or "refused-address"
    detail: str | None = None
    elapsed_ms: int = 0


@dataclass(frozen=True)
class PolicyFetch:
    url: str
    fetch_error: str | None           # one of FETCH_ERRORS, None when a policy body arrived
    http_status: int | None = None
    content_type: str | None = None
    location: str | None = None
    body: bytes | None = None
    detail: str | None = None
    attempts: tuple[Attempt, ...] = ()
    not_contacted: tuple[str, ...] = ()   # addresses skipped: not public, not allowed
    elapsed_ms: int = 0


@dataclass(frozen=True)
class MtaStsRetrieved:
    domain: str
    record_answer: object | None      # DnsAnswer for _mta-sts.<domain> TXT
    policy_host: PolicyHost
    fetch: PolicyFetch | None         # None: not attempted (the policy host does not resolve)
    record_error: str | None = None


def _failure(answer) -> str | None:
    if answer is None:
        return "lookup failed"
    if getattr(answer, "security", None) == "bogus":
        return f"DNSSEC validation failed ({getattr(answer, 'reason', None) or answer.rcode})"
    if answer.rcode not in ("NOERROR", "NXDOMAIN"):
        return answer.rcode + (f": {answer.reason}" if getattr(answer, "reason", None) else "")
    return None


async def _query(resolver, name, rdtype, deadline):
    try:
        return await resolver.aquery(name, rdtype, deadline=deadline), None
    except Exception as exc:  # the wrapper should not raise; the report must still come out
        return None, f"{type(exc).__name__}: {exc}"


def record_name(domain: str) -> str:
    return f"_mta-sts.{domain}"   # RFC 8461 3.1


def policy_host_name(domain: str) -> str:
    return f"mta-sts.{domain}"    # RFC 8461 3.3


def no_such_name(answer) -> bool:
    """NXDOMAIN, validated or provably unsigned: the name has no records of any type (RFC 8020 2),
    so its AAAA lookup would say the same as its A lookup. Most domains have no policy host:
    skipping that AAAA spares one query in nine of a survey."""
    return answer is not None and answer.nxdomain and answer.answered


async def resolve_policy_host(domain: str, resolver, deadline: float) -> PolicyHost:
    """mta-sts.<domain> A, then AAAA unless the name does not exist; CNAMEs followed by the
    wrapper (RFC 8461 3.3)."""
    name = policy_host_name(domain)
    a = await _query(resolver, name, "A", deadline)
    aaaa = a if no_such_name(a[0]) else await _query(resolver, name, "AAAA", deadline)
    return policy_host(name, [a, aaaa])


def policy_host(name: str, answers) -> PolicyHost:
    """The policy host from its ((A answer, error), (AAAA answer, error)). Pure."""
    found, failures, chain = [], [], ()
    for rdtype, (answer, error) in zip(("A", "AAAA"), answers):
        why = error or _failure(answer)
        if why:
            failures.append(f"{rdtype}: {why}")
            continue
        chain = chain or tuple(getattr(answer, "cname_chain", ()) or ())
        found.extend(r for r in answer.records if r not in found)
    if found:
        return PolicyHost(name, "resolves", tuple(found), chain)
    if failures:
        return PolicyHost(name, "error", (), chain, "; ".join(failures))
    return PolicyHost(name, "missing", (), chain, f"{name} has no A or AAAA record")


def media_type(value: str | None) -> str | None:
    """The media type of a Content-Type value, lower case, parameters dropped (RFC 9110 8.3.1)."""
    if value is None:
        return None
    return value.split(";", 1)[0].strip(" \t").lower()


def classify(result) -> tuple[str | None, str | None]:
    """(fetch_error, detail) for one net.HttpsResult. Order matters: transport first."""
    if result.error:
        return _NET_ERRORS.get(result.error, "other"), result.detail or result.error
    status = result.status
    if 300 <= status < 400:  # RFC 8461 3.3: "HTTP 3xx redirects MUST NOT be followed"
        location = _header(result.headers, "location")
        return "redirect", f"HTTP {status} to {location!r}" if location else f"HTTP {status} without Location"
    if status != 200:  # RFC 8461 3.3: only "200 OK" is a policy
        return "http-status", f"HTTP {status}"
    content_type = _header(result.headers, "content-type")
    if media_type(content_type) != "text/plain":  # RFC 8461 3.2
        return "content-type", (f"Content-Type is {content_type!r}, not text/plain" if content_type
                                else "no Content-Type header (must be text/plain)")
    return None, None


def _header(headers, name):
    values = [value for key, value in headers or () if key.lower() == name]
    return values[-1] if values else None


def fetch_policy(host: PolicyHost, config, deadline: float) -> PolicyFetch:
    url = f"https://{host.name}{POLICY_PATH}"
    started = time.monotonic()
    budget = min(deadline, started + FETCH_BUDGET)
    allowed = [a for a in host.addresses if address_policy.is_allowed(a, config)]
    skipped = tuple(a for a in host.addresses if a not in allowed)
    # IPv4 first: the test network and most policy hosts are reachable over it.
    allowed.sort(key=lambda a: ":" in a)
    if not allowed:
        return PolicyFetch(url, "other", detail=f"not contacted: {', '.join(skipped)} is not a public address",
                           not_contacted=skipped)
    attempts, last = [], None
    for address in allowed[:MAX_ATTEMPTS]:
        begun = time.monotonic()
        if begun >= budget:
            break
        result = net.https_get(host.name, address, config.https_port, POLICY_PATH, budget, config,
                               max_body=MAX_POLICY_BYTES)
        error, detail = classify(result)
        attempts.append(Attempt(address, error or "ok", detail, int((time.monotonic() - begun) * 1000)))
        last = (result, error, detail)
        if error != "tcp":  # only a refused connection makes another address worth a try
            break
    elapsed = int((time.monotonic() - started) * 1000)
    if last is None:
        return PolicyFetch(url, "timeout", detail="no time left for the fetch", not_contacted=skipped,
                           elapsed_ms=elapsed)
    result, error, detail = last
    return PolicyFetch(
        url, error,
        http_status=result.status,
        content_type=_header(result.headers, "content-type"),
        location=_header(result.headers, "location"),
        body=result.body if error is None else None,
        detail=detail,
        attempts=tuple(attempts),
        not_contacted=skipped,
        elapsed_ms=elapsed,
    )


async def retrieve_mta_sts(domain: str, resolver, config, deadline: float, executor=None,
                           fetch: bool = True) -> MtaStsRetrieved:
    """Everything evaluate_mta_sts needs, in one coroutine (the engine schedules the same steps
    one by one: mta_sts/__init__.py); never raises for what the network does.
    The TXT record and the policy host are looked up at once; the HTTPS fetch blocks, so it
    runs on `executor` (a thread pool; None: the loop's default one).
    fetch=False (a survey's `dns` profile) stops before the HTTPS policy fetch."""
    (record_answer, record_error), host = await asyncio.gather(
        _query(resolver, record_name(domain), "TXT", deadline), resolve_policy_host(domain, resolver, deadline))
    if fetch and host.status == "resolves":
        loop = asyncio.get_running_loop()
        fetched = await loop.run_in_executor(executor, fetch_policy, host, config, deadline)
    else:
        fetched = not_fetched(record_answer, host, fetch)
    return MtaStsRetrieved(domain, record_answer, host, fetched, record_error)


def not_fetched(record_answer, host: PolicyHost, fetch: bool) -> PolicyFetch | None:
    """The fetch outcome when no HTTPS request is made: None (not attempted, or not asked
    for), or a `dns` failure when the policy host lookup failed or a record points senders at
    a host that does not exist (the thesis's "dns" row)."""
    if not fetch:
        return None
    if host.status == "missing" and record_answer is not None and any(
            t.startswith(VERSION) for t in getattr(record_answer, "txt_strings", ())):
        return PolicyFetch(f"https://{host.name}{POLICY_PATH}", "dns", detail=host.detail)
    if host.status == "error":
        return PolicyFetch(f"https://{host.name}{POLICY_PATH}", "dns", detail=host.detail)
    return None
