"""Draw a population from the thesis's proportions (pure: no I/O, deterministic per seed).

Every domain gets a DNS class (Table 11's tree: DS or not, bogus, dead delegation, no MX,
null MX, TLSA for all / some / no MX hosts, unusable TLSA), an MTA-STS class (Table 13:
policy host missing, or what its server does: refuse, 404, never answer, fail the
handshake, show another name's certificate, serve an invalid or a valid policy in testing
or enforce mode), an `_mta-sts` TXT class (Table 14) and a TLS-RPT class. Counts are the
thesis's shares of N, with a floor so that every row of every table has members; the
combinations Tables 15-19 count (valid MTA-STS with DANE, with TLS-RPT) are placed
explicitly, since independent draws would leave them empty.

`expected(domain, profile)` is what a correct survey must record for it: the summary
columns, with None where a value does not enter any table for that domain.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

TLD = "fi"

# Table 11 (shares of the parent row).
DS_SHARE = 18127 / 524728
DS_TREE = {"bogus": 62 / 18127, "dead": 8 / 18127, "nomx": 3913 / 18127}
MX_NULL = 2923 / 14144
TLSA = {"all": 4441 / 11221, "some": 13 / 11221, "invalid": 9 / 11221}     # rest: none
DEAD_SHARE = 747 / 524728                          # Table 13 "DNS query timed out"
UNSIGNED_MX = {"nomx": 0.20, "null": 0.03}          # not in the thesis; rest: MX present
# Table 13 (shares of domains whose mta-sts host resolves).
HOST_SHARE = 77166 / 524728
FETCH = {"tcp": 3984 / 77166, "http-status": 6654 / 77166, "timeout": 12729 / 77166, "tls": 2192 / 77166}
RECEIVED = 3802 / 77166                            # rest of the hosts: certificate errors
VALID_FILE = 138 / 3802
TESTING = 33 / 138
# Table 14 / 15.
TXT_EXISTS = 16850 / 77166
BOTH_VALID = 121 / 524728
ONLY_TXT = 10 / 524728
DANE_AND_STS = 21 / 524728
# Tables 17-19: TLS-RPT configured.
RPT_DANE = 10 / 4463
RPT_STS = 45 / 121
RPT_BOTH = 6 / 21
RPT_ELSEWHERE, RPT_INVALID = 0.003, 0.001

PROVIDER_FOR = {"none": "signed-plain", "all": "dane", "some": "half", "invalid": "unusable"}
VALID_TXT = "v=STSv1; id=20240601T000000;"
INVALID_TXT = "v=STSv1; id=not valid!;"
VALID_RPT = "v=TLSRPTv1; rua=mailto:tlsrpt@reports.example"
INVALID_RPT = "v=TLSRPTv1; rua=ftp://reports.example"


@dataclass
class Domain:
    name: str
    dns: str = "unsigned"      # unsigned | signed | bogus | dead
    ds: bool = False
    mx: str = "present"        # present | none | null
    tlsa: str = "none"         # for signed domains with MX: none | all | some | invalid
    provider: str = "plain"    # the MX provider zone: plain (unsigned) | signed-plain | dane | half | unusable
    sts: str = "missing"       # policy host: missing | tcp | http-status | timeout | tls | certificate |
                               # invalid | testing | enforce
    txt: str = "missing"       # _mta-sts: missing | valid | invalid
    rpt: str = "none"          # _smtp._tls: none | valid | invalid

    @property
    def healthy(self) -> bool:
        return self.dns in ("unsigned", "signed")

    @property
    def dane(self) -> bool:
        return self.dns == "signed" and self.mx == "present" and self.tlsa in ("all", "some")


class _Quota:
    def __init__(self, floor: int):
        self.floor = floor

    def __call__(self, share: float, base: int) -> int:
        return min(base, max(self.floor, round(share * base)))


def _split(share: float, size: int, floor: int) -> int:
    """How many of `size` get the property: the share, but both sides keep up to `floor`."""
    keep = min(floor, size // 2)
    return max(keep, min(round(share * size), size - keep))


def generate(n: int, seed: int = 13, floor: int = 2) -> list[Domain]:
    rng = random.Random(seed)
    q = _Quota(floor)
    width = len(str(n))
    domains = [Domain(f"s{i:0{width}d}.{TLD}") for i in range(n)]
    pool = list(domains)
    rng.shuffle(pool)

    def take(count: int, source: list[Domain]) -> list[Domain]:
        chosen = source[:count]
        del source[:count]
        return chosen

    # -- DNS classes (Table 11) --------------------------------------------------------------
    ds_count = max(q(DS_SHARE, n), 10 * floor)   # room for the 8 leaves of Table 11 below "dnssec configured"
    leaves = {"bogus": q(DS_TREE["bogus"], ds_count), "dead": q(DS_TREE["dead"], ds_count),
              "nomx": q(DS_TREE["nomx"], ds_count)}
    exists = ds_count - sum(leaves.values())
    null = min(q(MX_NULL, exists), exists - 4 * floor)
    not_null = exists - null
    tlsa = {kind: q(share, not_null) for kind, share in TLSA.items()}
    tlsa["none"] = not_null - sum(tlsa.values())
    if min(exists, null, not_null, tlsa["none"]) < floor:
        raise ValueError(f"{n} domains are too few for a floor of {floor} per table row")
    ds_domains = take(ds_count, pool)
    rest = list(ds_domains)
    for d in take(leaves["bogus"], rest):
        d.dns, d.ds, d.mx = "bogus", True, "present"
    for d in take(leaves["dead"], rest):
        d.dns, d.ds = "dead", True
    for d in take(leaves["nomx"], rest):
        d.dns, d.ds, d.mx = "signed", True, "none"
    for d in take(null, rest):
        d.dns, d.ds, d.mx = "signed", True, "null"
    for kind, count in tlsa.items():
        for d in take(count, rest):
            d.dns, d.ds, d.mx, d.tlsa, d.provider = "signed", True, "present", kind, PROVIDER_FOR[kind]
    dead = max(floor, round(DEAD_SHARE * n) - leaves["dead"])
    for d in take(dead, pool):
        d.dns = "dead"
    for d in take(round(UNSIGNED_MX["nomx"] * len(pool)), pool):
        d.mx = "none"
    for d in take(max(floor, round(UNSIGNED_MX["null"] * len(pool))), pool):
        d.mx = "null"
    unsigned_mx = [d for d in domains if d.dns == "unsigned" and d.mx == "present"]
    for d in unsigned_mx:
        d.provider = rng.choice(("plain", "plain", "plain", "signed-plain", "dane"))

    # -- MTA-STS (Tables 13-16) ----------------------------------------------------------------
    healthy = [d for d in domains if d.healthy]
    rng.shuffle(healthy)
    dane = [d for d in healthy if d.dane]
    other = [d for d in healthy if not d.dane and d.mx == "present"]   # policies name the MX hosts
    both = max(q(BOTH_VALID, n), 2 * floor)
    both_dane = min(q(DANE_AND_STS, n), both - floor, len(dane) - floor)
    valid_files = take(both_dane, dane) + take(both - both_dane, other)
    for d in valid_files:
        d.txt = "valid"
    hosts = q(HOST_SHARE, n)
    received = max(q(RECEIVED, hosts), both + 2 * floor)
    valid = max(q(VALID_FILE, received), both + floor)
    only_file = take(valid - both, other)
    valid_files += only_file
    plain_hosts = take(hosts - valid, other)
    for i, d in enumerate(valid_files):
        d.sts = "testing" if i < q(TESTING, valid) else "enforce"
    rng.shuffle(valid_files)
    cursor = 0
    for word, share in FETCH.items():
        count = q(share, hosts)
        for d in plain_hosts[cursor:cursor + count]:
            d.sts = word
        cursor += count
    for d in plain_hosts[cursor:cursor + received - valid]:
        d.sts = "invalid"
    cursor += received - valid
    for d in plain_hosts[cursor:]:
        d.sts = "certificate"
    only_txt = plain_hosts[:q(ONLY_TXT, n)]
    for d in only_txt:
        d.txt = "valid"
    invalid_txt = max(0, q(TXT_EXISTS, hosts) - both - len(only_txt))
    candidates = [d for d in plain_hosts + only_file if d.txt == "missing"]
    rng.shuffle(candidates)
    for d in candidates[:invalid_txt]:
        d.txt = "invalid"

    # -- TLS-RPT (Tables 17-19) ----------------------------------------------------------------
    sts_ok = [d for d in domains if d.sts in ("testing", "enforce") and d.txt == "valid"]
    groups = [([d for d in sts_ok if d.dane], RPT_BOTH), ([d for d in sts_ok if not d.dane], RPT_STS),
              ([d for d in domains if d.dane and d not in sts_ok], RPT_DANE)]
    for members, share in groups:
        for d in members[:_split(share, len(members), floor)]:
            d.rpt = "valid"
    rest = [d for d in healthy if d.rpt == "none" and not d.dane and d not in sts_ok]
    rng.shuffle(rest)
    for d in rest[:round(RPT_ELSEWHERE * len(rest))]:
        d.rpt = "valid"
    for d in rest[round(RPT_ELSEWHERE * len(rest)):round((RPT_ELSEWHERE + RPT_INVALID) * len(rest))]:
        d.rpt = "invalid"
    return domains


# -- what a correct survey records ----------------------------------------------------------------

STS_POLICY = {"tcp": ("fetch-error", "tcp"), "http-status": ("fetch-error", "http-status"),
              "timeout": ("fetch-error", "timeout"), "tls": ("fetch-error", "tls"),
              "certificate": ("fetch-error", "certificate"), "invalid": ("invalid", ""),
              "testing": ("valid", ""), "enforce": ("valid", "")}


def expected(d: Domain, profile: str) -> dict:
    """The summary columns a survey must store for `d` (None: not compared, enters no table)."""
    if not d.healthy:
        return {"ds_present": d.ds,
                "dnssec_status": "bogus" if d.dns == "bogus" else "error", "mx_status": "error",
                "dane_status": None, "mta_sts_host": "error", "mta_sts_policy": None, "mta_sts_fetch_error": None,
                "mta_sts_mode": None, "mta_sts_record": None, "tls_rpt_status": "error", "dane_verified": None}
    mx = {"present": "present", "none": "none", "null": "null"}[d.mx]
    dane = None
    if d.dns == "signed":
        dane = d.tlsa if d.mx == "present" else "not-applicable"
    row = {"ds_present": d.ds, "dnssec_status": "secure" if d.dns == "signed" else "insecure", "mx_status": mx,
           "dane_status": dane, "mta_sts_host": "missing" if d.sts == "missing" else "resolves",
           "mta_sts_policy": None, "mta_sts_fetch_error": None, "mta_sts_mode": None,
           "mta_sts_record": d.txt, "tls_rpt_status": d.rpt,
           # Only `full` probes the MX hosts; every usable TLSA record matches its server's key.
           "dane_verified": ("all" if profile == "full" else "not-tested") if d.dane else None}
    if d.sts != "missing":
        if profile == "dns":
            row["mta_sts_policy"], row["mta_sts_fetch_error"], row["mta_sts_mode"] = "not-fetched", "", ""
        else:
            row["mta_sts_policy"], row["mta_sts_fetch_error"] = STS_POLICY[d.sts]
            row["mta_sts_mode"] = d.sts if d.sts in ("testing", "enforce") else ""
    return row
