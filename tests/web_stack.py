"""The real site as subprocesses: gunicorn, RQ worker(s) and the sweeper, on a file database.

Used by the browser test, the failure-path tests and the web benchmark. Each process gets
the test network's CHECKER_* variables, a sqlite file under var/, and Redis DB 15 (flushed),
so nothing touches the developer's own database or queue.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
REDIS_PORT = int(os.environ.get("REDIS_PORT", "6390"))
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", f"redis://127.0.0.1:{REDIS_PORT}/15")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_ping(port: int = REDIS_PORT) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class Stack:
    def __init__(self, name: str, checker_env: dict[str, str] | None = None, **settings: str):
        self.var = ROOT / "var" / name
        self.var.mkdir(parents=True, exist_ok=True)
        self.db = self.var / "db.sqlite3"
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            **(checker_env or {}),
            "DJANGO_SETTINGS_MODULE": "site.settings",
            "DATABASE_URL": f"sqlite:///{self.db}",
            "REDIS_URL": REDIS_TEST_URL,
            "SECRET_KEY": "web-stack-test-key-" + name,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "STATIC_ROOT": str(self.var / "static"),
            "VAR_DIR": str(self.var),
            "WEB_BIND": f"127.0.0.1:{self.port}",
            "WEB_ACCESS_LOG": str(self.var / "access.log"),
            "LOG_LEVEL": "INFO",
            **settings,
        }
        self.procs: dict[str, subprocess.Popen] = {}

    # -- set-up --------------------------------------------------------------------------

    def prepare(self):
        """A fresh database and static files, and an empty Redis DB."""
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.db) + suffix).unlink(missing_ok=True)
        self.manage("migrate", "--noinput", "-v", "0")
        self.manage("collectstatic", "--noinput", "-v", "0")
        self.flush_redis()
        return self

    def manage(self, *args: str, timeout: float = 120):
        subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=self.env, check=True, timeout=timeout,
                       stdout=subprocess.DEVNULL)

    def flush_redis(self):
        import redis

        redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.var / f"{name}.log", "ab")
        # Own process group: stopping it stops the RQ work horse too.
        proc = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs[name] = proc
        return proc

    def start_web(self, workers: int = 2, threads: int = 4):
        self.env.update(WEB_WORKERS=str(workers), WEB_THREADS=str(threads))
        self._spawn("web", [GUNICORN, "-c", "scripts/gunicorn.conf.py"])
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/", timeout=2).read()
                return self
            except OSError:
                if self.procs["web"].poll() is not None:
                    raise RuntimeError(f"gunicorn exited; see {self.var / 'web.log'}")
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer on {self.base}; see {self.var / 'web.log'}")

    def start_worker(self, name: str = "worker", timeout: float = 60, queues=("default",)):
        """A worker (manage.py run_worker) for `queues` (checks only unless told: tests that
        follow mails start their own notify worker), returned once it is registered in Redis."""
        worker_name = f"{self.var.name}-{name}-{os.getpid()}"
        self._spawn(name, [PY, "manage.py", "run_worker", *queues, "--name", worker_name])
        self.wait_until(lambda: worker_name in self.worker_names(), timeout,
                        f"worker {worker_name} registered in Redis", process=name)
        return self

    def worker_names(self) -> set[str]:
        """Names of the workers registered in this stack's Redis (empty while it is down)."""
        import redis
        from rq import Worker

        try:
            conn = redis.Redis.from_url(self.env["REDIS_URL"], socket_timeout=2)
            return {worker.name for worker in Worker.all(connection=conn)}
        except redis.exceptions.RedisError:
            return set()

    def start_sweeper(self, interval: float = 1.0, timeout: float = 60):
        """The sweeper loop, returned once it has logged its start (its first sweep follows)."""
        log = self.var / "sweeper.log"
        offset = log.stat().st_size if log.exists() else 0
        self._spawn("sweeper", [PY, "manage.py", "sweep_checks", "--loop", "--interval", str(interval)])
        self.wait_until(lambda: b"sweeping every" in log.read_bytes()[offset:], timeout,
                        "the sweeper to start", process="sweeper")
        return self

    def wait_until(self, predicate, timeout: float, what: str, process: str | None = None):
        """Poll `predicate` until true; fail early, naming the log, if `process` exited."""
        deadline = time.monotonic() + timeout
        while not predicate():
            proc = self.procs.get(process) if process else None
            if proc is not None and proc.poll() is not None:
                raise RuntimeError(f"{process} exited ({proc.returncode}) before {what}; "
                                   f"see {self.var / (process + '.log')}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no {what} after {timeout} s; see {self.var}")
            time.sleep(0.1)

    # -- the site as `make run` runs it ---------------------------------------------------

    def start_site(self, workers: int = 2, sweep_interval: float = 1.0, timeout: float = 120):
        """scripts/supervise.sh (supervisord with scripts/supervisord.conf, as `make run`
        starts it): gunicorn, `workers` RQ workers and the sweeper. Returns once the web
        server answers and every worker is registered and alive."""
        self.env.update(CHECKER_WORKERS=str(workers), SWEEP_INTERVAL=str(sweep_interval),
                        WEB_WORKERS=self.env.get("WEB_WORKERS", "1"), WEB_THREADS=self.env.get("WEB_THREADS", "4"))
        self._spawn("site", ["bash", str(ROOT / "scripts" / "supervise.sh")])
        self.wait_until(self.answers, timeout, f"web server answering on {self.base}", process="site")
        self.wait_until(lambda: len(self.live_workers()) == workers, timeout, f"{workers} live workers",
                        process="site")
        return self

    def answers(self) -> bool:
        try:
            return urllib.request.urlopen(self.base + "/", timeout=2).status == 200
        except OSError:
            return False

    def live_workers(self) -> dict[str, int]:
        """{worker name: pid} of the registered workers whose process runs (a killed
        worker stays registered in Redis for minutes)."""
        import redis
        from rq import Worker

        try:
            conn = redis.Redis.from_url(self.env["REDIS_URL"], socket_timeout=2)
            workers = Worker.all(connection=conn)
        except redis.exceptions.RedisError:
            return {}
        alive = {}
        for worker in workers:
            try:
                os.kill(worker.pid, 0)
                alive[worker.name] = worker.pid
            except (ProcessLookupError, TypeError):
                pass
        return alive

    def worker_pid_of(self, check_id: str) -> int | None:
        """The pid of the worker whose horse runs this check's job, if any."""
        import redis
        from rq.job import Job

        conn = redis.Redis.from_url(self.env["REDIS_URL"], socket_timeout=2)
        try:
            name = Job.fetch(check_id, connection=conn).worker_name
        except Exception:
            return None
        return self.live_workers().get(name)

    def row(self, check_id: str) -> dict:
        """The check's row read straight from the database (also while the web server is down)."""
        import sqlite3

        with sqlite3.connect(self.db, timeout=20) as db:
            db.row_factory = sqlite3.Row
            row = db.execute("SELECT * FROM checker_check WHERE id = ?", (check_id.replace("-", ""),)).fetchone()
        return dict(row) if row else {}

    def stop_site(self, timeout: float = 180) -> int:
        """SIGTERM to supervisord, as Ctrl-C in `make run` does; waits for it and returns its exit code."""
        proc = self.procs.pop("site", None)
        if proc is None:
            return 0
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._kill_site_children()
            os.killpg(proc.pid, signal.SIGKILL)
            return proc.wait(timeout=10)

    def _kill_site_children(self):
        for pid in self.live_workers().values():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    # -- tear-down -----------------------------------------------------------------------

    def kill(self, name: str, sig=signal.SIGKILL):
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)

    def stop(self):
        if "site" in self.procs:
            self.stop_site()
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)

    # -- reading the site ------------------------------------------------------------------

    def get_json(self, path: str):
        import json

        with urllib.request.urlopen(self.base + path, timeout=10) as response:
            return json.loads(response.read())

    def post_json(self, path: str, body: dict):
        import json

        request = urllib.request.Request(self.base + path, data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())

    def wait_for(self, check_id: str, statuses=("done", "failed"), timeout: float = 90) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.get_json(f"/api/v1/checks/{check_id}")
            if body["status"] in statuses:
                return body
            time.sleep(0.25)
        raise AssertionError(f"check {check_id} still {body['status']} after {timeout} s")


def main(argv):  # python tests/web_stack.py NAME: a stack for looking at by hand
    stack = Stack(argv[0] if argv else "web-manual").prepare().start_web().start_worker().start_sweeper()
    print(stack.base, flush=True)
    try:
        signal.pause()
    finally:
        stack.stop()


if __name__ == "__main__":
    main(sys.argv[1:])


class PrivateRedis:
    """A Redis of our own on a free port, for tests that stop and restart it."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.dir),
             "--save", "", "--appendonly", "yes", "--protected-mode", "yes"],
            stdout=open(self.dir / "redis.log", "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 10
        while not redis_ping(self.port):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(f"redis did not start; see {self.dir / 'redis.log'}")
            time.sleep(0.05)
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None
