"""deploy/: the systemd units and the environment file they share."""
import configparser
import os
import secrets
import subprocess
from pathlib import Path

from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PY = str(ROOT / ".venv" / "bin" / "python")
UNITS = ["checker-web.service", "checker-worker@.service", "checker-sweeper.service", "checker-cron.service",
         "checker-scheduler.service"]


def env_file() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "checker.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def unit(name) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / name)
    return parser


def test_manage_py_check_deploy_passes_with_the_documented_environment(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text(secrets.token_urlsafe(50))
    env = {key: value for key, value in os.environ.items()
           if key not in ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL")}
    env.update(env_file(), SECRET_KEY_FILE=str(secret), VAR_DIR=str(tmp_path), STATIC_ROOT=str(tmp_path / "static"))
    result = subprocess.run([PY, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_every_unit_runs_an_existing_command_from_the_shared_environment_file_and_never_gives_up():
    commands = get_commands()
    for name in UNITS:
        service = unit(name)["Service"]
        argv = service["ExecStart"].split()
        if "manage.py" in argv:
            assert argv[argv.index("manage.py") + 1] in commands, name
        else:
            assert argv[0].endswith("/gunicorn") and (ROOT / argv[argv.index("-c") + 1]).exists(), name
        assert service["EnvironmentFile"] == "/etc/checker/checker.env"
        assert service["Restart"] == "always" and unit(name)["Unit"]["StartLimitIntervalSec"] == "0"


def test_a_worker_unit_stops_gracefully_for_longer_than_a_check_may_run():
    service = unit("checker-worker@.service")["Service"]
    # SIGTERM to the worker only: the process running the check must not get it.
    assert service["KillMode"] == "mixed" and service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) > int(env_file()["CHECK_JOB_TIMEOUT"])
