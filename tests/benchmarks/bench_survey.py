"""Survey benchmark: a synthetic zone of BENCH_SURVEY_DOMAINS domains (default 20,000) drawn
from the thesis's proportions (tests/population), surveyed by real `rqworker survey`
processes, per profile.

    python -m tests.benchmarks.bench_survey      (make bench runs it)

For each profile (BENCH_SURVEY_PROFILES, default "dns,dns+https"): a fresh survey of the
whole population with a cold resolver (Unbound restarted), BENCH_SURVEY_WORKERS worker
processes (default 2, one per core); measured: domains per second from `survey run` to
the last chunk done, the peak memory (PSS) of the workers and their work horses, the CPU
seconds each component used (workers, Unbound, Knot, the test servers), and whether the
survey's tables equal the population's true counts exactly (they must: exit status 1
otherwise). The population network runs on BENCH_SURVEY_NET (default 127.70.0.0/16).
Figures are printed and written to var/bench/survey.json; the true counts beside them to
var/bench/survey-truth.json.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from tests.benchmarks import write_figures

REPO = Path(__file__).resolve().parents[2]
N = int(os.environ.get("BENCH_SURVEY_DOMAINS", "20000"))
WORKERS = int(os.environ.get("BENCH_SURVEY_WORKERS", "2"))
PROFILES = [p for p in os.environ.get("BENCH_SURVEY_PROFILES", "dns,dns+https").split(",") if p]
NET = os.environ.get("BENCH_SURVEY_NET", "127.70.0.0/16")
TARGETS = {"dns": 500, "dns+https": 300}
CLOCK = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            return [int(p) for p in handle.read().split()]
    except OSError:
        return []


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(_children(p))
    return found


def _pss(pid: int) -> int:
    """Proportional set size: a worker and its forked work horse share pages, which RSS would
    count twice."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cpu(pid: int) -> float:
    """CPU seconds of a process, its finished children included (the work horses)."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in fields[11:15]) / CLOCK
    except OSError:
        return 0.0


def _own_cpu(pid: int) -> float:
    """CPU seconds of one process itself (all its threads), children not included."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK
    except OSError:
        return 0.0


def _pids(state: Path) -> dict[str, int]:
    return {p.stem: int(p.read_text()) for p in (state / "pids").glob("*.pid")}


def run_profile(pop, stack, profile: str, truth_for) -> dict:
    from tests.population.truth import mismatches

    name = f"bench-{profile.replace('+', '-')}"
    pop.restart_resolver()
    stack.manage("survey", "import", name, str(stack.var / "zone.txt"), "--replace")
    services = _pids(pop.state)
    before = {k: _cpu(p) for k, p in services.items()}
    workers = [stack.start_worker(f"{name}-w{i}") for i in range(WORKERS)]
    time.sleep(1.0)   # workers connected and idle: the clock starts with the jobs
    # The work horses are sampled while they run: a horse still alive when the survey ends is
    # not yet in its worker's children's CPU (cutime), which once hid half the workers' CPU.
    own_before = {w.pid: _own_cpu(w.pid) for w in workers}
    seen: dict[int, float] = dict(own_before)
    started = time.monotonic()
    stack.manage("survey", "run", name, "--profile", profile)
    peak, last_report, samples = 0, started, []
    while True:
        finished, total = stack.progress(name)
        now = time.monotonic()
        tree = [p for w in workers for p in _tree(w.pid)]
        memory = sum(_pss(p) for p in tree)
        for p in tree:
            seen[p] = max(seen.get(p, 0.0), _own_cpu(p))
        peak = max(peak, memory)
        if now - last_report >= 10:
            samples.append((round(now - started, 1), finished))
            print(f"  {profile}: {finished}/{total} after {now - started:.0f} s", flush=True)
            last_report = now
        done = stack.query("SELECT COUNT(*) FROM checker_surveychunk c JOIN checker_survey s ON s.id = c.survey_id "
                           "WHERE s.name = ? AND c.done = 0", name)[0][0] == 0
        if done:
            break
        if any(w.poll() is not None for w in workers):
            raise RuntimeError(f"a worker exited; logs in {stack.var}")
        time.sleep(0.25)
    elapsed = time.monotonic() - started
    for p in [p for w in workers for p in _tree(w.pid)]:
        seen[p] = max(seen.get(p, 0.0), _own_cpu(p))
    cpu_workers = sum(seen.values()) - sum(own_before.values())
    for i in range(WORKERS):
        stack.kill_worker(f"{name}-w{i}")
    cpu = {k: round(_cpu(p) - before[k], 1) for k, p in services.items()}
    cpu["workers"] = round(cpu_workers, 1)
    observed = stack.report_counts(name)
    truth = truth_for(profile)
    wrong = mismatches(stack.rows(name), pop.domains, profile)
    differing = sorted(f"{t} / {row}: {observed.get(t, {}).get(row)} != {count}"
                       for t, rows in truth.items() for row, count in rows.items()
                       if observed.get(t, {}).get(row) != count)
    return {"profile": profile, "domains": N, "workers": WORKERS, "seconds": round(elapsed, 1),
            "domains_per_second": round(N / elapsed, 1), "target": TARGETS.get(profile),
            "workers_peak_pss_mb": round(peak / 2 ** 20, 1),
            "per_worker_peak_pss_mb": round(peak / WORKERS / 2 ** 20, 1), "cpu_seconds": cpu,
            "cpu_ms_per_domain_workers": round(1000 * cpu_workers / N, 2),
            "tables_exact": not differing, "table_differences": differing[:20],
            "domains_wrong": len(wrong), "examples_wrong": wrong[:5], "progress": samples,
            "load_average_after": os.getloadavg()[0]}


def main() -> int:
    import bootstrap_site  # noqa: F401
    from tests.population.generate import generate
    from tests.population.harness import SurveyStack
    from tests.population.network import PopulationNetwork

    t = time.monotonic()
    pop = PopulationNetwork(generate(N, floor=3), NET)
    pop.up()
    print(f"population of {N} domains up in {time.monotonic() - t:.1f} s (zones built and signed in "
          f"{pop.build_seconds} s)", flush=True)
    stack = SurveyStack("bench-survey", pop.env(), LOG_LEVEL="ERROR")
    figures, truths = {"population_up_seconds": round(time.monotonic() - t, 1), "runs": []}, {}
    try:
        stack.start()
        (stack.var / "zone.txt").write_text("".join(f"{d.name}\n" for d in pop.domains))
        os.environ.update({"DJANGO_SETTINGS_MODULE": "site.settings", "DATABASE_URL": stack.env["DATABASE_URL"],
                           "SECRET_KEY": "bench", "VAR_DIR": str(stack.var)})
        import django
        django.setup()
        from tests.population.truth import truth_counts

        def truth_for(profile):
            truths[profile] = truth_counts(pop.domains, profile, name=f"truth-{profile.replace('+', '-')}")
            return truths[profile]

        for profile in PROFILES:
            result = run_profile(pop, stack, profile, truth_for)
            figures["runs"].append(result)
            print(f"{profile}: {result['domains_per_second']} domains/s ({N} in {result['seconds']} s, "
                  f"{WORKERS} workers, target {result['target']}), peak memory {result['per_worker_peak_pss_mb']} MB per worker "
                  f"(PSS, worker + work horse), "
                  f"CPU s {result['cpu_seconds']}, tables exact: {result['tables_exact']}", flush=True)
            for line in result["table_differences"] + result["examples_wrong"]:
                print("   ", line)
    finally:
        stack.stop()
        pop.down()
    out, truth_out = write_figures("survey", figures), write_figures("survey-truth", truths)
    print(f"written to {out} and {truth_out}")
    return 0 if all(run["tables_exact"] for run in figures["runs"]) else 1


if __name__ == "__main__":
    sys.exit(main())
