"""Web load benchmark (run by `make bench`; figures in the README).

    .venv/bin/python tests/benchmarks/bench_web.py [--duration 10] [--connections 50]

Starts the real site (gunicorn with scripts/gunicorn.conf.py, an RQ worker) on a
scratch database and the loopback test network, runs one real check so the report page
renders a real report, then measures with wrk:

* the report page and the status endpoint: p50 / p99 latency and requests/s at 50
  concurrent connections;
* submissions (POST /api/v1/checks, distinct domains, 8 concurrent clients) per second
  until the rate limiter answers 429, once with the default limit and once with a high
  limit to see the sustained rate.

Results are printed and written to var/bench/web.json. Target: report page p99 < 100 ms.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import bootstrap_site  # noqa: E402,F401

from tests.web_stack import Stack  # noqa: E402
from tests.benchmarks import write_figures

DOMAIN = "unsigned.fi"
TARGET_P99_MS = 100.0


def wrk(url: str, connections: int, duration: int) -> dict:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s", url],
        capture_output=True, text=True, check=True,
    ).stdout

    def ms(label):
        match = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return round(value / 1000 if unit == "us" else value * 1000 if unit == "s" else value, 2)

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "url": url, "connections": connections, "seconds": duration,
        "p50_ms": ms("50%"), "p90_ms": ms("90%"), "p99_ms": ms("99%"), "requests_per_s": round(rps, 1),
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else None,
    }


def submit_until_limited(base: str, clients: int = 8, cap: int = 5000) -> dict:
    """POST distinct domains from `clients` threads until the first 429."""
    counter = iter(range(cap))
    lock = threading.Lock()
    accepted, limited, first_429 = [], [], []
    stop = threading.Event()
    started = time.perf_counter()

    def one():
        while not stop.is_set():
            with lock:
                n = next(counter, None)
            if n is None:
                return
            body = json.dumps({"domain": f"bench-{n}-{int(started)}.example"}).encode()
            request = urllib.request.Request(base + "/api/v1/checks", data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    if response.status == 202:
                        accepted.append(time.perf_counter())
            except urllib.error.HTTPError as error:
                if error.code == 429:
                    limited.append(int(error.headers.get("Retry-After", "0")))
                    first_429.append(time.perf_counter())
                    stop.set()
                    return
                raise

    with ThreadPoolExecutor(clients) as pool:
        for future in [pool.submit(one) for _ in range(clients)]:
            future.result()
    end = first_429[0] if first_429 else time.perf_counter()
    elapsed = max(end - started, 1e-6)
    return {
        "clients": clients, "accepted": len(accepted), "seconds": round(elapsed, 3),
        "submissions_per_s": round(len(accepted) / elapsed, 1),
        "rate_limited": bool(limited), "retry_after_s": limited[0] if limited else None,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "2")),
                        help="gunicorn processes (default 2: one per core on the 2-core reference machine)")
    parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "4")))
    args = parser.parse_args(argv)

    from tests.fakenet.fixture import start as start_fakenet

    net = start_fakenet()
    results = {}
    stack = Stack("bench-web", net.env).prepare()
    try:
        stack.start_web(workers=args.workers, threads=args.threads).start_worker()
        status, body = stack.post_json("/api/v1/checks", {"domain": DOMAIN})
        done = stack.wait_for(body["id"], timeout=120)
        assert done["status"] == "done", done
        stack.kill("worker")  # submissions below must measure the web tier, not run checks
        report_url = f"{stack.base}/check/{body['id']}/"
        page_bytes = len(urllib.request.urlopen(report_url).read())
        results["report_page"] = {**wrk(report_url, args.connections, args.duration), "bytes": page_bytes}
        results["status_endpoint"] = wrk(f"{stack.base}/check/{body['id']}/status.json", args.connections, args.duration)
        results["submissions_default_limit"] = submit_until_limited(stack.base)
    finally:
        stack.stop()

    # The sustained rate needs a limit high enough not to stop it at once.
    stack = Stack("bench-web", net.env, RATE_LIMIT_CHECKS="1000").prepare()
    try:
        stack.start_web()
        results["submissions_high_limit"] = submit_until_limited(stack.base)
    finally:
        stack.stop()
        stack.flush_redis()
        net.close()

    results["gunicorn"] = {"workers": args.workers, "threads": args.threads}
    results["load_average_at_end"] = os.getloadavg()
    results["target_report_p99_ms"] = TARGET_P99_MS
    results["report_p99_met"] = results["report_page"]["p99_ms"] < TARGET_P99_MS
    out = write_figures("web", results)

    rp, st = results["report_page"], results["status_endpoint"]
    sd, sh = results["submissions_default_limit"], results["submissions_high_limit"]
    print(f"report page     p50 {rp['p50_ms']} ms  p99 {rp['p99_ms']} ms  {rp['requests_per_s']} req/s "
          f"({rp['connections']} connections, {rp['bytes']} bytes)")
    print(f"status endpoint p50 {st['p50_ms']} ms  p99 {st['p99_ms']} ms  {st['requests_per_s']} req/s")
    print(f"submissions     {sd['accepted']} accepted in {sd['seconds']} s then 429 "
          f"(Retry-After {sd['retry_after_s']} s); sustained {sh['submissions_per_s']}/s "
          f"({sh['accepted']} accepted with limit 1000, {sh['clients']} clients)")
    print(f"gunicorn {args.workers} workers x {args.threads} threads; load average {os.getloadavg()[0]:.1f} "
          f"(other work on the machine skews these figures)")
    print(f"target report p99 < {TARGET_P99_MS:.0f} ms: {'met' if results['report_p99_met'] else 'NOT met'}")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
