"""The vocabulary of the scenario catalogue (scenarios*.py use only these classes).

A Scenario is one domain: how its zone is published (`dns`), its MX set, the mail
hosts it declares (each with an SMTP behaviour, a certificate and TLSA specs), the
TXT records, the MTA-STS policy server and what a correct checker must report
(`expect`, contract paths -> values, see expect.get_path).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

# How a zone is published (zones.py):
DNS_MODES = (
    "signed",         # signed, DS at the parent: secure
    "unsigned",       # unsigned, no DS: insecure
    "signed-no-ds",   # signed, but the parent has no DS: insecure ("island")
    "bogus-ds",       # signed, the parent's DS matches no key
    "bogus-expired",  # every signature expired yesterday
    "bogus-nosig",    # DNSKEY signed, every other RRset without RRSIG
    "lame",           # delegated to a server that answers REFUSED
    "timeout",        # delegated to a server that never answers
    "absent",         # not delegated at all: NXDOMAIN
)

SMTP_BEHAVIOURS = (
    "ok",             # ESMTP, STARTTLS, the declared chain
    "no-starttls",    # EHLO without STARTTLS
    "bad-handshake",  # STARTTLS offered, then plain text instead of a TLS handshake
    "silent",         # accepts TCP, never sends a banner
    "flood",          # answers EHLO with endless 250- lines
    "refused",        # nothing listens: connection refused
)

# Which address records a host gets (addresses.py allocates them):
FAMILIES = (
    "ipv4",           # an A record
    "ipv6",           # only an AAAA record
    "dual",           # A and AAAA; the server on the IPv6 address may differ (Host.smtp6)
)

HTTPS_BEHAVIOURS = (
    "ok",             # serve status / content type / body for /.well-known/mta-sts.txt, 404 elsewhere
    "placeholder",    # 200 text/html landing page for every path
    "redirect",       # `status` (301/302) with a Location header
    "huge",           # 200 text/plain, body over 64 KiB
    "silent",         # accepts TCP, never answers (no TLS handshake either)
    "trickle",        # TLS, then the response one byte a second
    "bad-handshake",  # plain text instead of a TLS handshake
    "garbage",        # TLS, then bytes that are not an HTTP response
    "refused",        # nothing listens
)


@dataclass(frozen=True)
class Smtp:
    behaviour: str = "ok"
    cert: str = "valid"           # tls.CERT_KINDS
    chain: str = "full"           # "full" (leaf + intermediate) or "leaf"

    def __post_init__(self):
        assert self.behaviour in SMTP_BEHAVIOURS, self.behaviour
        assert self.chain in ("full", "leaf"), self.chain


@dataclass(frozen=True)
class Host:
    """A mail host: A and/or AAAA record (`family`), optional TLSA RRset, optional SMTP server.

    `tlsa` entries: "3 1 1", "3 0 1", "3 1 2", "2 0 1", "2 1 1", "1 1 1", "0 0 1" are
    computed from the real certificates (usage 2/0: the intermediate / root; 3/1: the
    leaf); append " wrong" for a hash of something else with the right length, " next"
    for the host's next leaf (`next_key`);
    "raw <rdata>" publishes the text as is; "generic <hex>" publishes `TYPE52 \\# ...`
    wire data (malformed RDATA).
    """
    name: str
    smtp: Smtp | None = Smtp()
    tlsa: tuple[str, ...] = ()
    address: str | None = None    # fixed address instead of one allocated in the range
    tlsa_sig: str = "ok"          # "ok" | "expired" | "missing": breaks only the TLSA RRSIG
    family: str = "ipv4"          # FAMILIES; `address` replaces only the IPv4 one
    smtp6: Smtp | None = None     # "dual": the IPv6 address's server when it differs from `smtp`
                                  # (same certificate: one leaf per host name)
    next_key: bool = False        # a second leaf ("the next key"): TLSA specs ending in " next" hash it,
                                  # and the server presents it once Network.present_next_key(host) is called

    def __post_init__(self):
        assert self.family in FAMILIES, self.family
        assert self.smtp6 is None or (self.family == "dual" and self.smtp is not None
                                      and self.smtp6.cert == self.smtp.cert), "smtp6: dual stack, smtp's cert"


@dataclass(frozen=True)
class Policy:
    """The HTTPS server at mta-sts.<domain> (its A record is added automatically)."""
    body: str | None = None       # None: a valid enforce policy listing the scenario's MX hosts
    status: int = 200
    content_type: str = "text/plain"
    behaviour: str = "ok"
    cert: str = "valid"
    location: str = "https://www.example.fi/"
    publish_a: bool = True

    def __post_init__(self):
        assert self.behaviour in HTTPS_BEHAVIOURS, self.behaviour


def policy_text(mode: str = "enforce", mx: tuple[str, ...] = (), max_age: int = 86400) -> str:
    """An STSv1 policy (RFC 8461 3.2), CRLF line ends."""
    lines = ["version: STSv1", f"mode: {mode}", *[f"mx: {m}" for m in mx], f"max_age: {max_age}"]
    return "\r\n".join(lines) + "\r\n"


@dataclass(frozen=True)
class Scenario:
    domain: str
    description: str
    dns: str = "signed"
    mx: tuple[str, ...] = ()          # MX rdata, e.g. "10 mx1.dane-ok.fi" or "0 ."
    hosts: tuple[Host, ...] = ()      # hosts whose A/TLSA live in this zone
    mta_sts: tuple[str, ...] = ()     # TXT records at _mta-sts.<domain>
    tls_rpt: tuple[str, ...] = ()     # TXT records at _smtp._tls.<domain>
    policy: Policy | None = None
    records: tuple[str, ...] = ()     # extra zone-file lines, owner relative to the domain;
                                      # {generic_web}, {blackhole}, {closed}, {prefix} are substituted
    break_sigs: tuple[tuple[str, str, str], ...] = ()  # (owner, type, "expired"|"missing")
    expect: Mapping[str, Any] = field(default_factory=dict)
    infrastructure: bool = False      # a shared provider zone, not a test case

    def __post_init__(self):
        assert self.dns in DNS_MODES, self.dns
        assert self.domain.count(".") == 1, "scenario domains are direct children of a TLD"
        object.__setattr__(self, "expect", MappingProxyType(dict(self.expect)))

    @property
    def tld(self) -> str:
        return self.domain.split(".", 1)[1]

    @property
    def policy_host(self) -> str:
        return f"mta-sts.{self.domain}"
