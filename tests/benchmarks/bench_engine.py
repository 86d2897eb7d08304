"""Engine benchmark: wall time of a full check against the loopback test network.

    python -m tests.benchmarks.bench_engine      (make bench runs it)

1. p50/p95 of a full check of a signed 2-MX domain with DANE, with a cold resolver
   cache (the test network restarted before each run) and a warm one.
2. With FAKENET_DELAY_MS=50 (every authoritative DNS query and every SMTP/HTTPS reply
   waits 50 ms), the ratio of the full check's wall time to its critical path: the
   same steps done one after another for one MX address (MX query, A query, then one
   STARTTLS probe: connect, banner, EHLO, STARTTLS, handshake). A ratio near 1 means
   every other lookup and probe overlapped with that chain.

Settings: BENCH_RUNS (warm runs, default 30), BENCH_COLD_RUNS (default 8), FAKENET_NET
(default 127.54.0.0/16). The network is started and stopped here. Figures are printed
and written to var/bench/engine.json.
"""
import json
import os
import statistics
import time
from pathlib import Path

from checker.engine import net
from checker.engine.config import EngineConfig
from checker.engine.dns import Resolver
from checker.engine.mx import plan_mx, usable_addresses
from checker.engine.run import check_domain
from tests.fakenet.network import Network, Settings
from tests.benchmarks import write_figures

REPO = Path(__file__).resolve().parents[2]
DELAY_MS = 50
TARGET_WARM_P50 = 0.3


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def pick_domain(network: Network) -> tuple[str, str]:
    """A signed scenario with two or more MX hosts, all with TLSA, ideally all verified."""
    hosts_with_tlsa = {h.name for s in network.scenarios for h in s.hosts if h.tlsa}
    candidates = []
    for scenario in network.scenarios:
        if scenario.infrastructure or scenario.dns != "signed" or not scenario.mx:
            continue
        targets = [rdata.split()[1].rstrip(".") for rdata in scenario.mx if rdata.split()[1] != "."]
        if not targets or not all(t in hosts_with_tlsa for t in targets):
            continue
        expect = dict(scenario.expect)
        rank = (len(targets) >= 2, expect.get("dane.verified") == "all", expect.get("dane.status") == "all")
        candidates.append((rank, scenario.domain, f"{len(targets)} MX, DANE"))
    if not candidates:
        return "dane-ok.fi", "fallback"
    _, domain, kind = max(candidates)
    return domain, kind


def start(delay_ms: int) -> tuple[Network, EngineConfig]:
    network = Network(Settings(net=os.environ.get("FAKENET_NET", "127.54.0.0/16"), delay_ms=delay_ms))
    env = network.up()
    return network, EngineConfig.from_env(env)


def timed_check(domain: str, config: EngineConfig) -> tuple[float, dict]:
    started = time.perf_counter()
    report = check_domain(domain, config)
    return time.perf_counter() - started, report


def critical_path(domain: str, config: EngineConfig) -> dict:
    """The MX -> address -> STARTTLS chain done step by step (fresh memo, same resolver cache)."""
    resolver = Resolver(config)
    deadline = time.monotonic() + config.check_timeout
    t0 = time.perf_counter()
    mx_answer = resolver.query(domain, "MX", deadline)
    t1 = time.perf_counter()
    host = plan_mx(domain, mx_answer).targets[0][0]
    lookups = (resolver.query(host, "A", deadline), resolver.query(host, "AAAA", deadline))
    t2 = time.perf_counter()
    address = usable_addresses(lookups)[0]
    probe = net.smtp_starttls(host, address, config.smtp_port, deadline, config)
    t3 = time.perf_counter()
    assert probe.status == "ok", probe
    # A and AAAA run in parallel in the real check: count the A lookup's share only once.
    return {"mx_s": t1 - t0, "address_s": (t2 - t1) / 2, "starttls_s": t3 - t2,
            "total_s": (t1 - t0) + (t2 - t1) / 2 + (t3 - t2)}


def bench_cold_and_warm(runs: int, cold_runs: int) -> dict:
    cold = []
    network, config = start(0)
    domain, kind = pick_domain(network)
    try:
        for index in range(cold_runs):
            if index:
                network.down()
                network, config = start(0)
            seconds, report = timed_check(domain, config)
            cold.append(seconds)
        timed_check(domain, config)
        warm = [timed_check(domain, config)[0] for _ in range(runs)]
    finally:
        network.down()
    summary = {
        "domain": domain, "kind": kind,
        "mx_hosts": [h["name"] for h in report["mx"]["hosts"]],
        "dane": report["dane"]["status"], "dnssec": report["dnssec"]["status"],
        "cold_p50_s": statistics.median(cold), "cold_p95_s": percentile(cold, 0.95), "cold_runs": len(cold),
        "warm_p50_s": statistics.median(warm), "warm_p95_s": percentile(warm, 0.95), "warm_runs": len(warm),
    }
    summary["warm_target_met"] = summary["warm_p50_s"] < TARGET_WARM_P50
    return summary


def bench_delay(runs: int) -> dict:
    network, config = start(DELAY_MS)
    domain, _ = pick_domain(network)
    try:
        cold_wall, _ = timed_check(domain, config)
        network.down()
        network, config = start(DELAY_MS)
        cold_path = critical_path(domain, config)
        walls = [timed_check(domain, config)[0] for _ in range(runs)]
        paths = [critical_path(domain, config) for _ in range(3)]
    finally:
        network.down()
    warm_wall = statistics.median(walls)
    warm_path = statistics.median(p["total_s"] for p in paths)
    return {
        "delay_ms": DELAY_MS, "domain": domain,
        "warm_wall_s": warm_wall, "warm_critical_path_s": warm_path, "warm_ratio": warm_wall / warm_path,
        "warm_path_parts_s": paths[0],
        "cold_wall_s": cold_wall, "cold_critical_path_s": cold_path["total_s"],
        "cold_ratio": cold_wall / cold_path["total_s"], "cold_path_parts_s": cold_path,
    }


def main() -> int:
    runs = int(os.environ.get("BENCH_RUNS", "30"))
    cold_runs = int(os.environ.get("BENCH_COLD_RUNS", "8"))
    figures = {"full_check": bench_cold_and_warm(runs, cold_runs), "delay": bench_delay(max(3, runs // 6))}
    full, delay = figures["full_check"], figures["delay"]
    print(f"engine: full check of {full['domain']} ({full['kind']}; MX {', '.join(full['mx_hosts'])}; "
          f"dnssec {full['dnssec']}, dane {full['dane']})")
    print(f"  cold cache  p50 {full['cold_p50_s'] * 1000:7.1f} ms  p95 {full['cold_p95_s'] * 1000:7.1f} ms"
          f"  ({full['cold_runs']} runs)")
    print(f"  warm cache  p50 {full['warm_p50_s'] * 1000:7.1f} ms  p95 {full['warm_p95_s'] * 1000:7.1f} ms"
          f"  ({full['warm_runs']} runs; target p50 < {TARGET_WARM_P50 * 1000:.0f} ms: "
          f"{'met' if full['warm_target_met'] else 'NOT met'})")
    print(f"  FAKENET_DELAY_MS={DELAY_MS}: warm wall {delay['warm_wall_s'] * 1000:.0f} ms / critical path "
          f"{delay['warm_critical_path_s'] * 1000:.0f} ms = {delay['warm_ratio']:.2f}; cold wall "
          f"{delay['cold_wall_s'] * 1000:.0f} ms / critical path {delay['cold_critical_path_s'] * 1000:.0f} ms "
          f"= {delay['cold_ratio']:.2f}")
    out = write_figures("engine", figures)
    print(f"  figures: {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
