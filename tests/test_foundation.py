"""The skeleton: the site package, settings checks, migrations, a real RQ worker, /healthz."""
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import django_rq
import pytest
from django.core.management import call_command
from django.test import override_settings

from checker.models import Check

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def _env(**extra):
    env = dict(os.environ)
    env.update(extra)
    return env


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_site_package_loads_from_manage_py():
    result = subprocess.run(
        [PY, "manage.py", "shell", "-c", "import site, site.settings; print(site.__path__[0]); print(site.getsitepackages()[0])"],
        cwd=ROOT, env=_env(DEBUG="1"), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    package_path, site_packages = result.stdout.split()[-2:]
    assert package_path == str(ROOT / "site")
    assert "site-packages" in site_packages  # the standard module's functions still work


def test_site_package_loads_under_pytest():
    import site

    assert Path(site.__path__[0]) == ROOT / "site"
    from django.conf import settings

    assert settings.ROOT_URLCONF == "site.urls"


def test_gunicorn_serves_the_wsgi_entry_point(tmp_path):
    port = _free_port()
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "scripts/gunicorn.conf.py", "--workers", "1", "--access-logfile", "/dev/null"],
        cwd=ROOT, env=_env(WEB_BIND=f"127.0.0.1:{port}", DEBUG="0", SECRET_KEY="x" * 50,
                           DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3"),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        body = None
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    sock.sendall(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                    body = b""
                    while chunk := sock.recv(65536):
                        body += chunk
                break
            except OSError:
                time.sleep(0.1)
        assert body is not None, proc.stderr.read1().decode() if proc.poll() is not None else "no answer"
        assert body.startswith(b"HTTP/1.0 200") or body.startswith(b"HTTP/1.0 503")
        assert b'"components"' in body
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)


def test_production_like_settings_pass_the_deploy_checks():
    result = subprocess.run(
        [PY, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_env(DEBUG="0", SECRET_KEY="a-long-random-secret-" + "k" * 40, SITE_HTTPS="1",
                 ALLOWED_HOSTS="checker.example.fi", SECURE_HSTS_PRELOAD="1", EMAIL_HOST="smtp.example.fi"),
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_missing_secret_key_is_a_clear_system_check_error():
    env = _env(DEBUG="0")
    env.pop("SECRET_KEY", None)
    env.pop("SECRET_KEY_FILE", None)
    result = subprocess.run([PY, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "checker.E001" in result.stderr and "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_checker_variable_is_a_clear_system_check_error():
    result = subprocess.run(
        [PY, "manage.py", "check"], cwd=ROOT, env=_env(DEBUG="1", CHECKER_RESOLVER="not-an-ip"),
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "CHECKER_RESOLVER" in result.stderr and "Traceback" not in result.stderr


def test_a_yes_no_variable_with_an_unknown_word_is_a_system_check_error():
    result = subprocess.run([PY, "manage.py", "check"], cwd=ROOT, env=_env(DEBUG="flase"),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "checker.E004" in result.stderr and "DEBUG='flase'" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_number_variable_that_is_no_number_is_a_system_check_error():
    result = subprocess.run([PY, "manage.py", "check"], cwd=ROOT, env=_env(DEBUG="off", CHECK_REUSE_SECONDS="2m"),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "checker.E004" in result.stderr and "CHECK_REUSE_SECONDS" in result.stderr


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def _test_database_url(db):
    """The URL of the database this test session uses, for a worker subprocess."""
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_a_job_enqueued_through_django_rq_runs_in_a_real_worker_and_lands_in_the_database():
    from django.conf import settings

    # A Redis database of its own, so no other worker on this machine takes the job.
    redis_url = settings.REDIS_URL.rsplit("/", 1)[0] + "/13"
    check = Check.objects.create(domain="not a domain", input="not a domain")
    with override_settings(RQ_QUEUES={"default": {"URL": redis_url, "DEFAULT_TIMEOUT": 60}}):
        queue = django_rq.get_queue("default")
        queue.empty()
        queue.enqueue("checker.jobs.run_check", str(check.pk))
    result = subprocess.run(
        [PY, "manage.py", "rqworker", "default", "--burst"],
        cwd=ROOT, env=_env(DEBUG="1", DATABASE_URL=_test_database_url(settings.DATABASES["default"]),
                           REDIS_URL=redis_url),
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    check.refresh_from_db()
    assert check.status == Check.Status.FAILED, result.stderr[-2500:]
    assert "Not a domain name" in check.error


def _start_redis(port, directory):
    proc = subprocess.Popen(
        [shutil.which("redis-server"), "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
         "--dir", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


@pytest.mark.django_db
def test_healthz_reports_every_component_and_a_stopped_redis_as_down(client, tmp_path):
    port = _free_port()
    redis_proc = _start_redis(port, tmp_path)
    queues = {"default": {"URL": f"redis://127.0.0.1:{port}/0", "DEFAULT_TIMEOUT": 60}}
    try:
        with override_settings(RQ_QUEUES=queues):
            body = client.get("/healthz").json()
            assert set(body["components"]) == {"database", "redis", "workers", "resolver"}
            assert body["components"]["database"]["status"] == "up"
            assert body["components"]["redis"]["status"] == "up"
            assert body["components"]["workers"]["status"] == "down"  # no worker on this Redis
    finally:
        redis_proc.terminate()
        redis_proc.wait(timeout=10)
    with override_settings(RQ_QUEUES=queues):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["components"]["redis"]["status"] == "down"
    assert body["components"]["database"]["status"] == "up"
