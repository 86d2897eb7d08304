"""Surveys end to end: real `rqworker survey` processes over a synthetic population with known
truth (tests/population, a loopback network of its own inside FAKENET_NET), as a user runs
them. Needs root (ports 25/53/443 on 127.x), Knot, Unbound and Redis, as the whole suite."""
import os
import time

import pytest

from tests.fakenet.addresses import DEFAULT_NET
from tests.population.generate import generate
from tests.population.harness import SurveyStack
from tests.population.network import PopulationNetwork
from tests.population.truth import mismatches, truth_counts

N = 300
TIMEOUT = "4"          # seconds per domain: the silent policy servers cost this much


@pytest.fixture(scope="module")
def population():
    net = os.environ.get("FAKENET_NET", DEFAULT_NET)
    pop = PopulationNetwork(generate(N, floor=2), net, log_queries=True, pool_size=2)
    pop.up()
    yield pop
    pop.down()


def stack_for(name, population, **settings):
    return SurveyStack(name, population.env(), SURVEY_CHECK_TIMEOUT=TIMEOUT, **settings).start()


def write_list(stack, domains):
    path = stack.var / "domains.txt"
    path.write_text("".join(f"{d.name}\n" for d in domains))
    return str(path)


@pytest.mark.django_db
def test_a_survey_with_two_workers_reproduces_every_table_row_and_never_contacts_opted_out_domains(population):
    domains = population.domains
    opted = [next(d for d in domains if d.sts == "certificate" and d.mx == "present"),
             next(d for d in domains if d.dane), next(d for d in domains if d.sts == "enforce")]
    stack = stack_for("test-survey-exact", population, SURVEY_CONTACT_URL="https://survey.example/about")
    optout = stack.var / "optout.txt"
    optout.write_text("# owners who asked us not to probe\n" + "".join(f"{d.name}\n" for d in opted))
    stack.env["SURVEY_OPT_OUT_FILE"] = str(optout)
    try:
        out = stack.manage("survey", "import", "exact", write_list(stack, domains), "--chunk-size", "40").stdout
        assert f"{N} domains from a list" in out and "3 opted out" in out
        stack.manage("survey", "run", "exact", "--profile", "full")
        stack.start_worker("w1")
        stack.start_worker("w2")
        stack.wait_done("exact")
        kept = [d for d in domains if d not in opted]
        observed = stack.rows("exact")
        assert set(observed) == {d.name for d in kept}
        assert mismatches(observed, kept, "full") == []
        assert stack.report_counts("exact") == truth_counts(kept, "full")
        status = stack.manage("survey", "status", "exact").stdout
        assert f"{N}/{N}" in status and "opted-out 3" in status
        names = population.stats()["names"]
        for d in opted:
            assert not population.queried(d.name), f"{d.name} was looked up"
            assert f"mta-sts.{d.name}" not in names
        assert population.queried(kept[0].name)   # the log really records the survey's queries
        assert population.stats()["agents"] == {
            "smtp-tls-checker-survey/1 (+https://survey.example/about)":
                sum(1 for d in kept if d.sts in ("testing", "enforce", "invalid", "http-status"))}
    finally:
        stack.stop()


@pytest.mark.django_db
def test_killing_a_worker_mid_chunk_and_restarting_redis_still_gives_the_exact_tables(population):
    domains = population.domains
    # Few domains at a time and short leases, so that the kill lands inside a chunk and its
    # lease runs out quickly.
    stack = stack_for("test-survey-kill", population, SURVEY_CONCURRENCY="4", SURVEY_LEASE_SECONDS="3")
    try:
        stack.manage("survey", "import", "kill", write_list(stack, domains), "--chunk-size", "25")
        stack.manage("survey", "run", "kill", "--profile", "dns+https")
        stack.start_worker("w1")
        deadline = time.monotonic() + 120
        while stack.progress("kill")[0] < 60:
            assert time.monotonic() < deadline, "the survey did not start"
            time.sleep(0.05)
        stack.kill_worker("w1")                       # a machine dies in the middle of a chunk
        finished, total = stack.progress("kill")
        assert finished < total
        assert stack.query("SELECT COUNT(*) FROM checker_surveychunk WHERE done = 0 AND owner != ''")[0][0] >= 1
        stack.start_worker("w2")                      # takes the chunk over once its lease lapses
        while stack.progress("kill")[0] < finished + 30:
            assert time.monotonic() < deadline + 120, "the second worker did not take over"
            time.sleep(0.05)
        stack.redis.stop()                            # Redis restarts while w2 works
        time.sleep(1)
        stack.redis.start()                           # same data directory: queued jobs survive
        if stack.workers["w2"].poll() is not None:    # a worker that lost Redis is restarted, as a supervisor would
            stack.workers.pop("w2")
            stack.start_worker("w3")
        stack.manage("survey", "run", "kill", "--profile", "dns+https")   # continues where it stopped
        stack.wait_done("kill")
        observed = stack.rows("kill")
        assert len(observed) == N
        assert stack.query("SELECT COUNT(*) FROM checker_check")[0][0] == N      # none counted twice
        assert mismatches(observed, domains, "dns+https") == []
        assert stack.report_counts("kill") == truth_counts(domains, "dns+https")
    finally:
        stack.stop()


@pytest.mark.django_db
def test_connections_per_destination_address_never_exceed_the_limits(population):
    population.reset_stats()
    stack = stack_for("test-survey-polite", population, SURVEY_HTTPS_LIMIT="2", SURVEY_SMTP_LIMIT="2",
                      SURVEY_CONCURRENCY="64")
    try:
        stack.manage("survey", "import", "polite", write_list(stack, population.domains))
        stack.manage("survey", "run", "polite", "--profile", "full")
        stack.start_worker("w1")
        stack.wait_done("polite")
        time.sleep(1.2)  # the servers write their counts twice a second
        peaks = population.stats()["peak"]
        https = {a: n for a, n in peaks.items() if ".252." in a}
        smtp = {a: n for a, n in peaks.items() if ".251." in a and a != population.plan.blackhole}
        assert https and smtp
        assert max(https.values()) <= 2, https
        assert max(smtp.values()) <= 2, smtp
        # The caps were reached, so without them these addresses would have seen more.
        assert max(https.values()) == 2 and max(smtp.values()) == 2
    finally:
        stack.stop()
