"""`manage.py survey ...`: clear messages, never tracebacks."""
import io

import pytest
from django.core.management import CommandError, call_command

from checker.models import Survey, SurveyDomain


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("survey", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def zone(tmp_path):
    path = tmp_path / "fi.zone"
    path.write_text("$ORIGIN fi.\n@ SOA a.nic.fi. h.fi. 1 2 3 4 5\none NS ns.x.fi.\none DS 1 13 2 ab\n"
                    "two NS ns.x.fi.\nbad_one NS ns.x.fi.\nääkkönen NS ns.x.fi.\n")
    return str(path)


def test_an_import_names_each_bad_line_and_counts_what_it_kept(db, zone):
    out, err = run("import", "fi", zone)
    assert f"{zone}:6: 'bad_one.fi'" in err
    assert "3 domains from a zone, 1 with a DS record" in out and "1 bad lines skipped" in out
    survey = Survey.objects.get(name="fi")
    assert sorted(SurveyDomain.objects.filter(survey=survey).values_list("domain", "ds_in_zone")) == [
        ("one.fi", True), ("two.fi", False), ("xn--kknen-fraa0m.fi", False)]


def test_a_second_import_under_the_same_name_needs_replace(db, zone):
    run("import", "fi", zone)
    with pytest.raises(CommandError, match="exists already"):
        run("import", "fi", zone)
    out, _ = run("import", "fi", zone, "--replace")
    assert "3 domains" in out


def test_a_missing_file_or_survey_is_one_line_of_explanation(db, tmp_path):
    with pytest.raises(CommandError, match="cannot read"):
        run("import", "x", str(tmp_path / "nope.txt"))
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\nnot a domain\n")
    with pytest.raises(CommandError, match="no domains found"):
        run("import", "x", str(empty))
    with pytest.raises(CommandError, match="no survey named 'x'"):
        run("status", "x")


def test_status_and_report_of_a_survey_not_run_yet(db, zone, tmp_path):
    run("import", "fi", zone)
    out, _ = run("status", "fi")
    assert "0/3" in out and "no worker" in out
    out, _ = run("report", "fi")
    assert "NOT COMPLETE" in out and "(thesis Tables 16 to 19)" in out
    assert "DS in the zone file vs. DS seen in DNS: 0 domains differ" in out
    run("report", "fi", "--csv", str(tmp_path / "fi.csv"))
    assert "table,row,label,count" in (tmp_path / "fi.csv").read_text()
    with pytest.raises(CommandError, match="cannot write"):
        run("report", "fi", "--csv", str(tmp_path / "missing-dir" / "fi.csv"))


def test_run_without_redis_says_so_and_loses_nothing(zone):
    from tests.population.harness import SurveyStack
    stack = SurveyStack("test-survey-noredis", {}, REDIS_URL="redis://127.0.0.1:1/0")
    stack.db.unlink(missing_ok=True)
    stack.manage("migrate", "--noinput", "-v", "0")
    stack.manage("survey", "import", "fi", zone)
    with pytest.raises(AssertionError, match="Redis is not reachable") as failure:
        stack.manage("survey", "run", "fi")
    assert "Traceback" not in str(failure.value)
    assert stack.query("SELECT COUNT(*) FROM checker_surveydomain WHERE done = 0")[0][0] == 3


def test_an_unreadable_opt_out_file_is_a_system_check_error(settings, tmp_path):
    from checker.checks import survey_settings
    settings.SURVEY_OPT_OUT_FILE = str(tmp_path / "missing.txt")
    assert [p.id for p in survey_settings(None)] == ["checker.E006"]
    (tmp_path / "missing.txt").write_text("optout.fi\n")
    assert survey_settings(None) == []


def test_the_user_agent_names_the_tool_and_the_contact_url(settings):
    from checker.survey.worker import user_agent
    settings.SURVEY_CONTACT_URL = "https://example.fi/survey"
    assert user_agent() == "smtp-tls-checker-survey/1 (+https://example.fi/survey)"
    settings.SURVEY_CONTACT_URL = ""
    assert user_agent() == "smtp-tls-checker-survey/1"
