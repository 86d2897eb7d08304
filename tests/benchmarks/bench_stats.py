"""Staff statistics at zone scale (run by `make bench`; figures in the README).

    .venv/bin/python -m tests.benchmarks.bench_stats [--domains 500000] [--repeats 100000] [--runs 3]

Fills a scratch database with the summary rows of `--domains` synthetic domains (drawn with
roughly the thesis's .fi proportions) plus `--repeats` repeat checks of random ones, spread
over 60 days,
starts the real site (gunicorn, one worker, one thread) on it, signs in as staff and times,
end to end over HTTP, the statistics page and the CSV export (all time, and the last 30 days).
Also reported: the peak memory (VmHWM) of the gunicorn worker that served them.

SQLite by default (a file under var/bench-stats/). With DATABASE_URL pointing at PostgreSQL,
the benchmark creates a scratch database `<name>_bench_stats` on that server, uses it and drops it.
Results are printed and written to var/bench/stats.json. Targets: page < 2 s, worker < 300 MB.
"""
import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
import bootstrap_site  # noqa: E402,F401

from tests.web_stack import Stack  # noqa: E402
from tests.benchmarks import write_figures

TARGET_PAGE_S = 2.0
TARGET_RSS_MB = 300
BATCH = 10_000


def weighted(pairs):
    values, weights = zip(*pairs)
    return lambda rng: rng.choices(values, weights)[0]


# Roughly the thesis's proportions (Tables 11-19), so the page shows plausible numbers.
DNSSEC = weighted([("secure", 3.4), ("bogus", 0.05), ("insecure", 96.5), ("error", 0.05)])
MX = weighted([("present", 70), ("none", 20), ("null", 8), ("nxdomain", 1), ("error", 1)])
DANE_SIGNED = weighted([("all", 39.6), ("some", 0.2), ("invalid", 0.2), ("none", 60), ("error", 0.03)])
STS_HOST = weighted([("resolves", 14.7), ("missing", 85.15), ("error", 0.15)])
FETCH = weighted([("dns", 0.2), ("tcp", 5.2), ("http-status", 8.6), ("timeout", 16.5), ("tls", 2.8),
                  ("certificate", 61.8), ("redirect", 0.5), ("other", 0.1), (None, 4.9)])
RECORD_WITH_HOST = weighted([("missing", 78.2), ("valid", 0.2), ("invalid", 21.5), ("multiple", 0.1)])
STARTTLS = weighted([("all", 85), ("some", 3), ("none", 7), ("unreachable", 5)])
TLS_MIN = weighted([("TLSv1.3", 60), ("TLSv1.2", 38), ("TLSv1", 2)])
WEBPKI = weighted([("all", 55), ("some", 5), ("none", 40)])
GRADE = weighted([("A+", 0.1), ("A", 0.5), ("B", 1), ("C", 10), ("D", 70), ("E", 12), ("F", 6.4)])


def finding_codes(row: dict, rng: random.Random) -> list[str]:
    """The fail/warn codes a report with these statuses would carry (as the engine derives them)."""
    codes = {"insecure": ["dnssec.insecure"], "bogus": ["dnssec.bogus"], "error": ["dnssec.error"]}.get(
        row["dnssec_status"], [])
    codes += {"error": ["mx.error"], "nxdomain": ["mx.nxdomain"]}.get(row["mx_status"], [])
    codes += {"none": ["dane.none"], "some": ["dane.partial"], "invalid": ["dane.invalid"],
              "error": ["dane.error"]}.get(row["dane_status"], [])
    if row["dane_verified"] == "none":
        codes.append("dane.match.fail")
    if row["mta_sts_host"] == "missing" and row["mta_sts_record"] == "missing":
        codes.append("mta_sts.none")
    if row["mta_sts_fetch_error"]:
        codes.append("mta_sts.policy." + row["mta_sts_fetch_error"].replace("-", "_"))
    codes += {"invalid": ["mta_sts.record.invalid"], "multiple": ["mta_sts.record.multiple"]}.get(
        row["mta_sts_record"], [])
    codes += {"testing": ["mta_sts.mode.testing"], "none": ["mta_sts.mode.none"]}.get(row["mta_sts_mode"], [])
    codes += {"none": ["tls_rpt.missing"], "invalid": ["tls_rpt.invalid"]}.get(row["tls_rpt_status"], [])
    codes += {"none": ["starttls.not_offered"], "some": ["starttls.not_offered"],
              "unreachable": ["starttls.unreachable"]}.get(row["starttls_coverage"], [])
    if row["webpki_coverage"] in ("none", "some"):
        codes.append("starttls.certificate.untrusted")
    if row["tls_version_min"] == "TLSv1":
        codes.append("starttls.tls_version_old")
    if rng.random() < 0.05:
        codes.append("mx.target_unresolvable")
    return sorted(set(codes))


def summary_row(rng: random.Random) -> dict:
    dnssec, mx = DNSSEC(rng), MX(rng)
    mailable = mx in ("present", "invalid")
    dane = DANE_SIGNED(rng) if dnssec == "secure" and mailable else ("none" if mailable else "not-applicable")
    host = STS_HOST(rng)
    fetch = FETCH(rng) if host == "resolves" else None
    policy = ("fetch-error" if fetch else rng.choices(["valid", "invalid"], [3.6, 96.4])[0]) \
        if host == "resolves" else "not-fetched"
    record = RECORD_WITH_HOST(rng) if host == "resolves" else rng.choices(["missing", "invalid"], [99, 1])[0]
    starttls = STARTTLS(rng) if mailable else "not-applicable"
    session = starttls in ("all", "some")
    valid_sts = policy == "valid" and record == "valid"
    return {
        "dnssec_status": dnssec, "ds_present": dnssec in ("secure", "bogus"), "mx_status": mx, "dane_status": dane,
        "dane_verified": rng.choices(["all", "some", "none"], [95, 2, 3])[0] if dane in ("all", "some") else "not-tested",
        "mta_sts_status": "valid" if valid_sts else ("none" if host == "missing" and record == "missing" else "invalid"),
        "mta_sts_host": host, "mta_sts_policy": policy, "mta_sts_fetch_error": fetch or "",
        "mta_sts_mode": rng.choices(["enforce", "testing", "none"], [75, 23, 2])[0] if policy == "valid" else "",
        "mta_sts_record": record,
        "tls_rpt_status": rng.choices(["valid", "none", "invalid"], [2, 97.5, 0.5])[0],
        "starttls_coverage": starttls, "tls_version_min": TLS_MIN(rng) if session else "",
        "webpki_coverage": WEBPKI(rng) if session else "not-tested",
        "grade": GRADE(rng) if mailable else None,
    }


def populate(domains: int, repeats: int, report_bytes: int, seed: int = 12) -> float:
    """Insert the rows with executemany (the ORM's bulk_create is several times slower here)."""
    from django.db import connection, transaction

    from checker.models import Check
    from checker.stats import latest

    rng = random.Random(seed)
    fields = [f for f in Check._meta.concrete_fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {Check._meta.db_table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    now = dt.datetime.now(dt.timezone.utc)
    prep = {f.name: f for f in fields if f.get_internal_type() in ("UUIDField", "DateTimeField")}
    # The statistics never read the report, but it is stored in the same row (see
    # migration 0003): a filler of a real report's size keeps the table as large as a live one.
    report = json.dumps({"filler": "x" * max(0, report_bytes - 14)}) if report_bytes else None
    started = time.perf_counter()

    # Every check at a random time in the last 60 days, inserted in time order as a live site
    # writes them; a domain's first check is its oldest, repeats come later.
    times = sorted(rng.random() for _ in range(domains + repeats))
    numbers = list(range(domains)) + [rng.randrange(domains) for _ in range(repeats)]
    rng.shuffle(numbers)

    def rows():
        for fraction, number in zip(times, numbers):
            created = now - dt.timedelta(days=60) * (1 - fraction)
            values = {
                "id": uuid.UUID(int=rng.getrandbits(128), version=4), "domain": f"d{number:07d}.fi",
                "input": f"d{number:07d}.fi", "status": "done", "created_at": created, "enqueued_at": created,
                "started_at": created, "finished_at": created + dt.timedelta(seconds=3), "progress": "[]",
                "error": "", "client": "", "report": report, "score": rng.randrange(101),
                "source": rng.choices(["web", "api"], [80, 20])[0], "survey": None, "latest": False,
                **summary_row(rng),
            }
            values["finding_codes"] = json.dumps(finding_codes(values, rng))
            yield [prep[f.name].get_db_prep_value(values[f.name], connection) if f.name in prep else values[f.name]
                   for f in fields]

    batch = []
    for row in rows():
        batch.append(row)
        if len(batch) >= BATCH:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, batch)
            batch = []
    if batch:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(sql, batch)
    latest.rebuild()   # raw inserts bypass the save signal
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Check._meta.db_table}")
    return time.perf_counter() - started


def staff_cookie() -> str:
    from django.contrib.auth.models import User
    from django.test import Client

    user = User.objects.create_user("bench-staff", password=uuid.uuid4().hex, is_staff=True)
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def timed_get(url: str, cookie: str) -> tuple[float, int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        body = response.read()
        status = response.status
    return time.perf_counter() - started, status, body


def worker_peak_rss_mb(master_pid: int) -> float:
    """The largest VmHWM (peak resident set) among the gunicorn master's children."""
    children = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        peaks.append(int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:"))))
    return round(max(peaks) / 1024, 1)


def scratch_postgres(url: str):
    """(scratch database URL, drop function) on the server `url` points at."""
    import dj_database_url
    import psycopg

    cfg = dj_database_url.parse(url)
    name = f"{cfg['NAME']}_bench_stats"
    admin = psycopg.connect(dbname=cfg["NAME"], user=cfg["USER"], password=cfg["PASSWORD"], host=cfg["HOST"],
                            port=cfg["PORT"] or None, autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    scratch = url.rsplit("/", 1)[0] + "/" + name

    def drop():
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
    return scratch, drop


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--domains", type=int, default=500_000)
    parser.add_argument("--repeats", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--report-bytes", type=int, default=8000,
                        help="size of the stored report JSON per check (real reports: 8-12 KB)")
    args = parser.parse_args(argv)

    database_url = os.environ.get("DATABASE_URL", "")
    drop = None
    settings = {}
    if database_url.startswith(("postgres://", "postgresql://")):
        scratch, drop = scratch_postgres(database_url)
        settings["DATABASE_URL"] = scratch
    stack = Stack("bench-stats", **settings)
    if not settings:
        for suffix in ("", "-wal", "-shm"):
            Path(str(stack.db) + suffix).unlink(missing_ok=True)
    os.environ.update(stack.env)
    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connection

    try:
        call_command("migrate", "--noinput", verbosity=0)
        call_command("collectstatic", "--noinput", verbosity=0)
        print(f"populating {connection.vendor}: {args.domains} domains + {args.repeats} repeats, "
              f"{args.report_bytes}-byte reports ...", flush=True)
        fill_s = populate(args.domains, args.repeats, args.report_bytes)
        cookie = staff_cookie()
        connection.close()
        stack.start_web(workers=1, threads=1)
        results = {"database": connection.vendor, "domains": args.domains, "repeats": args.repeats,
                   "report_bytes": args.report_bytes,
                   "populate_s": round(fill_s, 1), "runs": args.runs}
        for name, path in (("page_all", "/admin/stats/?window=all"), ("csv_all", "/admin/stats/export.csv?window=all"),
                           ("page_30d", "/admin/stats/?window=30d"), ("csv_30d", "/admin/stats/export.csv?window=30d")):
            times = []
            for _ in range(args.runs):
                seconds, status, body = timed_get(stack.base + path, cookie)
                assert status == 200 and b"d0000" not in body, (path, status)
                times.append(seconds)
            results[name] = {"median_s": round(statistics.median(times), 3), "max_s": round(max(times), 3),
                             "bytes": len(body)}
            print(f"{name:9} median {results[name]['median_s']:.3f} s, max {results[name]['max_s']:.3f} s "
                  f"({len(body)} bytes)", flush=True)
        results["worker_peak_rss_mb"] = worker_peak_rss_mb(stack.procs["web"].pid)
    finally:
        stack.stop()
        connection.close()
        if drop:
            drop()
    ok = results["page_all"]["median_s"] < TARGET_PAGE_S and results["worker_peak_rss_mb"] < TARGET_RSS_MB
    print(f"worker peak RSS {results['worker_peak_rss_mb']} MB; targets: page < {TARGET_PAGE_S} s, "
          f"RSS < {TARGET_RSS_MB} MB: {'met' if ok else 'NOT met'}")
    write_figures(f"stats-{results['database']}", results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
