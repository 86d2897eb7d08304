"""Orchestration: check_domain(raw_input, config) -> the report dict of docs/report-contract.md.

The work is a small dependency graph run on one bounded thread pool, driven from the
calling thread (which never blocks a worker on another worker, so the pool cannot
deadlock):

    validates, SOA, DS, MX, MTA-STS retrieval, TLS-RPT TXT      (all at once)
    MX answer  -> per host: A, AAAA, TLSA                       (as soon as MX arrives)
    A + AAAA of a host -> per address: SMTP STARTTLS probe      (as soon as that host resolves)
                       -> TLSA of its secure CNAME target       (only for an alias, RFC 7672 2.2.3)

Everything shares one deadline; the report is returned by config.check_timeout whatever
happens, with unfinished parts marked `error` and a finding saying so.
"""
import concurrent.futures as cf
import importlib
import time
from datetime import datetime, timezone

from . import dnssec as dnssec_mod
from . import mx as mx_mod
from . import net
from .dns import Resolver
from .findings import Finding
from .names import normalize_domain

PARTS = ("dnssec", "mx", "starttls", "dane", "mta_sts", "tls_rpt")
# What a check talks to (surveys choose; the site always runs "full"):
# profile -> (SMTP STARTTLS probes, MTA-STS policy fetch over HTTPS). Without probes every
# MX address is listed as starttls `skipped` ("not probed") and DANE matching `not-tested`;
# without the fetch the policy is `not-fetched`. The DNS queries are the same in all three.
PROFILES = {"dns": (False, False), "dns+https": (False, True), "full": (True, True)}
MAX_WORKERS = 24
EVALUATE_RESERVE = 0.25   # seconds kept back from the ceiling to evaluate and build the report
SEVERITY_ORDER = {"fail": 0, "warn": 1, "info": 2, "pass": 3}

FINDING_CODES = {}
for _part in PARTS:
    FINDING_CODES[f"{_part}.incomplete"] = f"The {_part} check did not finish within the time limit"
    FINDING_CODES[f"{_part}.check_failed"] = f"The checker failed internally while checking {_part}"


def _optional(name):
    """Modules written in parallel by others; the report still comes out without them."""
    try:
        return importlib.import_module(f"{__package__}.{name}")
    except ImportError:
        return None


def _unpack(outcome):
    """evaluate_* return (result, findings) or a result carrying .findings."""
    if isinstance(outcome, tuple) and len(outcome) == 2:
        return outcome[0], tuple(outcome[1] or ())
    return outcome, tuple(getattr(outcome, "findings", ()) or ())


def _as_dict(result):
    if result is None:
        return None
    if isinstance(result, dict):
        return result
    return result.as_dict()


def _status(result):
    if result is None:
        return None
    if isinstance(result, dict):
        return result.get("status")
    return getattr(result, "status", None)


ERROR_SECTIONS = {
    "dnssec": lambda: {"status": "error", "ds_present": False, "reason": None},
    "mx": lambda: {"status": "error", "hosts": []},
    "starttls": lambda: {"status": "error", "hosts": []},
    "dane": lambda: {"status": "error", "hosts": [], "verified": "not-tested"},
    "mta_sts": lambda: {
        "status": "error",
        "record": {"status": "error", "id": None, "raw": []},
        "policy_host": {"status": "error", "addresses": []},
        "policy": {"status": "not-fetched", "fetch_error": None, "http_status": None, "mode": None,
                   "max_age": None, "mx": [], "errors": []},
        "mx_coverage": {"covered": [], "uncovered": []},
    },
    "tls_rpt": lambda: {"status": "error", "rua": [], "raw": []},
}


class _Check:
    def __init__(self, domain, config, progress, started, profile="full"):
        self.probe_smtp, self.fetch_policy = PROFILES[profile]
        self.domain = domain
        self.config = config
        self.progress = progress
        self.hard_deadline = started + config.check_timeout
        self.deadline = self.hard_deadline - EVALUATE_RESERVE
        self.resolver = Resolver(config)
        self.pool = cf.ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="check")
        self.pending: dict[cf.Future, tuple] = {}
        self.values: dict[tuple, object] = {}
        self.failures: dict[str, str] = {}       # part -> what went wrong internally
        self.reported: set[str] = set()
        self.plan = None
        self.hosts: list[str] = []
        self.checked: set[str] = set()            # hosts probed and TLSA-checked (mx.MAX_HOSTS)
        self.tlsa_names: list[str] = []           # TLSA base domains looked up: hosts, then aliases
        self.probe_keys: list[tuple] = []
        self.modules = {name: _optional(name) for name in ("starttls", "dane", "mta_sts", "tls_rpt")}

    # -- scheduling ---------------------------------------------------------------------

    def submit(self, key, func, *args):
        self.pending[self.pool.submit(func, *args)] = key

    def submit_tlsa(self, dane, name):
        if name not in self.tlsa_names:  # an alias may be another MX host's own name
            self.tlsa_names.append(name)
            self.submit(("tlsa", name), self.retrieve_tlsa, dane, name)

    def start(self):
        r, d, dl = self.resolver, self.domain, self.deadline
        self.submit(("validates",), r.validates, dl)
        self.submit(("soa",), r.query, d, "SOA", dl)
        self.submit(("ds",), r.query, d, "DS", dl)
        self.submit(("mx",), r.query, d, "MX", dl)
        mta_sts, tls_rpt = self.modules["mta_sts"], self.modules["tls_rpt"]
        if mta_sts is not None and hasattr(mta_sts, "retrieve_mta_sts"):
            self.submit(("mta_sts",), self.retrieve_mta_sts, mta_sts)
        if tls_rpt is not None:
            self.submit(("tls_rpt",), tls_rpt.retrieve_tls_rpt, d, r, dl)

    def on_done(self, key, value):
        self.values[key] = value
        kind = key[0]
        if kind == "mx":
            self.plan = mx_mod.plan_mx(self.domain, value)
            dane = self.modules["dane"]
            self.checked = {name for name, _ in self.plan.checked}
            for name, _ in self.plan.targets:
                self.hosts.append(name)
                self.submit(("a", name), self.resolver.query, name, "A", self.deadline)
                self.submit(("aaaa", name), self.resolver.query, name, "AAAA", self.deadline)
                if dane is not None and name in self.checked:
                    self.submit_tlsa(dane, name)
        elif kind in ("a", "aaaa"):
            name = key[1]
            lookups = (self.values.get(("a", name)), self.values.get(("aaaa", name)))
            if None not in lookups and name in self.checked:
                # RFC 7672 2.2.3: a host name that is an alias with a secure CNAME expansion
                # has the expanded name as its first TLSA base domain candidate.
                alias = mx_mod.secure_alias(name, lookups)
                if alias is not None and self.modules["dane"] is not None:
                    self.submit_tlsa(self.modules["dane"], alias)
                addresses = mx_mod.usable_addresses(lookups) if self.probe_smtp else ()
                for address in mx_mod.probed_addresses(addresses):
                    probe_key = ("probe", name, address)
                    self.probe_keys.append(probe_key)
                    self.submit(probe_key, net.smtp_starttls, name, address, self.config.smtp_port,
                                self.deadline, self.config)
        self.report_progress()

    def run(self):
        self.start()
        while self.pending:
            remaining = self.hard_deadline - EVALUATE_RESERVE / 2 - time.monotonic()
            if remaining <= 0:
                break
            done, _ = cf.wait(list(self.pending), timeout=remaining, return_when=cf.FIRST_COMPLETED)
            for future in done:
                key = self.pending.pop(future)
                try:
                    self.on_done(key, future.result())
                except Exception as exc:  # a bug in one part must not lose the whole report
                    self.failures.setdefault(_part_of(key), f"{type(exc).__name__}: {exc}"[:300])
                    self.values.setdefault(key, None)
                    self.report_progress()
        self.pool.shutdown(wait=False, cancel_futures=True)

    # -- progress -------------------------------------------------------------------------

    def _finished(self, *keys) -> bool:
        return all(key in self.values for key in keys)

    def part_done(self, part) -> bool:
        hosts_keys = [(kind, name) for name in self.hosts for kind in ("a", "aaaa")]
        if part == "dnssec":
            return self._finished(("validates",), ("soa",), ("ds",))
        if part == "mx":
            return self._finished(("mx",), *hosts_keys)
        if part == "starttls":
            return self.part_done("mx") and self._finished(*self.probe_keys)
        if part == "dane":
            tlsa = [("tlsa", name) for name in self.tlsa_names]
            return self.part_done("starttls") and self._finished(*tlsa)
        return self._finished((part,))

    def retrieve_mta_sts(self, mta_sts):
        # Its TXT lookup runs beside the policy host lookup on our pool; that inner wait
        # cannot deadlock because no other task of ours waits on anything.
        return mta_sts.retrieve_mta_sts(self.domain, self.resolver, self.config, self.deadline,
                                        executor=self.pool, fetch=self.fetch_policy)

    def retrieve_tlsa(self, dane, name):
        return dane.retrieve_tlsa(self.resolver, name, deadline=self.deadline)

    def report_progress(self, final=False):
        if self.progress is None:
            return
        for part in PARTS:
            if part not in self.reported and (final or self.part_done(part)):
                self.reported.add(part)
                try:
                    self.progress(part)
                except Exception:  # the website's callback must not break the check
                    pass

    # -- evaluation ----------------------------------------------------------------------

    def evaluate(self):
        sections, findings = {}, []

        def fallback(part, why_code, detail):
            sections[part] = ERROR_SECTIONS[part]()
            findings.append(Finding(why_code, "warn", part, detail, subject=self.domain))

        def guarded(part, func):
            if part in self.failures:
                fallback(part, f"{part}.check_failed", f"The {part} check failed: {self.failures[part]}")
                return None
            try:
                result, part_findings = func()
            except _Incomplete as exc:
                fallback(part, f"{part}.incomplete", str(exc))
                return None
            except Exception as exc:
                fallback(part, f"{part}.check_failed",
                         f"The {part} check failed: {type(exc).__name__}: {exc}"[:400])
                return None
            sections[part] = _as_dict(result)
            findings.extend(part_findings)
            return result

        v = self.values
        validates = v.get(("validates",))
        guarded("dnssec", lambda: dnssec_mod.evaluate_dnssec(
            dnssec_mod.DnssecRetrieved(self.domain, self.need("soa", "dnssec"), self.need("ds", "dnssec"),
                                       v.get(("mx",))), validates))
        trusted = dnssec_mod.resolver_trusted(validates, v.get(("soa",)), v.get(("mx",)))
        mx_result = guarded("mx", lambda: mx_mod.evaluate_mx(mx_mod.MxRetrieved(
            self.domain, self.need("mx", "mx"),
            {name: (v[("a", name)], v[("aaaa", name)]) for name in self.hosts
             if v.get(("a", name)) is not None and v.get(("aaaa", name)) is not None}), trusted))
        mx_hosts = tuple(getattr(mx_result, "checked_hosts", ()) or ())
        unchecked = tuple(getattr(mx_result, "unchecked", ()) or ())
        probes = self.probes(mx_hosts)
        starttls, dane, mta_sts, tls_rpt = (self.modules[name] for name in ("starttls", "dane", "mta_sts",
                                                                              "tls_rpt"))
        starttls_result = guarded("starttls", lambda: _unpack(self.module(starttls, "starttls").evaluate_starttls(
            probes, mx_hosts, self.config.ca_bundle, unchecked=unchecked)))
        # Every name looked up is a key, None when its lookup did not finish: for an alias
        # that is an indeterminate answer, not the absence of a lookup (dane.evaluate_dane).
        tlsa = {name: v.get(("tlsa", name)) for name in self.tlsa_names}
        dane_result = guarded("dane", lambda: _unpack(self.module(dane, "dane").evaluate_dane(
            self.need_result(mx_result, "dane").checked_hosts, tlsa, probes, resolver_trusted=trusted)))
        mta_sts_result = guarded("mta_sts", lambda: _unpack(self.module(mta_sts, "mta_sts").evaluate_mta_sts(
            self.need("mta_sts", "mta_sts"), mx_result, starttls_result)))
        guarded("tls_rpt", lambda: _unpack(self.module(tls_rpt, "tls_rpt").evaluate_tls_rpt(
            self.need("tls_rpt", "tls_rpt"), _status(dane_result), _status(mta_sts_result))))
        return sections, findings

    def need(self, key, part):
        value = self.values.get((key,))
        if value is None:
            raise _Incomplete(f"The {part} check did not finish within {self.config.check_timeout:g} s")
        return value

    def need_result(self, result, part):
        if result is None:
            raise _Incomplete(f"The {part} check needs the MX result, which is missing")
        return result

    def module(self, module, part):
        if module is None or not hasattr(module, f"evaluate_{part}"):
            raise _Incomplete(f"The {part} check is not available in this build")
        return module

    def probes(self, mx_hosts):
        """One probe per address, in host order; unfinished ones say the time ran out."""
        found = []
        if not self.probe_smtp:
            return ()  # the profile probes nothing: evaluate_starttls lists them as skipped
        for host in mx_hosts:
            for address in mx_mod.probed_addresses(host.addresses):
                probe = self.values.get(("probe", host.name, address))
                if probe is None:
                    probe = net.SmtpProbe(host=host.name, address=address, port=self.config.smtp_port,
                                          status="unreachable", error="the check's time limit was reached",
                                          stage="connect", error_kind="timeout")
                found.append(probe)
        return tuple(found)


class _Incomplete(Exception):
    pass


def _part_of(key) -> str:
    return {"validates": "dnssec", "soa": "dnssec", "ds": "dnssec", "mx": "mx", "a": "mx", "aaaa": "mx",
            "tlsa": "dane", "probe": "starttls", "mta_sts": "mta_sts", "tls_rpt": "tls_rpt"}[key[0]]


def _finding_dict(finding) -> dict:
    return finding.as_dict() if hasattr(finding, "as_dict") else dict(finding)


def check_domain(raw_input: str, config, *, progress=None, profile: str = "full") -> dict:
    """Check one domain; raises names.InvalidDomain for unusable input, otherwise always reports.
    `profile` (PROFILES) leaves out the SMTP probes (`dns+https`) or those and the policy
    fetch (`dns`), for surveys."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; one of {', '.join(PROFILES)}")
    domain = normalize_domain(raw_input)
    started = time.monotonic()
    checked_at = datetime.now(timezone.utc)
    check = _Check(domain, config, progress, started, profile)
    check.run()
    sections, findings = check.evaluate()
    check.report_progress(final=True)
    order = {part: index for index, part in enumerate(PARTS)}
    indexed = list(enumerate(_finding_dict(f) for f in findings))
    indexed.sort(key=lambda item: (order.get(item[1].get("protocol"), 99),
                                   SEVERITY_ORDER.get(item[1].get("severity"), 9), item[0]))
    report = {
        "domain": domain,
        "input": raw_input,
        "checked_at": checked_at.isoformat(timespec="seconds").replace("+00:00", "Z"),
        "duration_ms": int((time.monotonic() - started) * 1000),
        "grade": None,
        "score": None,
        **{part: sections[part] for part in PARTS},
        "findings": [finding for _, finding in indexed],
    }
    return report
