"""Bring the test network up and down: build, start, wait until ready, stop by PID.

State lives under var/fakenet/<tag>/ (tag from FAKENET_NET, e.g. 127-53): zone files,
keys, certificates, configs, logs, pid files and checker.env. `up` first stops
whatever a previous run of the same range left behind (pid files), so it is safe to
call repeatedly. IPv6 host addresses (addresses.py) are added to `lo` by `up` and
removed by `down`.
"""
from __future__ import annotations

import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode

from .addresses import DEFAULT_NET, Plan
from .model import Scenario, policy_text
from .tls import TestPKI
from .zones import TLDS, TreeBuilder, write_zone

REPO = Path(__file__).resolve().parents[2]
VAR = REPO / "var" / "fakenet"
START_TIMEOUT = 15.0


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


@dataclass
class Settings:
    net: str | None = None
    delay_ms: int = field(default_factory=lambda: _env_int("FAKENET_DELAY_MS", 0))
    dns_port: int = field(default_factory=lambda: _env_int("FAKENET_DNS_PORT", 53))     # Unbound, for the checker
    auth_port: int = field(default_factory=lambda: _env_int("FAKENET_AUTH_PORT", 53))   # Knot
    smtp_port: int = field(default_factory=lambda: _env_int("FAKENET_SMTP_PORT", 25))
    https_port: int = field(default_factory=lambda: _env_int("FAKENET_HTTPS_PORT", 443))


def ipv6_enabled() -> bool:
    """IPv6 hosts need addresses on `lo`, which only root may add. FAKENET_IPV6=0 or 1
    overrides; without it, IPv6 scenarios are in the catalogue only when running as root."""
    setting = os.environ.get("FAKENET_IPV6", "").strip()
    if setting in ("0", "1"):
        return setting == "1"
    return os.geteuid() == 0


def catalogue() -> list[Scenario]:
    """Every scenario: shared provider zones first, then scenarios.py, MTA-STS, grading."""
    from .scenarios import INFRASTRUCTURE, SCENARIOS
    from .scenarios_grading import SCENARIOS as GRADING
    from .scenarios_monitoring import SCENARIOS as MONITORING
    from .scenarios_mta_sts import SCENARIOS as MTA_STS
    scenarios = [*INFRASTRUCTURE, *SCENARIOS, *MTA_STS, *GRADING, *MONITORING]
    if not ipv6_enabled():
        scenarios = [s for s in scenarios if all(h.family == "ipv4" for h in s.hosts)]
    domains = [s.domain for s in scenarios]
    # Addresses come from the list position (addresses.py), so only names can clash.
    clashes = sorted({d for d in domains if domains.count(d) > 1})
    if clashes:
        raise ValueError(f"scenario domains defined twice: {clashes}")
    return scenarios


# -- processes ------------------------------------------------------------------------

def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child of ours counts as gone
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _pids_mentioning(state: Path) -> list[int]:
    relative = os.path.relpath(state, REPO)
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and _alive(int(entry)):
            words = _cmdline(int(entry)).split()
            ours = words and (os.path.basename(words[0]) in ("knotd", "unbound") or "tests.fakenet.servers" in words)
            if ours and any(w.startswith((f"{state}/", f"{relative}/")) for w in words):
                found.append(int(entry))
    return found


def stop_pidfiles(state: Path) -> list[int]:
    """SIGTERM (then SIGKILL) every process named in state/pids/*.pid that is still ours.

    "Ours" = its command line mentions the state directory, so a recycled PID of an
    unrelated process is never signalled.
    """
    stopped = []
    piddir = state / "pids"
    marker = str(state)
    pids = []
    for pidfile in (piddir.glob("*.pid") if piddir.is_dir() else ()):
        try:
            pid = int(pidfile.read_text().strip())
        except (OSError, ValueError):
            pidfile.unlink(missing_ok=True)
            continue
        if _alive(pid) and marker in _cmdline(pid):
            os.kill(pid, signal.SIGTERM)
            pids.append(pid)
        pidfile.unlink(missing_ok=True)
    # Pid files can be lost (a crashed `up`); the state directory in a command line still
    # identifies leftovers of this range, and nothing else.
    for pid in _pids_mentioning(state):
        if pid not in pids and pid != os.getpid():
            os.kill(pid, signal.SIGTERM)
            pids.append(pid)
    deadline = time.monotonic() + 3
    for pid in pids:
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
        try:  # reap it if it is our own child (fixture use)
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        stopped.append(pid)
    return stopped



def knot_conf(directory, listen: str, log_file, log_level: str, zone_lines: str, udp_workers: int = 1) -> str:
    """A knotd configuration serving pre-signed zone files from `directory` (signing off)."""
    return f"""server:
    rundir: "{directory}/run"
    listen: [ "{listen}" ]
    udp-workers: {udp_workers}
    tcp-workers: 1
    background-workers: 1
log:
  - target: "{log_file}"
    any: {log_level}
database:
    storage: "{directory}/db"
template:
  - id: default
    storage: "{directory}"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
zone:
{zone_lines}"""

class Network:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self.plan = Plan(self.settings.net)
        self.state = VAR / self.plan.tag
        self.scenarios = catalogue()
        self.delayed = self.settings.delay_ms > 0

    # -- public ---------------------------------------------------------------------

    @property
    def env_file(self) -> Path:
        return self.state / "checker.env"

    def up(self) -> dict[str, str]:
        started = time.monotonic()
        self.down()
        if self.state.exists():
            shutil.rmtree(self.state)
        for sub in ("pids", "certs", "logs", "knot-root", "knot-tld", "knot-child", "unbound", "www", "switch"):
            (self.state / sub).mkdir(parents=True)
        try:
            self._build()
            self._ip6("add", self.addresses6)
            self._start_knot()
            self._start_servers()
            self._start_unbound()
            self._wait_ready(started + START_TIMEOUT)
        except BaseException:
            self.down()
            raise
        env = self._write_env()
        (self.state / "startup.json").write_text(json.dumps(
            {"seconds": round(time.monotonic() - started, 2), "scenarios": len([s for s in self.scenarios if not s.infrastructure]),
             "delay_ms": self.settings.delay_ms}))
        return env

    def down(self) -> list[int]:
        stopped = stop_pidfiles(self.state)
        self._ip6("del", self.addresses6_on_lo())
        return stopped

    def addresses6_on_lo(self) -> list[str]:
        """This range's IPv6 addresses currently on `lo` (other ranges' are left alone)."""
        try:
            shown = subprocess.run(["ip", "-6", "-o", "addr", "show", "dev", "lo"], capture_output=True,
                                   text=True, check=False).stdout
        except FileNotFoundError:
            return []
        words = shown.split()
        found = [words[n + 1].split("/")[0] for n, word in enumerate(words[:-1]) if word == "inet6"]
        return [a for a in found if ipaddress.ip_address(a) in self.plan.network6]

    def switch_file(self, host: str) -> Path:
        return self.state / "switch" / host

    def present_next_key(self, host: str, on: bool = True):
        """From the next connection on, `host` (a Host with next_key) presents its next leaf
        (on=False: the current one again). A key rollover done without updating TLSA."""
        path = self.switch_file(host)
        if on:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("next\n")
        else:
            path.unlink(missing_ok=True)

    def is_up(self) -> bool:
        piddir = self.state / "pids"
        pids = [int(p.read_text()) for p in piddir.glob("*.pid")] if piddir.is_dir() else []
        return len(pids) == 5 and all(_alive(pid) for pid in pids) and self.env_file.exists()

    def read_env(self) -> dict[str, str]:
        env = {}
        for line in self.env_file.read_text().splitlines():
            if "=" in line and not line.startswith("#"):
                key, value = line.split("=", 1)
                env[key] = value
        return env

    # -- build --------------------------------------------------------------------------

    def _build(self):
        plan, pki = self.plan, TestPKI()
        self.pki = pki
        pki.write_root(self.state / "certs" / "root.pem")
        self.host_addr, self.host_leaf, self.policy_addr, self.host_next_leaf = {}, {}, {}, {}
        self.listeners, self.addresses6 = [], []
        certs = self.state / "certs"

        def write_chain(label, leaf, chain):
            cert_path, key_path = certs / f"{label}.pem", certs / f"{label}.key"
            cert_path.write_bytes(leaf.pem + b"".join(c.pem for c in chain))
            key_path.write_bytes(leaf.key_pem)
            return str(cert_path), str(key_path)

        if len(self.scenarios) > 229 or any(len(s.hosts) > 70 for s in self.scenarios):
            raise ValueError("the address plan holds 229 zones of at most 70 hosts (addresses.py)")
        for i, s in enumerate(self.scenarios):
            for k, h in enumerate(s.hosts):
                servers = []  # (address, Smtp or None, listen?)
                if h.family != "ipv6":
                    servers.append((h.address or plan.scenario_host(i, k), h.smtp, not h.address))
                if h.family != "ipv4":
                    servers.append((plan.scenario_host6(i, k), h.smtp6 or h.smtp, True))
                    self.addresses6.append(servers[-1][0])
                self.host_addr[h.name] = tuple(address for address, _, _ in servers)
                leaf, chain = pki.leaf([h.name], h.smtp.cert if h.smtp else "valid")
                self.host_leaf[h.name] = leaf
                if h.next_key:
                    self.host_next_leaf[h.name] = pki.leaf([h.name], "valid")[0]
                for address, smtp, listen in servers:
                    if smtp is None or smtp.behaviour == "refused" or not listen:
                        continue
                    label = h.name if ":" not in address else f"{h.name}.ipv6"
                    cert, key = write_chain(label, leaf, chain if smtp.chain == "full" else [])
                    self.listeners.append({"kind": "smtp", "address": address, "port": self.settings.smtp_port,
                                           "behaviour": smtp.behaviour, "host": h.name, "cert": cert, "key": key})
                    if h.next_key:
                        next_cert, next_key = write_chain(label + ".next", self.host_next_leaf[h.name],
                                                          chain if smtp.chain == "full" else [])
                        self.listeners[-1].update(next_cert=next_cert, next_key=next_key,
                                                  switch_file=str(self.switch_file(h.name)))
            if s.policy is not None:
                p = s.policy
                address = plan.scenario_policy(i)
                self.policy_addr[s.domain] = address
                if p.behaviour == "refused":
                    continue
                leaf, chain = pki.leaf([s.policy_host], p.cert)
                cert, key = write_chain(s.policy_host, leaf, chain)
                mx_names = tuple(m.split()[1] for m in s.mx if m.split()[1] != ".")
                body = p.body if p.body is not None else policy_text("enforce", mx_names)
                self.listeners.append({"kind": "https", "address": address, "port": self.settings.https_port,
                                       "behaviour": p.behaviour, "host": s.policy_host, "cert": cert, "key": key,
                                       "status": p.status, "content_type": p.content_type, "body": body,
                                       "location": p.location})
        leaf, chain = pki.leaf(["www.generic-hosting.fi"], "valid")
        cert, key = write_chain("generic-web", leaf, chain)
        self.listeners.append({"kind": "https", "address": plan.generic_web, "port": self.settings.https_port,
                               "behaviour": "placeholder", "host": "www.generic-hosting.fi", "cert": cert, "key": key})
        self.listeners.append({"kind": "blackhole", "address": plan.blackhole, "port": self.settings.auth_port})
        if self.delayed:
            for role in ("root", "tld", "child"):
                self.listeners.append({"kind": "dnsproxy", "address": plan.knot[role], "port": self.settings.auth_port,
                                       "target": [plan.knot_bind(role, True), self.settings.auth_port]})

        builder = TreeBuilder(plan, pki, self.scenarios, self.host_addr, self.host_leaf, self.policy_addr,
                              self.host_next_leaf)
        self.zones = builder.build()
        self.root_ds = builder.root_ds
        for z in self.zones:
            write_zone(str(self.state / f"knot-{z.role}"), z)

    # -- start ----------------------------------------------------------------------------

    @staticmethod
    def _ip6(verb: str, addresses: list[str]):
        if not addresses:
            return
        commands = "".join(f"address {verb} {a}/128 dev lo\n" for a in addresses)
        result = subprocess.run(["ip", "-6", "-batch", "-"], input=commands, capture_output=True, text=True)
        if result.returncode:
            raise RuntimeError(f"fakenet: `ip address {verb}` on lo failed (IPv6 hosts need root): "
                               f"{result.stderr.strip()}")

    def _spawn(self, name: str, argv: list[str], cwd: Path | None = None) -> int:
        log = open(self.state / "logs" / f"{name}.log", "ab")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                cwd=cwd or REPO, start_new_session=True)
        log.close()
        (self.state / "pids" / f"{name}.pid").write_text(f"{proc.pid}\n")
        return proc.pid

    def _start_knot(self):
        for role in ("root", "tld", "child"):
            d = self.state / f"knot-{role}"
            (d / "run").mkdir()
            (d / "db").mkdir()
            zones = [z for z in self.zones if z.role == role]
            zone_lines = "".join(
                f'  - domain: "{z.name}"\n    file: "{"root" if z.name == "." else z.name.rstrip(".")}.zone"\n' for z in zones)
            listen = f"{self.plan.knot_bind(role, self.delayed)}@{self.settings.auth_port}"
            conf = knot_conf(d, listen, self.state / "logs" / f"knot-{role}.log", "notice", zone_lines)
            (d / "knot.conf").write_text(conf)
            self._spawn(f"knot-{role}", ["knotd", "-c", str(d / "knot.conf")])

    def _start_servers(self):
        spec = {"delay_ms": self.settings.delay_ms, "listeners": self.listeners}
        spec_path = self.state / "servers.json"
        spec_path.write_text(json.dumps(spec, indent=1))
        self._spawn("servers", [sys.executable, "-m", "tests.fakenet.servers", str(spec_path),
                                str(self.state / "servers.ready")])

    def _start_unbound(self):
        d = self.state / "unbound"
        auth = self.settings.auth_port
        (d / "root.hints").write_text(f". 3600 IN NS a.root-servers.net.\na.root-servers.net. 3600 IN A {self.plan.knot['root']}\n")
        (d / "root.ds").write_text(f". 3600 IN DS {self.root_ds}\n")
        stubs, hints = "", f'root-hints: "{d}/root.hints"'
        if auth != 53:
            hints = "# no root-hints: the stub for . names the root server with its port"
            # Referrals always mean port 53; without root, name every zone's server explicitly.
            stubs += f'stub-zone:\n    name: "."\n    stub-addr: {self.plan.knot["root"]}@{auth}\n'
            for tld in TLDS:
                stubs += f'stub-zone:\n    name: "{tld}."\n    stub-addr: {self.plan.knot["tld"]}@{auth}\n'
            for s in self.scenarios:
                if s.dns == "absent":
                    continue
                target = self.plan.blackhole if s.dns == "timeout" else self.plan.knot["child"]
                stubs += f'stub-zone:\n    name: "{s.domain}."\n    stub-addr: {target}@{auth}\n'
        conf = f"""server:
    interface: {self.plan.resolver}@{self.settings.dns_port}
    port: {self.settings.dns_port}
    do-ip6: no
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "{d}"
    pidfile: ""
    logfile: "{self.state}/logs/unbound.log"
    use-syslog: no
    verbosity: 1
    log-servfail: yes
    val-log-level: 2
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    {hints}
    trust-anchor-file: "{d}/root.ds"
    module-config: "validator iterator"
    ede: yes
    qname-minimisation: no
    aggressive-nsec: no
    prefetch: no
    serve-expired: no
    num-threads: 1
    so-reuseport: no
    outgoing-range: 512
    num-queries-per-thread: 1024
    wait-limit: 0
    unknown-server-time-limit: 200
    # Dead delegations must fail in well under a second: cap the retransmit backoff and
    # answer SERVFAIL instead of dropping the client's query (discard-timeout).
    infra-cache-max-rtt: {max(400, 4 * self.settings.delay_ms + 200)}
    discard-timeout: 0
    infra-host-ttl: 30
    cache-max-negative-ttl: 30
    val-bogus-ttl: 5
    minimal-responses: no
remote-control:
    control-enable: no
{stubs}"""
        (d / "unbound.conf").write_text(conf)
        self._spawn("unbound", ["unbound", "-d", "-c", str(d / "unbound.conf")])

    # -- readiness ------------------------------------------------------------------------

    def _wait_ready(self, deadline: float):
        auth = self.settings.auth_port
        pending = {role: self.plan.knot_bind(role, self.delayed) for role in ("root", "tld", "child")}
        ready_file = self.state / "servers.ready"
        while True:
            self._check_alive()
            for role, address in list(pending.items()):
                if _answers(address, auth, "." if role == "root" else ("fi." if role == "tld" else self._a_child())):
                    del pending[role]
            if not pending and ready_file.exists() and _validates(self.plan.resolver, self.settings.dns_port):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"fakenet not ready in {START_TIMEOUT} s (waiting for knot {sorted(pending)}, "
                                   f"servers {ready_file.exists()}); logs in {self.state / 'logs'}")
            time.sleep(0.05)

    def _a_child(self) -> str:
        return next(z.name for z in self.zones if z.role == "child")

    def _check_alive(self):
        for pidfile in (self.state / "pids").glob("*.pid"):
            pid = int(pidfile.read_text())
            if not _alive(pid):
                name = pidfile.stem
                log = (self.state / "logs" / f"{name}.log")
                tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
                raise RuntimeError(f"fakenet: {name} exited at start-up:\n{tail}")

    def _write_env(self) -> dict[str, str]:
        env = {
            "CHECKER_RESOLVER": f"{self.plan.resolver}:{self.settings.dns_port}",
            "CHECKER_CA_BUNDLE": str(self.state / "certs" / "root.pem"),
            "CHECKER_ALLOWED_NETWORKS": f"{self.plan.network},{self.plan.network6}",
        }
        if self.settings.smtp_port != 25:
            env["CHECKER_SMTP_PORT"] = str(self.settings.smtp_port)
        if self.settings.https_port != 443:
            env["CHECKER_HTTPS_PORT"] = str(self.settings.https_port)
        text = "".join(f"{k}={v}\n" for k, v in env.items())
        self.env_file.write_text(text)
        if str(self.plan.network) == DEFAULT_NET:  # `make demo` reads the default range's copy
            (VAR / "checker.env").write_text(text)
        return env


def _answers(address: str, port: int, name: str) -> bool:
    try:
        response = dns.query.udp(dns.message.make_query(name, "SOA"), address, port=port, timeout=0.2)
    except (OSError, dns.exception.DNSException):
        return False
    return response.rcode() == dns.rcode.NOERROR and bool(response.answer)


def _validates(address: str, port: int) -> bool:
    try:
        q = dns.message.make_query("fi.", "SOA", want_dnssec=True)
        response = dns.query.udp(q, address, port=port, timeout=0.5)
    except (OSError, dns.exception.DNSException):
        return False
    return response.rcode() == dns.rcode.NOERROR and bool(response.flags & dns.flags.AD)


def wait_tcp(address: str, port: int, timeout: float = 2.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((address, port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.02)
    return False
