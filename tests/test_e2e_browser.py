"""End to end in a real browser: Debian's Chromium (headless) driven by Playwright, against
gunicorn, an RQ worker, Redis and the loopback test network.

A screenshot of the finished report is kept in var/test-artifacts/ for people to look at.
"""
import os
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.web_stack import CHROMIUM, CHROMIUM_ARGS, PY, ROOT, Stack

DOMAIN = "unsigned.fi"  # STARTTLS fine, no DNSSEC/DANE/MTA-STS/TLS-RPT: findings with records to copy
ARTIFACTS = ROOT / "var" / "test-artifacts"
GRADES = ("A+", "A", "B", "C", "D", "E", "F")


@pytest.fixture
def stack(fakenet):
    stack = Stack("test-e2e", fakenet.env).prepare()
    stack.start_web()
    yield stack
    stack.stop()


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def collect_problems(page, problems):
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))


def test_a_visitor_submits_a_domain_watches_progress_reads_the_report_and_shares_it(stack, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=stack.base)
    page = context.new_page()
    problems = []
    collect_problems(page, problems)

    page.goto(stack.base + "/")
    page.get_by_label("Mail domain").fill(f"  Postmaster@{DOMAIN.upper()} ")
    page.get_by_role("button", name="Check").click()
    expect(page).to_have_url(re.compile(r"/check/[0-9a-f-]{36}/$"))
    check_url = page.url

    # No worker yet: the page shows the parts still to do, then follows the job on its own.
    progress = page.locator("#progress")
    expect(progress).to_be_visible()
    expect(progress.locator("[data-part]")).to_have_count(6)
    expect(progress.locator('[data-part="mta_sts"] .progress-state')).to_have_text("waiting")
    stack.start_worker()

    grade = page.locator(".grade")
    expect(grade).to_be_visible(timeout=60_000)  # the page reloaded itself into the report
    shown_grade = grade.inner_text().strip()
    api = stack.get_json("/api/v1/checks/" + check_url.rstrip("/").rsplit("/", 1)[1])
    assert api["status"] == "done"
    assert shown_grade == api["report"]["grade"] and shown_grade in GRADES
    expect(page.locator(".score")).to_have_text(f"{api['report']['score']} / 100")

    # One section per protocol, status written out.
    for key in ("dnssec", "mx", "starttls", "dane", "mta_sts", "tls_rpt"):
        expect(page.locator(f"section#{key} .part-head .chip")).not_to_be_empty()
    expect(page.locator("section#dnssec .part-head .chip")).to_have_text("insecure")

    # A ready-to-copy record, and its copy button.
    record = page.locator("section#tls_rpt .records pre").first
    expect(record).to_contain_text(f"_smtp._tls.{DOMAIN}. IN TXT")
    expect(record).to_contain_text("v=TLSRPTv1")
    page.locator("section#tls_rpt .records button").first.click()
    expect(page.locator("section#tls_rpt .records button").first).to_have_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == record.inner_text().rstrip("\n")

    page.screenshot(path=str(ARTIFACTS / "e2e-report.png"), full_page=True)

    # The share link opens the same report for someone else.
    share = page.locator("#share-link").input_value()
    assert share == check_url
    other = browser.new_context(viewport={"width": 390, "height": 844})
    other_page = other.new_page()
    collect_problems(other_page, problems)
    other_page.goto(share)
    expect(other_page.locator(".grade")).to_have_text(shown_grade)
    expect(other_page.locator("h1.domain")).to_have_text(DOMAIN)
    other_page.screenshot(path=str(ARTIFACTS / "e2e-report-phone.png"), full_page=True)
    other.close()
    context.close()

    # No Content-Security-Policy violations or script errors on the way.
    assert problems == []


def test_an_invalid_domain_is_explained_next_to_the_field(stack, browser):
    page = browser.new_page()
    page.goto(stack.base + "/")
    page.get_by_label("Mail domain").fill("192.0.2.1")
    page.keyboard.press("Enter")
    error = page.locator("#domain-error")
    expect(error).to_contain_text("IP address")
    expect(page.get_by_label("Mail domain")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Mail domain")).to_have_value("192.0.2.1")


def test_an_owner_opens_the_history_of_a_domain_sees_the_chart_and_the_change_and_asks_to_watch(fakenet, browser):
    domain, host = "rollover-switch.fi", "mx1.rollover-switch.fi"
    stack = Stack("test-e2e-history", fakenet.env, CHECK_REUSE_SECONDS="0").prepare()
    stack.start_web().start_worker()
    try:
        ids = []
        for switched in (False, True):  # the second check sees a new key that no TLSA record names
            fakenet.network.present_next_key(host, on=switched)
            _, created = stack.post_json("/api/v1/checks", {"domain": domain})
            assert stack.wait_for(created["id"])["status"] == "done"
            ids.append(created["id"])
    finally:
        fakenet.network.present_next_key(host, on=False)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        problems = []
        collect_problems(page, problems)
        page.goto(f"{stack.base}/check/{ids[1]}/")
        expect(page.locator("#previous-report")).to_have_attribute("href", f"/check/{ids[0]}/")
        page.get_by_role("link", name=f"History and changes of {domain}").click()
        expect(page).to_have_url(re.compile(rf"/domain/{re.escape(domain)}/#diff$"))
        chart = page.locator("#grade-chart")
        expect(chart).to_be_visible()
        page.wait_for_function("document.querySelector('#grade-chart').complete")
        assert page.evaluate("document.querySelector('#grade-chart').naturalWidth") > 0  # the SVG loaded and drew
        expect(page.locator(".history-table tbody tr")).to_have_count(2)
        expect(page.locator("#diff .changes")).to_contain_text(
            f"{host} now presents a certificate whose key matches no TLSA record.")
        page.screenshot(path=str(ARTIFACTS / "e2e-history.png"), full_page=True)
        page.get_by_label("E-mail address").fill("owner@example.org")
        page.get_by_role("button", name="Watch").click()
        expect(page.get_by_role("heading", name="Check your mailbox")).to_be_visible()

        # A worker on the notify queue sends the confirmation (console mail backend: its log).
        log, link = stack.var / "notify.log", None
        log.unlink(missing_ok=True)  # the log of an earlier run would hold its mails
        stack._spawn("notify", [PY, "manage.py", "rqworker", "notify", "--name", f"e2e-notify-{os.getpid()}"])
        deadline = time.monotonic() + 60
        while link is None and time.monotonic() < deadline:
            found = re.search(rf"{re.escape(stack.base)}/watch/confirm/[A-Za-z0-9_-]+/",
                              log.read_text(errors="replace") if log.exists() else "")
            link = found.group(0) if found else time.sleep(0.25)
        assert link, f"no confirmation mail in {log}"
        page.goto(link)
        expect(page.get_by_role("heading", name=f"You are watching {domain}")).to_be_visible()
        assert problems == []

        # Two scheduled re-checks a day apart, through the worker; the key changes in between.
        start = datetime.now(timezone.utc) + timedelta(days=2)
        for day, switched in ((0, False), (1, True)):
            fakenet.network.present_next_key(host, on=switched)
            stack.manage("monitor_tick", "--at", (start + timedelta(days=day)).isoformat())
            deadline = time.monotonic() + 60
            while stack.get_json(f"/api/v1/domains/{domain}/history")["count"] < 3 + day:
                assert time.monotonic() < deadline, "the scheduled check did not finish"
                time.sleep(0.25)
        deadline = time.monotonic() + 60
        while f"{host} now presents a certificate whose key matches no TLSA record" not in log.read_text():
            assert time.monotonic() < deadline, f"no alert mail in {log}"
            time.sleep(0.25)
        assert log.read_text().count("Subject: Mail security of") == 1  # one alert, after the break only
    finally:
        fakenet.network.present_next_key(host, on=False)
        stack.stop()
