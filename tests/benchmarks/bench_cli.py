"""CLI benchmark: `manage.py checkdomain DOMAIN --json` as a whole process, on the test network.

    python -m tests.benchmarks.bench_cli      (make bench runs it)

Per run: the wall time of the process (Python start-up, settings, imports, the check,
the JSON output), the engine's own duration_ms from the report it printed, and the
process's peak resident memory (ru_maxrss of the finished child). The difference between
the two times is the start-up cost a user pays on top of the check.

Settings: BENCH_CLI_RUNS (default 20, after one warm-up run), BENCH_CLI_DOMAIN (default
dane-ok.fi, the reference: DNSSEC, DANE, MTA-STS enforce, TLS-RPT), FAKENET_NET (default
127.54.0.0/16). The network is started and stopped here. Figures go to var/bench/cli.json.
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.benchmarks.bench_engine import percentile
from tests.fakenet.network import Network, Settings
from tests.benchmarks import write_figures

REPO = Path(__file__).resolve().parents[2]
TARGET_P50_S = 0.35


def one_run(domain: str, env: dict) -> tuple[float, int, int]:
    """(wall seconds, the report's duration_ms, peak RSS in KiB) of one CLI process."""
    with tempfile.TemporaryFile() as errors:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "manage.py", "checkdomain", domain, "--json"], cwd=REPO,
                                   env=env, stdout=subprocess.PIPE, stderr=errors)
        out = process.stdout.read()
        # wait4 gives this child's own rusage (RUSAGE_CHILDREN would be the maximum over all children).
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        process.stdout.close()
        if process.returncode != 0:
            errors.seek(0)
            raise SystemExit(f"checkdomain exited {process.returncode}: {errors.read().decode(errors='replace')[:500]}")
    return wall, json.loads(out)["duration_ms"], usage.ru_maxrss


def main() -> int:
    runs = int(os.environ.get("BENCH_CLI_RUNS", "20"))
    domain = os.environ.get("BENCH_CLI_DOMAIN", "dane-ok.fi")
    network = Network(Settings(net=os.environ.get("FAKENET_NET", "127.54.0.0/16")))
    env = {**os.environ, **network.up()}
    try:
        one_run(domain, env)  # warm-up: resolver cache, page cache of the interpreter and packages
        samples = [one_run(domain, env) for _ in range(runs)]
    finally:
        network.down()
    walls = [s[0] for s in samples]
    engine = [s[1] / 1000 for s in samples]
    startup = [wall - eng for wall, eng in zip(walls, engine)]
    figures = {
        "domain": domain, "runs": runs,
        "wall_p50_s": statistics.median(walls), "wall_p95_s": percentile(walls, 0.95),
        "engine_duration_p50_s": statistics.median(engine),
        "outside_engine_p50_s": statistics.median(startup),
        "peak_rss_kib_max": max(s[2] for s in samples), "peak_rss_kib_p50": statistics.median(s[2] for s in samples),
        "load_average": os.getloadavg()[0],
        "target_p50_s": TARGET_P50_S,
    }
    figures["target_met"] = figures["wall_p50_s"] <= TARGET_P50_S
    print(f"cli: manage.py checkdomain {domain} --json, whole process ({runs} runs, load average "
          f"{figures['load_average']:.1f})")
    print(f"  wall        p50 {figures['wall_p50_s'] * 1000:7.1f} ms  p95 {figures['wall_p95_s'] * 1000:7.1f} ms"
          f"  (target p50 <= {TARGET_P50_S * 1000:.0f} ms: {'met' if figures['target_met'] else 'NOT met'})")
    print(f"  engine      duration_ms p50 {figures['engine_duration_p50_s'] * 1000:7.1f} ms; outside the engine "
          f"(start-up, imports, output) p50 {figures['outside_engine_p50_s'] * 1000:.1f} ms")
    print(f"  memory      peak RSS p50 {figures['peak_rss_kib_p50'] / 1024:.1f} MiB, max "
          f"{figures['peak_rss_kib_max'] / 1024:.1f} MiB")
    out = write_figures("cli", figures)
    print(f"  figures: {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
