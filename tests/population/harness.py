"""Surveys as a user runs them: `manage.py survey ...` and `manage.py rqworker survey`
subprocesses on a file database of their own and a Redis of their own (restartable)."""
from __future__ import annotations

import csv
import io
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from tests.web_stack import PY, ROOT, PrivateRedis

COLUMNS = ("ds_present", "dnssec_status", "mx_status", "dane_status", "mta_sts_host", "mta_sts_policy",
           "mta_sts_fetch_error", "mta_sts_mode", "mta_sts_record", "tls_rpt_status", "dane_verified")


class SurveyStack:
    def __init__(self, name: str, checker_env: dict[str, str], **settings: str):
        self.var = ROOT / "var" / name
        self.var.mkdir(parents=True, exist_ok=True)
        self.db = self.var / "db.sqlite3"
        self.redis = PrivateRedis(self.var / "redis")
        self.env = {**os.environ, **checker_env, "DJANGO_SETTINGS_MODULE": "site.settings",
                    "DATABASE_URL": f"sqlite:///{self.db}", "SECRET_KEY": "survey-test-key-" + name, "DEBUG": "0",
                    "VAR_DIR": str(self.var), "LOG_LEVEL": "WARNING", **settings}
        self.workers: dict[str, subprocess.Popen] = {}

    def start(self):
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.db) + suffix).unlink(missing_ok=True)
        self.redis.start()
        self.env["REDIS_URL"] = self.redis.url
        self.manage("migrate", "--noinput", "-v", "0")
        return self

    def manage(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=self.env, timeout=timeout,
                                capture_output=True, text=True)
        if result.returncode:
            raise AssertionError(f"manage.py {' '.join(args)} exited {result.returncode}:\n{result.stderr[-3000:]}")
        return result

    def start_worker(self, name: str) -> subprocess.Popen:
        log = open(self.var / f"{name}.log", "ab")
        proc = subprocess.Popen([PY, "manage.py", "run_worker", "survey", "--name", f"{self.var.name}-{name}-{os.getpid()}"],
                                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.workers[name] = proc
        return proc

    def kill_worker(self, name: str, sig=signal.SIGKILL):
        """The worker and its work horse (its process group), like a machine that dies."""
        proc = self.workers.pop(name)
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)

    def stop(self):
        for name in list(self.workers):
            self.kill_worker(name, signal.SIGTERM)
        self.redis.stop()

    # -- reading results ---------------------------------------------------------------------

    def query(self, sql: str, *params):
        with sqlite3.connect(self.db, timeout=30) as conn:
            return conn.execute(sql, params).fetchall()

    def progress(self, name: str) -> tuple[int, int]:
        """(domains finished, total) from the chunk counters."""
        row = self.query("SELECT SUM(c.checked + c.skipped), SUM(c.size) FROM checker_surveychunk c "
                         "JOIN checker_survey s ON s.id = c.survey_id WHERE s.name = ?", name)[0]
        return row[0] or 0, row[1] or 0

    def wait_done(self, name: str, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = self.query("SELECT COUNT(*) FROM checker_surveychunk c JOIN checker_survey s ON s.id = c.survey_id "
                              "WHERE s.name = ? AND c.done = 0", name)[0][0]
            if done == 0:
                return
            for worker, proc in self.workers.items():
                if proc.poll() is not None:
                    raise AssertionError(f"worker {worker} exited; see {self.var / (worker + '.log')}")
            time.sleep(0.2)
        raise AssertionError(f"survey {name} not done in {timeout:.0f} s: {self.progress(name)}")

    def rows(self, name: str) -> dict[str, dict]:
        found = self.query(f"SELECT c.domain, c.status, {', '.join('c.' + col for col in COLUMNS)} FROM checker_check c "
                           "JOIN checker_survey s ON s.id = c.survey_id WHERE s.name = ?", name)
        out = {}
        for domain, status, *values in found:
            row = dict(zip(COLUMNS, values))
            row["ds_present"] = None if row["ds_present"] is None else bool(row["ds_present"])
            out[domain] = {"status": status, **row}
        return out

    def report_counts(self, name: str) -> dict[str, dict[str, int]]:
        """`survey report NAME --csv -` read back: {table key: {row key: count}}, the thesis's
        tables (Tables 11-19, tests/population/truth.py)."""
        from tests.population.truth import THESIS_TABLES
        text = self.manage("survey", "report", name, "--csv", "-").stdout
        body = "\n".join(line for line in text.splitlines() if not line.startswith("# "))
        counts: dict[str, dict[str, int]] = {}
        for row in csv.DictReader(io.StringIO(body)):
            if row["table"] in THESIS_TABLES:
                counts.setdefault(row["table"], {})[row["row"]] = int(row["count"])
        return counts
