"""The address plan of the test network: the one place where ranges are decided.

Everything lives in one /16 of 127.0.0.0/8, FAKENET_NET (default 127.53.0.0/16), so
that several people can run independent networks on one machine (127.54..127.58 ...).
With N = the first two octets:

    N.0.1          Unbound, the validating resolver (CHECKER_RESOLVER)
    N.0.10         Knot "root"   authoritative for .
    N.0.11         Knot "tld"    authoritative for fi., com.
    N.0.12         Knot "child"  authoritative for every scenario / provider zone;
                   answers REFUSED for anything else (lame delegations point here)
    N.0.13         blackhole DNS: accepts UDP/TCP, never answers (timeout scenarios)
    N.0.14         nothing listens (connection refused)
    N.8.1          generic hosting web server (wrong certificate, 200 text/html)
    N.(20+i).x     entry i of the network's scenario list (shared provider zones first):
                   MX hosts x = 10, 11, ...,
                   policy host (mta-sts.<domain>) x = 80
    N.250.10-12    Knot's real addresses when FAKENET_DELAY_MS > 0 (a delaying proxy
                   then listens on N.0.10-12 and forwards there)

IPv6 (hosts whose `family` is "ipv6" or "dual", model.py) uses the unique-local /48
fd00:A:B::/48 for N = A.B (127.53 -> fd00:127:53::/48; the octets are written as they
read, so every /16 gets its own /48), mirroring the IPv4 plan: N.t.x <-> fd00:A:B:t::x,
e.g. MX host x = 10 of entry i is fd00:A:B:(20+i)::10. ::1 is no help (one address), so
`up` adds each allocated address to `lo` as a /128 (needs root / CAP_NET_ADMIN; refused
ones too, so that connecting is refused rather than unroutable) and `down` removes every
address of the /48 from `lo`. DNS servers and Unbound stay IPv4-only.

Addresses outside the range that scenarios use on purpose: 10.0.0.1, 127.0.0.1 (both
must be refused by the checker, which only allows FAKENET_NET and its IPv6 /48).
"""
from __future__ import annotations

import ipaddress
import os

DEFAULT_NET = "127.53.0.0/16"


class Plan:
    def __init__(self, net: str | None = None):
        net = net or os.environ.get("FAKENET_NET") or DEFAULT_NET
        self.network = ipaddress.ip_network(net, strict=False)
        if self.network.prefixlen != 16 or not self.network.subnet_of(ipaddress.ip_network("127.0.0.0/8")):
            raise ValueError(f"FAKENET_NET must be a /16 inside 127.0.0.0/8, not {net}")
        self.prefix = ".".join(str(self.network.network_address).split(".")[:2])
        self.tag = self.prefix.replace(".", "-")  # var/fakenet/<tag>/
        self.network6 = ipaddress.ip_network(f"fd00:{self.prefix.replace('.', ':')}::/48")

    def addr(self, third: int, fourth: int) -> str:
        return f"{self.prefix}.{third}.{fourth}"

    def addr6(self, third: int, fourth: int) -> str:
        """The IPv6 twin of addr(third, fourth): fd00:A:B:third::fourth (digits as they read)."""
        return str(ipaddress.ip_address(f"fd00:{self.prefix.replace('.', ':')}:{third}::{fourth}"))

    @property
    def resolver(self) -> str:
        return self.addr(0, 1)

    @property
    def knot(self) -> dict[str, str]:
        return {"root": self.addr(0, 10), "tld": self.addr(0, 11), "child": self.addr(0, 12)}

    def knot_bind(self, role: str, delayed: bool) -> str:
        """Where knotd really listens: behind the proxy when a delay is configured."""
        fourth = int(self.knot[role].rsplit(".", 1)[1])
        return self.addr(250, fourth) if delayed else self.knot[role]

    @property
    def blackhole(self) -> str:
        return self.addr(0, 13)

    @property
    def closed(self) -> str:
        return self.addr(0, 14)

    @property
    def generic_web(self) -> str:
        return self.addr(8, 1)

    def scenario_host(self, i: int, k: int) -> str:
        return self.addr(20 + i, 10 + k)

    def scenario_host6(self, i: int, k: int) -> str:
        return self.addr6(20 + i, 10 + k)

    def scenario_policy(self, i: int) -> str:
        return self.addr(20 + i, 80)

    def well_known(self) -> dict[str, str]:
        """Names usable as {placeholders} in scenario records."""
        return {
            "generic_web": self.generic_web,
            "blackhole": self.blackhole,
            "closed": self.closed,
            "child_ns": self.knot["child"],
            "prefix": self.prefix,  # the range's first two octets, e.g. "{prefix}.0.20"
        }
