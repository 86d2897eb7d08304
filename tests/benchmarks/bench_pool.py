"""Worker pool benchmark (run by `make bench`; figures in the README).

    .venv/bin/python -m tests.benchmarks.bench_pool [--pools 1,8] [--fast 40] [--slow 10]

Starts the site as `make run` does (scripts/supervise.sh) on a scratch database and the
loopback test network, once per pool size, and submits 50 checks at once: 10 of the test
network's slowest hostile scenario (SLOW_DOMAIN: its MTA-STS policy host sends a byte a
second until the fetch deadline, about 10.7 s per check; the silent-banner MX of
smtp-silent.fi takes 5.4 s) and 40 quick ones (0.1-0.5 s alone), interleaved.
Reported: p50 / p95 time from submission to finish of the 40 quick checks, and of the
10 slow ones, per pool size. The default pool is CHECKER_WORKERS' default, 4 per core.

The checks are created and enqueued by `manage.py shell` with the site's own
checker.submit.enqueue, because the site (rightly) folds repeated submissions of one
domain into one check, and the test network has fewer than 10 slow domains.
Results are printed and written to var/bench/pool.json.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import bootstrap_site  # noqa: E402,F401

from tests.web_stack import PY, Stack  # noqa: E402

SLOW_DOMAIN = "sts-trickle.fi"
FAST_DOMAINS = ["unsigned.fi", "signed-no-ds.fi", "dane-ee-cert.fi", "dane-ta.fi", "cert-expired.fi",
                "sts-testing.fi", "rpt-https.fi", "dane-none.fi"]

CREATE = """
import sys
from checker.models import Check
from checker.submit import enqueue
from tests.benchmarks import write_figures
for domain in sys.argv[1:]:
    check = Check.objects.create(domain=domain, input=domain)
    print(check.pk, domain, enqueue(check))
"""


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def run_pool(fakenet_env, workers: int, fast: int, slow: int) -> dict:
    site = Stack(f"bench-pool-{workers}", fakenet_env, RATE_LIMIT_CHECKS="100000").prepare()
    try:
        site.start_site(workers=workers, sweep_interval=5)
        domains = [FAST_DOMAINS[i % len(FAST_DOMAINS)] for i in range(fast)]
        step = max(1, fast // max(1, slow))
        for n in range(slow):  # spread the slow ones through the burst, the first one first
            domains.insert(n * (step + 1), SLOW_DOMAIN)
        code = "import sys; sys.argv = [''] + " + repr(domains) + "\n" + CREATE
        out = subprocess.run([PY, "manage.py", "shell", "-c", code],
                             cwd=ROOT, env=site.env, capture_output=True, text=True, check=True, timeout=120)
        ids = [tuple(line.split()[:2]) for line in out.stdout.splitlines()
               if re.fullmatch(r"[0-9a-f-]{36} \S+ True", line.strip())]
        assert len(ids) == fast + slow, out.stdout + out.stderr
        deadline = time.monotonic() + 900
        rows = {}
        while time.monotonic() < deadline:
            rows = {check_id: site.row(check_id) for check_id, _ in ids}
            if all(row["status"] in ("done", "failed") for row in rows.values()):
                break
            time.sleep(0.5)
        from datetime import datetime

        def seconds(row):
            return (datetime.fromisoformat(row["finished_at"]) - datetime.fromisoformat(row["created_at"])).total_seconds()

        fast_times = [seconds(rows[i]) for i, d in ids if d != SLOW_DOMAIN]
        slow_times = [seconds(rows[i]) for i, d in ids if d == SLOW_DOMAIN]
        statuses = {}
        for row in rows.values():
            statuses[row["status"]] = statuses.get(row["status"], 0) + 1
        return {
            "workers": workers, "checks": len(ids), "statuses": statuses,
            "fast_p50_s": round(statistics.median(fast_times), 2), "fast_p95_s": round(percentile(fast_times, 0.95), 2),
            "fast_max_s": round(max(fast_times), 2),
            "slow_p50_s": round(statistics.median(slow_times), 2), "slow_p95_s": round(percentile(slow_times, 0.95), 2),
            "all_finished_s": round(max(fast_times + slow_times), 2),
        }
    finally:
        site.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pools", default=f"1,{4 * (os.cpu_count() or 1)}", help="pool sizes to measure")
    parser.add_argument("--fast", type=int, default=40)
    parser.add_argument("--slow", type=int, default=10)
    args = parser.parse_args(argv)
    from tests.fakenet.fixture import start as start_fakenet

    net = start_fakenet()
    try:
        results = {"slow_domain": SLOW_DOMAIN, "pools": []}
        for workers in (int(n) for n in args.pools.split(",")):
            result = run_pool(net.env, workers, args.fast, args.slow)
            results["pools"].append(result)
            print(f"pool of {workers:>2}: quick checks p50 {result['fast_p50_s']:.2f} s, "
                  f"p95 {result['fast_p95_s']:.2f} s; slow p50 {result['slow_p50_s']:.2f} s; "
                  f"all {result['checks']} finished after {result['all_finished_s']:.2f} s {result['statuses']}",
                  flush=True)
    finally:
        net.close()
    out = write_figures("pool", results)
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
