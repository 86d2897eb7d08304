"""python manage.py checkdomain: exit codes, JSON contract output, readable summary."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args, env=None):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "manage.py", "checkdomain", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=120)


def test_json_output_is_the_contract_report(fakenet):
    result = run_cli("dane-ok.fi", "--json", env=fakenet.env)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["domain"] == "dane-ok.fi"
    assert report["dnssec"]["status"] == "secure"
    assert report["mx"]["hosts"][0]["name"] == "mx1.dane-ok.fi"
    assert {"grade", "score", "findings", "dane", "starttls", "mta_sts", "tls_rpt"} <= set(report)


def test_readable_summary_names_every_section_and_the_findings(fakenet):
    result = run_cli("Unsigned.FI.", env=fakenet.env)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("unsigned.fi")
    for title in ("DNSSEC: insecure", "MX: present", "STARTTLS", "DANE", "MTA-STS", "TLS-RPT"):
        assert title in out
    assert "[WARN]" in out and "mx1.unsigned.fi" in out


def test_a_domain_with_problems_still_exits_zero(fakenet):
    result = run_cli("bogus-ds.fi", "--json", env=fakenet.env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["dnssec"]["status"] == "bogus"


def test_bad_input_exits_two_with_one_line_and_no_traceback():
    result = run_cli("https://[2001:db8::1]/")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "IP address" in lines[0]
    assert "Traceback" not in result.stderr


def test_the_readable_summary_shows_hidden_characters_as_escapes_one_line_each():
    from checker.management.commands.checkdomain import render_text
    from tests.web_samples import HIDDEN_TEXT, sneaky_report

    out = render_text(sneaky_report())
    for raw, shown in HIDDEN_TEXT.items():
        assert raw not in out and shown in out
    for char in "\x1b\x9b\x00\r\u202e\u200b":
        assert char not in out
    # A newline inside a value cannot start a line of its own that looks like ours.
    assert "\n  [ ok ] forged line" not in out and "\\n  [ ok ] forged line" in out
    # Multi-line remediation (ours) keeps its lines, indented under "fix:".
    report = {"domain": "example.fi", "findings": [
        {"protocol": "dnssec", "severity": "fail", "title": "T", "detail": "d", "remediation": "one\ntwo"}]}
    assert "         fix: one\n         two\n" in render_text(report)


def test_the_json_output_escapes_c1_controls_and_bidi_overrides_and_is_the_same_json():
    from checker.management.commands.checkdomain import render_json
    from tests.web_samples import sneaky_report

    report = sneaky_report()
    out = render_json(report)
    for char in "\x1b\x9b\x00\r\u202e\u200b\x7f":
        assert char not in out
    assert "\\u202e" in out and "\\u009b" in out
    assert json.loads(out) == report


def test_a_resolver_that_does_not_validate_is_named_on_stderr_and_the_report_says_error():
    from tests.test_run import _unvalidating_handler
    from tests.dnsstub import StubResolver

    stub = StubResolver(_unvalidating_handler)
    try:
        result = run_cli("example.fi", "--json", env={"CHECKER_RESOLVER": f"{stub.address}:{stub.port}",
                                                      "CHECKER_TIMEOUT": "3"})
    finally:
        stub.close()
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["dnssec"]["status"] == "error"
    assert report["mx"]["hosts"][0]["dnssec"] == "error"
    assert "does not validate DNSSEC" in result.stderr


def _comparable(stdout):
    """The report without what depends on the moment: its times and the fresh MTA-STS ids
    (a UTC timestamp, remediation.policy_id) in suggested records."""
    report = json.loads(re.sub(r"\d{8}T\d{6}", "<id>", stdout))
    report.pop("checked_at"), report.pop("duration_ms")
    return report


def test_the_plain_form_and_the_django_command_print_the_same_report(fakenet):
    fast = run_cli("dane-ok.fi", "--json", env=fakenet.env)
    through_django = run_cli("--no-color", "dane-ok.fi", "--json", env=fakenet.env)
    assert fast.returncode == through_django.returncode == 0
    assert _comparable(fast.stdout) == _comparable(through_django.stdout)


def test_the_plain_form_starts_without_the_web_apps():
    # What a check does not need is not imported: no django.setup(), no django-rq, no URLs.
    result = subprocess.run([sys.executable, "-X", "importtime", "manage.py", "checkdomain", "1.2.3.4"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "checker.engine.run" in imported
    assert not imported & {"django_rq", "redis", "django.urls", "django.db.models", "checker.models"}


def test_only_the_plain_forms_take_the_fast_path():
    from checker.cli import fast_path

    assert fast_path(["manage.py", "checkdomain", "example.fi"])
    assert fast_path(["manage.py", "checkdomain", "--json", "example.fi"])
    assert not fast_path(["manage.py", "checkdomain", "example.fi", "--settings", "x"])
    assert not fast_path(["manage.py", "checkdomain", "-h"])
    assert not fast_path(["manage.py", "checkdomain", "a.fi", "b.fi"])
    assert not fast_path(["manage.py", "check"])
