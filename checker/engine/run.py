"""Orchestration: check_domain(raw_input, config) -> the report dict of docs/report-contract.md.

The protocols come from the registry (registry.PROTOCOLS); each one's descriptor says what
it schedules (start, on_result) and how it evaluates. The work is a small dependency graph
driven by one asyncio event loop: DNS lookups are coroutines on that loop (no thread per
query: a survey's domain took 7.4 ms of CPU with a thread per lookup, 4.7 ms so), the blocking
exchanges (SMTP STARTTLS probes, the HTTPS policy fetch) run on a bounded thread pool that
is only started when a check needs one:

    validates, SOA, DS, MX, MTA-STS retrieval, TLS-RPT TXT      (all at once: start)
    MX answer  -> per host: A, AAAA, TLSA                       (as soon as MX arrives)
    A + AAAA of a host -> per address: SMTP STARTTLS probe      (as soon as that host resolves)
                       -> TLSA of its secure CNAME target       (only for an alias, RFC 7672 2.2.3)

Everything shares one deadline; the report is returned by config.check_timeout whatever
happens, with unfinished parts marked `error` and a finding saying so. Evaluation runs in
registry order, each protocol getting the results of the ones before it.
"""
import asyncio
import concurrent.futures as cf
import inspect
import queue
import threading
import time
from datetime import datetime, timezone

from .dns import Resolver
from .findings import Finding
from .names import normalize_domain
from .protocol import Incomplete
from .registry import NAMES, PROTOCOLS

PARTS = NAMES  # the report's sections, in order
# What a check talks to (surveys choose; the site always runs "full"):
# profile -> (SMTP STARTTLS probes, MTA-STS policy fetch over HTTPS). Without probes every
# MX address is listed as starttls `skipped` ("not probed") and DANE matching `not-tested`;
# without the fetch the policy is `not-fetched`. The DNS queries are the same in all three.
PROFILES = {"dns": (False, False), "dns+https": (False, True), "full": (True, True)}
MAX_WORKERS = 24
EVALUATE_RESERVE = 0.25   # seconds kept back from the ceiling to evaluate and build the report

FINDING_CODES = {}
for _protocol in PROTOCOLS:
    FINDING_CODES[f"{_protocol.name}.incomplete"] = f"The {_protocol.name} check did not finish within the time limit"
    FINDING_CODES[f"{_protocol.name}.check_failed"] = f"The checker failed internally while checking {_protocol.name}"


class _Check:
    """What the protocols' start / on_result / evaluate see: the domain, the shared
    resolver, pool and deadline, the retrieved values by task key, and the MX plan."""

    def __init__(self, domain, config, progress, started, profile="full"):
        # What this check talks to (PROFILES): the starttls and mta_sts protocols read these.
        self.probe_smtp, self.fetch_policy = PROFILES[profile]
        self.domain = domain
        self.config = config
        self.progress = progress
        self.hard_deadline = started + config.check_timeout
        self.deadline = self.hard_deadline - EVALUATE_RESERVE
        self.resolver = Resolver(config)
        self.pool = None                          # threads for blocking work, started on first use
        self.loop = None
        self.idle = None                          # set when nothing is pending
        self.closed = False
        self.pending: dict[asyncio.Future, tuple] = {}
        self.values: dict[tuple, object] = {}
        self.owners: dict[tuple, str] = {}        # task key -> protocol that scheduled it
        self.failures: dict[str, str] = {}       # protocol -> what went wrong internally
        self.reported: set[str] = set()
        self.plan = None                          # mx.MxPlan, set by the mx part
        self.hosts: list[str] = []                # MX host names whose addresses are looked up

    # -- scheduling (called by the protocols) ----------------------------------------------

    @property
    def submitted(self):
        return self.owners.keys()

    def submit(self, owner: str, key: tuple, func, *args):
        """Run func(*args) for `key`: a coroutine function on the loop, anything else (blocking
        I/O) on the check's thread pool."""
        if inspect.iscoroutinefunction(func):
            self._track(owner, key, self.loop.create_task(func(*args)))
        else:
            self._track(owner, key, self.loop.run_in_executor(self.executor(), func, *args))

    def ask(self, owner: str, key: tuple, name: str, rdtype: str):
        """A DNS lookup for `key`. An answer the caches already hold (a zone's domains share a few
        providers' MX hosts) is delivered without starting a coroutine."""
        answer = self.resolver.cached(name, rdtype)
        if answer is None:
            future = self.loop.create_task(self.resolver.fetch(name, rdtype, self.deadline))
        else:
            future = self.loop.create_future()
            future.set_result(answer)
        self._track(owner, key, future)

    def _track(self, owner: str, key: tuple, future: asyncio.Future):
        self.owners[key] = owner
        self.pending[future] = key
        future.add_done_callback(self._finished)

    def executor(self) -> cf.ThreadPoolExecutor:
        """The check's threads for blocking work (started on first use: a DNS-only check has none)."""
        if self.pool is None:
            self.pool = cf.ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="check")
        return self.pool

    def submitted_keys(self, owner: str) -> list[tuple]:
        return [key for key, name in self.owners.items() if name == owner]

    def need(self, key: tuple, part: str):
        value = self.values.get(key)
        if value is None:
            raise Incomplete(f"The {part} check did not finish within {self.config.check_timeout:g} s")
        return value

    # -- the loop ------------------------------------------------------------------------

    def fail(self, part, exc):
        self.failures.setdefault(part, f"{type(exc).__name__}: {exc}"[:300])

    def on_done(self, key, value):
        self.values[key] = value
        for protocol in PROTOCOLS:
            try:
                protocol.on_result(self, key, value)
            except Exception as exc:  # a bug in one part must not lose the whole report
                self.fail(protocol.name, exc)

    def _finished(self, future):
        if self.closed:
            return   # cancelled at the deadline, or finished after it: the report is being made
        key = self.pending.pop(future)
        if future.cancelled():
            self.values.setdefault(key, None)
        elif future.exception() is not None:
            self.fail(self.owners[key], future.exception())
            self.values.setdefault(key, None)
        else:
            self.on_done(key, future.result())
        self.report_progress()
        if not self.pending:
            self.idle.set()

    async def run(self):
        self.loop = asyncio.get_running_loop()
        self.idle = asyncio.Event()
        for protocol in PROTOCOLS:
            try:
                protocol.start(self)
            except Exception as exc:
                self.fail(protocol.name, exc)
        remaining = self.hard_deadline - EVALUATE_RESERVE / 2 - time.monotonic()
        if self.pending and remaining > 0:
            try:
                async with asyncio.timeout(remaining):
                    await self.idle.wait()
            except TimeoutError:
                pass
        self.closed = True
        for future in self.pending:
            future.cancel()
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)

    # -- progress -------------------------------------------------------------------------

    def part_done(self, protocol) -> bool:
        own = all(key in self.values for key in self.submitted_keys(protocol.name))
        return own and all(self.part_done(_BY_NAME[name]) for name in protocol.after)

    def report_progress(self, final=False):
        if self.progress is None:
            return
        for protocol in PROTOCOLS:
            if protocol.name not in self.reported and (final or self.part_done(protocol)):
                self.reported.add(protocol.name)
                _call_quietly(self.progress, protocol.name)

    # -- evaluation ----------------------------------------------------------------------

    def evaluate(self):
        sections, findings, results = {}, [], {}
        for protocol in PROTOCOLS:
            name = protocol.name
            code, detail = None, None
            if name in self.failures:
                code, detail = f"{name}.check_failed", f"The {name} check failed: {self.failures[name]}"
            else:
                try:
                    result, part_findings = protocol.evaluate(self, results)
                except Incomplete as exc:
                    code, detail = f"{name}.incomplete", str(exc)
                except Exception as exc:
                    code, detail = f"{name}.check_failed", f"The {name} check failed: {type(exc).__name__}: {exc}"[:400]
            if code is not None:
                results[name] = None
                sections[name] = protocol.error_section()
                findings.append(Finding(code, "warn", name, detail, subject=self.domain))
                continue
            results[name] = result
            sections[name] = result.as_dict()
            findings.extend(part_findings)
        return sections, findings


_BY_NAME = {protocol.name: protocol for protocol in PROTOCOLS}


def _call_quietly(callback, *args):
    try:
        callback(*args)
    except Exception:  # the website's callback must not break the check
        pass


def check_domain(raw_input: str, config, *, progress=None, profile: str = "full") -> dict:
    """Check one domain; raises names.InvalidDomain for unusable input, otherwise always reports.

    Findings come in registry order, each protocol's in the order it found them; grading
    (checker/grading.py) orders them for people, once. `profile` (PROFILES) leaves out the SMTP
    probes (`dns+https`) or those and the policy fetch (`dns`), for surveys.

    Runs acheck_domain on an event loop of its own; callers on a running loop (surveys) await
    acheck_domain instead. `progress(part)` is called on the calling thread, never on the
    loop's: the site's callback writes to the database, which Django refuses from a thread
    running an event loop."""
    if progress is None:
        return asyncio.run(acheck_domain(raw_input, config, profile=profile))
    parts: "queue.SimpleQueue" = queue.SimpleQueue()
    outcome = {}

    def engine():
        try:
            outcome["report"] = asyncio.run(acheck_domain(raw_input, config, progress=parts.put, profile=profile))
        except BaseException as exc:  # handed to the caller below
            outcome["error"] = exc
        finally:
            parts.put(_DONE)

    threading.Thread(target=engine, name="check-engine", daemon=True).start()
    # RQ's job timeout (SIGALRM) interrupts this wait in the job's own thread, as before.
    while (part := parts.get()) is not _DONE:
        _call_quietly(progress, part)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["report"]


_DONE = object()


async def acheck_domain(raw_input: str, config, *, progress=None, profile: str = "full") -> dict:
    """check_domain() as a coroutine: many checks can share one event loop. `progress` is
    called on the loop and must not block."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; one of {', '.join(PROFILES)}")
    domain = normalize_domain(raw_input)
    started = time.monotonic()
    checked_at = datetime.now(timezone.utc)
    check = _Check(domain, config, progress, started, profile)
    await check.run()
    sections, findings = check.evaluate()
    check.report_progress(final=True)
    return {
        "domain": domain,
        "input": raw_input,
        "checked_at": checked_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "duration_ms": int((time.monotonic() - started) * 1000),
        "grade": None,
        "score": None,
        **{name: sections[name] for name in PARTS},
        "findings": [finding.as_dict() for finding in findings],
    }
