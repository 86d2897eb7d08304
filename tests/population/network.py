"""Build and run the population's own small internet (wildcard-free, zone files generated).

Addresses (N = the /16's first two octets; the third octets 251-252 are unused by
tests/fakenet, so a population can share FAKENET_NET with the session's test network):
  N.251.1 Unbound   N.251.10/11/12 Knot root / TLD / every domain zone   N.251.13 dead name server
  N.251.20+k  MX hosts of the providers (SMTP)
  N.252.1-16 policy servers (certificate and answer by SNI)   N.252.20-35 shared hosting with
  another name's certificate   N.252.40-43 failed TLS handshakes   N.252.50 nothing listening
  N.252.100-163 servers that accept and never answer
One Knot instance serves all domain zones (many thousands), so the catalogue's 229-zone
address plan does not apply. Unsigned zones are written as they are; signed ones are signed
offline with one key shared by all domain zones (the DS records still differ per owner).
"""
from __future__ import annotations

import ipaddress
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dns.flags
import dns.message
import dns.query
from cryptography.hazmat.primitives import serialization

from tests.fakenet.model import policy_text
from tests.fakenet.network import REPO, _alive, knot_conf, stop_pidfiles
from tests.fakenet.tls import Issued, TestPKI, _build, _name, tlsa_data
from tests.fakenet.zones import TTL, BuiltZone, ZoneKey, sign

from .generate import (INVALID_RPT, INVALID_TXT, TLD, VALID_RPT, VALID_TXT, Domain)

VAR = REPO / "var" / "population"
START_TIMEOUT = 120.0
SOA = "1 3600 600 86400 60"
PROVIDERS = {  # zone -> (signed, [(host, tlsa spec or None)])
    "plain": (False, [("mx1", None), ("mx2", None)]),
    "signed-plain": (True, [("mx1", None), ("mx2", None)]),
    "dane": (True, [("mx1", "3 1 1"), ("mx2", "3 1 1")]),
    "half": (True, [("mx1", "3 1 1"), ("mx2", None)]),
    "unusable": (True, [("mx1", "1 1 1")]),   # PKIX-EE: not usable for SMTP (RFC 7672 3.1.3)
}
POLICY_IPS, WRONG_CERT_IPS, BAD_TLS_IPS, SILENT_IPS = 16, 16, 4, 64


def provider_zone(name: str) -> str:
    return f"prov-{name}.{TLD}"


class Plan:
    def __init__(self, net: str, pool_size: int | None = None):
        network = ipaddress.ip_network(net)
        if network.prefixlen != 16:
            raise ValueError(f"{net}: the population needs a /16")
        a, b = str(network.network_address).split(".")[:2]
        self.prefix, self.network = f"{a}.{b}", network
        self.tag = f"{a}-{b}"
        p = self.prefix
        self.resolver, self.blackhole = f"{p}.251.1", f"{p}.251.13"
        self.knot = {"root": f"{p}.251.10", "tld": f"{p}.251.11", "child": f"{p}.251.12"}
        # pool_size: fewer addresses per kind, so that many hosts share one (politeness tests).
        sizes = [pool_size or n for n in (POLICY_IPS, WRONG_CERT_IPS, BAD_TLS_IPS, SILENT_IPS)]
        self.policy = [f"{p}.252.{1 + i}" for i in range(sizes[0])]
        self.wrong_cert = [f"{p}.252.{20 + i}" for i in range(sizes[1])]
        self.bad_tls = [f"{p}.252.{40 + i}" for i in range(sizes[2])]
        self.closed = f"{p}.252.50"
        self.silent = [f"{p}.252.{100 + i}" for i in range(sizes[3])]

    def mx_address(self, index: int) -> str:
        return f"{self.prefix}.251.{20 + index}"


class PopulationNetwork:
    def __init__(self, domains: list[Domain], net: str, log_queries: bool = False, unbound_threads: int = 1,
                 pool_size: int | None = None):
        self.domains, self.plan = domains, Plan(net, pool_size)
        self.state = VAR / self.plan.tag
        self.log_queries, self.unbound_threads = log_queries, unbound_threads

    @property
    def stats_file(self) -> Path:
        return self.state / "stats.json"

    def stats(self) -> dict:
        try:
            return json.loads(self.stats_file.read_text())
        except (OSError, ValueError):
            return {"peak": {}, "names": {}}

    def reset_stats(self, timeout: float = 10.0):
        """Forget the peaks and names counted so far (the servers drop them within 0.5 s)."""
        reset = Path(str(self.stats_file) + ".reset")
        reset.write_text("")
        deadline = time.monotonic() + timeout
        while reset.exists():
            if time.monotonic() > deadline:
                raise RuntimeError("the population's servers did not reset their counts")
            time.sleep(0.05)
        time.sleep(0.6)   # the next write carries the empty counts

    def queried(self, name: str) -> bool:
        """Whether Unbound's query log (log_queries=True) names `name` or anything below it."""
        log = (self.state / "logs" / "unbound.log").read_text(errors="replace").lower()
        return f" {name.lower()}. " in log or f".{name.lower()}. " in log

    def env(self) -> dict[str, str]:
        return {"CHECKER_RESOLVER": f"{self.plan.resolver}:53",
                "CHECKER_CA_BUNDLE": str(self.state / "root.pem"),
                "CHECKER_ALLOWED_NETWORKS": str(self.plan.network)}

    # -- lifecycle ---------------------------------------------------------------------------

    def up(self) -> dict[str, str]:
        self.down()
        if self.state.exists():
            shutil.rmtree(self.state)
        for sub in ("pids", "logs", "certs", "knot-root", "knot-tld", "knot-child", "unbound"):
            (self.state / sub).mkdir(parents=True)
        try:
            started = time.monotonic()
            self._build()
            self.build_seconds = round(time.monotonic() - started, 1)
            self._start()
            self._wait(time.monotonic() + START_TIMEOUT)
        except BaseException:
            self.down()
            raise
        return self.env()

    def down(self):
        stop_pidfiles(self.state)

    def restart_resolver(self):
        """A cold cache: Unbound stopped (by its pid) and started again."""
        pidfile = self.state / "pids" / "unbound.pid"
        pid = int(pidfile.read_text())
        if _alive(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 5
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.02)
        self._spawn("unbound", ["unbound", "-d", "-c", str(self.state / "unbound" / "unbound.conf")])
        self._wait(time.monotonic() + START_TIMEOUT)

    # -- build -------------------------------------------------------------------------------

    def _build(self):
        pki = TestPKI()
        self.pki = pki
        (self.state / "root.pem").write_bytes(pki.root.pem)
        shared_key = pki.leaf(["shared.invalid"])[0].key     # one key for every leaf: fast to build
        certs = self.state / "certs"

        def leaf(name: str, names=None):
            cert = _build(_name(name), pki.intermediate.cert.subject, shared_key.public_key(), pki.intermediate.key,
                          ca=False, names=names or [name])
            path = certs / f"{name}.pem"
            path.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + pki.intermediate.pem)
            return str(path), cert

        key_path = certs / "shared.key"
        key_path.write_bytes(shared_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()))
        key = str(key_path)
        listeners, zones = [], []
        child_key, other_key = ZoneKey.generate(), ZoneKey.generate()

        # MX providers: zones, SMTP servers, TLSA of the served key.
        mx_index, self.provider_hosts = 0, {}
        provider_zones = []
        for pname, (signed, hosts) in PROVIDERS.items():
            origin = provider_zone(pname) + "."
            z = BuiltZone(origin, "child", mode="signed" if signed else "unsigned", key=child_key if signed else None)
            z.lines += [f"{origin} {TTL} IN SOA ns1.{origin} hostmaster.{origin} {SOA}",
                        f"{origin} {TTL} IN NS ns1.{origin}", f"ns1.{origin} {TTL} IN A {self.plan.knot['child']}"]
            names = []
            for host, tlsa in hosts:
                fqdn = f"{host}.{origin}"
                address = self.plan.mx_address(mx_index)
                mx_index += 1
                cert_path, cert = leaf(fqdn[:-1])
                listeners.append({"kind": "smtp", "address": address, "port": 25, "host": fqdn[:-1],
                                  "cert": cert_path, "key": key})
                z.lines.append(f"{fqdn} {TTL} IN A {address}")
                if tlsa:
                    usage, selector, mtype = (int(x) for x in tlsa.split())
                    issued = Issued(cert, shared_key)
                    z.lines.append(f"_25._tcp.{fqdn} {TTL} IN TLSA {tlsa} {tlsa_data(issued, selector, mtype)}")
                names.append(fqdn[:-1])
            self.provider_hosts[pname] = names
            provider_zones.append((z, signed))

        # Policy hosts: one site per mta-sts host that answers over TLS with its own name.
        sites = {}
        counters = {"policy": 0, "wrong": 0, "tls": 0, "silent": 0}

        def next_address(kind, pool):
            address = pool[counters[kind] % len(pool)]
            counters[kind] += 1
            return address

        domain_zones = []
        for d in self.domains:
            if d.dns == "dead":
                domain_zones.append((d, None))
                continue
            origin = f"{d.name}."
            signed = d.dns in ("signed", "bogus")
            z = BuiltZone(origin, "child", mode="signed" if signed else "unsigned", key=child_key if signed else None)
            z.lines += [f"{origin} {TTL} IN SOA ns1.{origin} hostmaster.{origin} {SOA}",
                        f"{origin} {TTL} IN NS ns1.{origin}", f"ns1.{origin} {TTL} IN A {self.plan.knot['child']}"]
            mx_names = self.provider_hosts[d.provider] if d.mx == "present" else []
            if d.mx == "null":
                z.lines.append(f"{origin} {TTL} IN MX 0 .")
            for pref, host in enumerate(mx_names):
                z.lines.append(f"{origin} {TTL} IN MX {10 * (pref + 1)} {host}.")
            if d.sts != "missing":
                host = f"mta-sts.{d.name}"
                if d.sts in ("testing", "enforce", "invalid", "http-status"):
                    address = next_address("policy", self.plan.policy)
                    body = policy_text(d.sts, tuple(mx_names)) if d.sts in ("testing", "enforce") else "hello\r\n"
                    cert_path, _ = leaf(host)
                    sites[host] = {"status": 404 if d.sts == "http-status" else 200, "content_type": "text/plain",
                                   "body": body, "cert": cert_path, "key": key}
                elif d.sts == "certificate":
                    address = next_address("wrong", self.plan.wrong_cert)
                elif d.sts == "tls":
                    address = next_address("tls", self.plan.bad_tls)
                elif d.sts == "timeout":
                    address = next_address("silent", self.plan.silent)
                else:  # tcp: nothing listens there
                    address = self.plan.closed
                z.lines.append(f"{host}. {TTL} IN A {address}")
            if d.txt != "missing":
                z.lines.append(f'_mta-sts.{origin} {TTL} IN TXT "{VALID_TXT if d.txt == "valid" else INVALID_TXT}"')
            if d.rpt != "none":
                z.lines.append(f'_smtp._tls.{origin} {TTL} IN TXT "{VALID_RPT if d.rpt == "valid" else INVALID_RPT}"')
            domain_zones.append((d, z))

        # The TLD: every delegation, DS where signed (a wrong one for bogus), dead ones to the blackhole.
        tld_origin = f"{TLD}."
        tld = BuiltZone(tld_origin, "tld", key=ZoneKey.generate())
        tld.lines += [f"{tld_origin} {TTL} IN SOA a.nic.{tld_origin} hostmaster.{tld_origin} {SOA}",
                      f"{tld_origin} {TTL} IN NS a.nic.{tld_origin}", f"a.nic.{tld_origin} {TTL} IN A {self.plan.knot['tld']}"]
        for z, signed in provider_zones:
            tld.lines += [f"{z.name} {TTL} IN NS ns1.{z.name}", f"ns1.{z.name} {TTL} IN A {self.plan.knot['child']}"]
            if signed:
                tld.lines.append(f"{z.name} {TTL} IN DS {child_key.ds(z.name)}")
        for d, _ in domain_zones:
            origin = f"{d.name}."
            server = self.plan.blackhole if d.dns == "dead" else self.plan.knot["child"]
            tld.lines += [f"{origin} {TTL} IN NS ns1.{origin}", f"ns1.{origin} {TTL} IN A {server}"]
            if d.ds:
                tld.lines.append(f"{origin} {TTL} IN DS {(other_key if d.dns == 'bogus' else child_key).ds(origin)}")
        root = BuiltZone(".", "root", key=ZoneKey.generate())
        root.lines += [f". {TTL} IN SOA a.root-servers.net. hostmaster. {SOA}", f". {TTL} IN NS a.root-servers.net.",
                       f"a.root-servers.net. {TTL} IN A {self.plan.knot['root']}",
                       f"{tld_origin} {TTL} IN NS a.nic.{tld_origin}", f"a.nic.{tld_origin} {TTL} IN A {self.plan.knot['tld']}",
                       f"{tld_origin} {TTL} IN DS {tld.key.ds(tld_origin)}"]
        self.root_ds = root.key.ds(".")
        self.zone_names = {"root": ["."], "tld": [tld_origin], "child": []}
        for z in [root, tld] + [z for z, _ in provider_zones] + [z for _, z in domain_zones if z is not None]:
            text = sign(z) if z.key is not None else "\n".join(z.lines) + "\n"
            fname = "root.zone" if z.name == "." else z.name.rstrip(".") + ".zone"
            (self.state / f"knot-{z.role}" / fname).write_text(text)
            if z.role == "child":
                self.zone_names["child"].append(z.name)

        generic_cert, _ = leaf("www.generic-hosting.fi", ["www.generic-hosting.fi"])
        listeners += [{"kind": "policy", "address": a, "port": 443} for a in self.plan.policy]
        listeners += [{"kind": "wrong-cert", "address": a, "port": 443, "cert": generic_cert, "key": key}
                      for a in self.plan.wrong_cert]
        listeners += [{"kind": "bad-handshake", "address": a, "port": 443} for a in self.plan.bad_tls]
        listeners += [{"kind": "silent", "address": a, "port": 443} for a in self.plan.silent]
        listeners.append({"kind": "blackhole", "address": self.plan.blackhole, "port": 53})
        default_cert, _ = leaf("policy-default.invalid")
        self.spec = {"listeners": listeners,
                     "policy": {"sites": sites, "default_cert": default_cert, "default_key": key}}

    # -- start -------------------------------------------------------------------------------

    def _spawn(self, name: str, argv: list[str]):
        log = open(self.state / "logs" / f"{name}.log", "ab")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=REPO,
                                start_new_session=True)
        log.close()
        (self.state / "pids" / f"{name}.pid").write_text(f"{proc.pid}\n")

    def _start(self):
        for role in ("root", "tld", "child"):
            d = self.state / f"knot-{role}"
            (d / "run").mkdir()
            (d / "db").mkdir()
            zones = "".join(f'  - domain: "{n}"\n    file: "{"root" if n == "." else n.rstrip(".")}.zone"\n'
                            for n in self.zone_names[role])
            (d / "knot.conf").write_text(knot_conf(d, f"{self.plan.knot[role]}@53", self.state / "logs" / f"knot-{role}.log",
                                                   "warning", zones, udp_workers=2 if role == "child" else 1))
            self._spawn(f"knot-{role}", ["knotd", "-c", str(d / "knot.conf")])
        spec_path = self.state / "servers.json"
        spec_path.write_text(json.dumps(self.spec))
        self._spawn("servers", [sys.executable, "-m", "tests.population.servers", str(spec_path),
                                str(self.state / "servers.ready"), str(self.stats_file)])
        u = self.state / "unbound"
        (u / "root.hints").write_text(f". 3600 IN NS a.root-servers.net.\na.root-servers.net. 3600 IN A {self.plan.knot['root']}\n")
        (u / "root.ds").write_text(f". 3600 IN DS {self.root_ds}\n")
        (u / "unbound.conf").write_text(f"""server:
    interface: {self.plan.resolver}@53
    port: 53
    do-ip6: no
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "{u}"
    pidfile: ""
    logfile: "{self.state}/logs/unbound.log"
    use-syslog: no
    verbosity: 1
    log-queries: {"yes" if self.log_queries else "no"}
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    root-hints: "{u}/root.hints"
    trust-anchor-file: "{u}/root.ds"
    module-config: "validator iterator"
    ede: yes
    qname-minimisation: no
    aggressive-nsec: no
    prefetch: no
    num-threads: {self.unbound_threads}
    so-reuseport: yes
    outgoing-range: 4096
    num-queries-per-thread: 2048
    msg-cache-size: 64m
    rrset-cache-size: 128m
    key-cache-size: 16m
    wait-limit: 0
    unknown-server-time-limit: 200
    # One Knot serves every domain zone: a burst it answers late must not get it marked as
    # down for all of them (keep probing), while a dead delegation still fails in ~1 s.
    infra-cache-max-rtt: 1000
    infra-keep-probing: yes
    so-rcvbuf: 4m
    discard-timeout: 0
    infra-host-ttl: 60
    cache-max-negative-ttl: 300
    val-bogus-ttl: 60
    minimal-responses: no
remote-control:
    control-enable: no
""")
        self._spawn("unbound", ["unbound", "-d", "-c", str(u / "unbound.conf")])

    def _wait(self, deadline: float):
        probe = next((f"{d.name}." for d in self.domains if d.dns == "signed"), f"{TLD}.")
        while True:
            for pidfile in (self.state / "pids").glob("*.pid"):
                if not _alive(int(pidfile.read_text())):
                    log = self.state / "logs" / f"{pidfile.stem}.log"
                    raise RuntimeError(f"population: {pidfile.stem} exited:\n{log.read_text(errors='replace')[-2000:]}")
            if (self.state / "servers.ready").exists() and _secure(self.plan.resolver, probe):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"population network not ready in {START_TIMEOUT:.0f} s; logs in {self.state}/logs")
            time.sleep(0.1)


def _secure(address: str, name: str) -> bool:
    try:
        response = dns.query.udp(dns.message.make_query(name, "SOA", want_dnssec=True), address, timeout=0.5)
    except Exception:
        return False
    return response.rcode() == 0 and bool(response.flags & dns.flags.AD)
