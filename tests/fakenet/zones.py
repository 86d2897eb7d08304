"""Zone files for the fake DNS tree, signed offline with dnspython.

Signing offline (and serving with Knot's signing off) avoids Knot's two-step
key bootstrap and makes the bogus variants exact: expired signatures, missing RRSIGs
and DS records that match no key are written into the files as such.
Keys are ECDSAP256SHA256 (algorithm 13), one CSK per zone, generated per run.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
from dataclasses import dataclass, field

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone
from cryptography.hazmat.primitives.asymmetric import ec

from .addresses import Plan
from .model import Scenario
from .tls import Issued, TestPKI, tlsa_data

TTL = 300
SOA_TIMERS = "1 3600 600 86400 60"
TLDS = ("fi", "com")
ROOT_NS = "a.root-servers.net."


def _abs(name: str) -> str:
    return name if name.endswith(".") else name + "."


@dataclass
class ZoneKey:
    private: ec.EllipticCurvePrivateKey
    dnskey: object

    @classmethod
    def generate(cls) -> "ZoneKey":
        private = ec.generate_private_key(ec.SECP256R1())
        dnskey = dns.dnssec.make_dnskey(private.public_key(), dns.dnssec.Algorithm.ECDSAP256SHA256,
                                        flags=257)
        return cls(private, dnskey)

    def ds(self, owner: str) -> str:
        return dns.dnssec.make_ds(owner, self.dnskey, "SHA256").to_text()


@dataclass
class BuiltZone:
    name: str                 # absolute, e.g. "fi."
    role: str                 # which Knot instance serves it: root / tld / child
    lines: list[str] = field(default_factory=list)
    generic: list[tuple[str, int, bytes]] = field(default_factory=list)  # malformed rdata added raw
    mode: str = "signed"
    break_sigs: tuple = ()
    key: ZoneKey | None = None
    text: str = ""


def _txt(value: str) -> str:
    """One TXT rdata: a raw '"..." "..."' string is kept, else split into 255-byte strings."""
    if value.startswith('"'):
        return value
    chunks = [value[i:i + 255] for i in range(0, len(value), 255)] or [""]
    return " ".join('"' + c.replace("\\", "\\\\").replace('"', '\\"') + '"' for c in chunks)


def tlsa_rdata(spec: str, leaf: Issued, pki: TestPKI, next_leaf: Issued | None = None) -> tuple[str, bytes | None]:
    """("3 1 1 <hex>", None) or ("", wire) for a generic (malformed) record."""
    if spec.startswith("raw "):  # written as wire data: dnspython would refuse odd digest lengths
        u, sel, m, data = spec[4:].split(None, 3)
        return "", bytes([int(u), int(sel), int(m)]) + bytes.fromhex(data.replace(" ", ""))
    if spec.startswith("generic "):
        return "", bytes.fromhex(spec.split(None, 1)[1])
    parts = spec.split()
    usage, selector, mtype = (int(p) for p in parts[:3])
    wrong = "wrong" in parts[3:]
    if "next" in parts[3:]:
        leaf = next_leaf
    cert = {0: pki.root, 1: leaf, 2: pki.intermediate, 3: leaf}[usage]
    data = tlsa_data(pki.untrusted if wrong else cert, selector, mtype)
    if wrong and mtype in (1, 2):
        data = hashlib.sha256(b"fakenet-wrong" + data.encode()).hexdigest() * mtype
    return f"{usage} {selector} {mtype} {data}", None


class TreeBuilder:
    """Builds every zone of the tree from the catalogue and the allocated addresses."""

    def __init__(self, plan: Plan, pki: TestPKI, scenarios: list[Scenario], host_addr: dict[str, tuple[str, ...]],
                 host_leaf: dict[str, Issued], policy_addr: dict[str, str],
                 host_next_leaf: dict[str, Issued] | None = None):
        self.plan, self.pki, self.scenarios = plan, pki, scenarios
        self.host_addr, self.host_leaf, self.policy_addr = host_addr, host_leaf, policy_addr
        self.host_next_leaf = host_next_leaf or {}

    def build(self) -> list[BuiltZone]:
        pairs = [(s, self._child(s)) for s in self.scenarios if s.dns != "absent"]
        for _, z in pairs:
            if z.mode not in ("unsigned", "lame", "timeout"):
                z.key = ZoneKey.generate()
        tlds = []
        for tld in TLDS:
            z = self._tld(tld, [c for s, c in pairs if s.tld == tld])
            z.key = ZoneKey.generate()
            tlds.append(z)
        root = self._root(tlds)
        root.key = ZoneKey.generate()
        self.root_ds = root.key.ds(".")
        zones = [root, *tlds, *[c for _, c in pairs if c.mode not in ("lame", "timeout")]]
        for z in zones:
            z.text = sign(z)
        return zones

    # -- zone contents -------------------------------------------------------------

    def _soa(self, origin: str, ns: str) -> list[str]:
        return [f"{origin} {TTL} IN SOA {ns} hostmaster.{origin if origin != '.' else ''} {SOA_TIMERS}",
                f"{origin} {TTL} IN NS {ns}"]

    def _root(self, tlds: list[BuiltZone]) -> BuiltZone:
        z = BuiltZone(".", "root")
        z.lines += self._soa(".", ROOT_NS)
        z.lines.append(f"{ROOT_NS} {TTL} IN A {self.plan.knot['root']}")
        for t in tlds:
            ns = f"a.nic.{t.name}"
            z.lines += [f"{t.name} {TTL} IN NS {ns}", f"{ns} {TTL} IN A {self.plan.knot['tld']}",
                        f"{t.name} {TTL} IN DS {t.key.ds(t.name)}"]
        return z

    def _tld(self, tld: str, children: list[BuiltZone]) -> BuiltZone:
        origin = f"{tld}."
        z = BuiltZone(origin, "tld")
        ns = f"a.nic.{origin}"
        z.lines += self._soa(origin, ns)
        z.lines.append(f"{ns} {TTL} IN A {self.plan.knot['tld']}")
        for c in children:
            ns = f"ns1.{c.name}"
            address = {"lame": self.plan.knot["child"], "timeout": self.plan.blackhole}.get(c.mode, self.plan.knot["child"])
            z.lines += [f"{c.name} {TTL} IN NS {ns}", f"{ns} {TTL} IN A {address}"]
            if c.mode in ("signed", "bogus-expired", "bogus-nosig"):
                z.lines.append(f"{c.name} {TTL} IN DS {c.key.ds(c.name)}")
            elif c.mode == "bogus-ds":
                z.lines.append(f"{c.name} {TTL} IN DS {ZoneKey.generate().ds(c.name)}")
        return z

    def _child(self, s: Scenario) -> BuiltZone:
        origin = _abs(s.domain)
        z = BuiltZone(origin, "child", mode=s.dns)
        ns = f"ns1.{origin}"
        z.lines += self._soa(origin, ns)
        z.lines.append(f"{ns} {TTL} IN A {self.plan.knot['child']}")
        for mx in s.mx:
            pref, host = mx.split()
            z.lines.append(f"{origin} {TTL} IN MX {pref} {_abs(host)}")
        for h in s.hosts:
            owner = _abs(h.name)
            for address in self.host_addr[h.name]:
                rtype = "AAAA" if ":" in address else "A"
                z.lines.append(f"{owner} {TTL} IN {rtype} {address}")
            for spec in h.tlsa:
                text, wire = tlsa_rdata(spec, self.host_leaf[h.name], self.pki, self.host_next_leaf.get(h.name))
                if wire is None:
                    z.lines.append(f"_25._tcp.{owner} {TTL} IN TLSA {text}")
                else:
                    z.generic.append((f"_25._tcp.{owner}", dns.rdatatype.TLSA, wire))
            if h.tlsa_sig != "ok":
                z.break_sigs += ((f"_25._tcp.{owner}", "TLSA", h.tlsa_sig),)
        for value in s.mta_sts:
            z.lines.append(f"_mta-sts.{origin} {TTL} IN TXT {_txt(value)}")
        for value in s.tls_rpt:
            z.lines.append(f"_smtp._tls.{origin} {TTL} IN TXT {_txt(value)}")
        if s.policy is not None and s.policy.publish_a:
            z.lines.append(f"mta-sts.{origin} {TTL} IN A {self.policy_addr[s.domain]}")
        subst = self.plan.well_known()
        for line in s.records:
            line = line.format(**subst)
            owner, rest = line.split(None, 1)
            owner = origin if owner == "@" else (owner if owner.endswith(".") else f"{owner}.{origin}")
            z.lines.append(f"{owner} {TTL} IN {rest}")
        z.break_sigs += tuple((_abs(o if "." in o else f"{o}.{s.domain}"), t, how) for o, t, how in s.break_sigs)
        return z


def sign(z: BuiltZone) -> str:
    zone = dns.zone.from_text("\n".join(z.lines) + "\n", origin=z.name, relativize=False)
    with zone.writer() as txn:
        for owner, rdtype, wire in z.generic:
            txn.add(dns.name.from_text(owner), TTL, dns.rdata.GenericRdata(dns.rdataclass.IN, rdtype, wire))
    if z.key is not None:
        origin = dns.name.from_text(z.name)
        now = dt.datetime.now(dt.timezone.utc)
        good = (now - dt.timedelta(hours=1), now + dt.timedelta(days=14))
        expired = (now - dt.timedelta(days=40), now - dt.timedelta(days=10))  # beyond the 1-day skew validators allow
        overrides = {(dns.name.from_text(o), dns.rdatatype.from_text(t)): how for o, t, how in z.break_sigs}

        def signer(txn, rrset):
            how = overrides.get((rrset.name, rrset.rdtype), "ok")
            if z.mode == "bogus-expired":
                how = "expired"
            elif z.mode == "bogus-nosig" and rrset.rdtype != dns.rdatatype.DNSKEY:
                how = "missing"
            if how == "missing":
                return
            inception, expiration = expired if how == "expired" else good
            rrsig = dns.dnssec.sign(rrset, z.key.private, signer=origin, dnskey=z.key.dnskey,
                                    inception=inception, expiration=expiration, origin=origin)
            txn.add(rrset.name, rrset.ttl, rrsig)

        dns.dnssec.sign_zone(zone, keys=[(z.key.private, z.key.dnskey)], dnskey_ttl=TTL, rrset_signer=signer)
    return zone.to_text(relativize=False)


def write_zone(directory: str, z: BuiltZone) -> str:
    fname = "root.zone" if z.name == "." else z.name.rstrip(".") + ".zone"
    path = os.path.join(directory, fname)
    with open(path, "w", encoding="ascii") as handle:
        handle.write(z.text)
    return path
