"""The staff statistics in a real browser: Debian's Chromium (headless) driven by Playwright,
against gunicorn, an RQ worker and the loopback test network (tests/web_stack.py).

A screenshot is kept in var/test-artifacts/stats.png for people to look at.
"""
import pytest
from playwright.sync_api import expect, sync_playwright

from checker.stats.charts import STYLE
from tests.test_e2e_browser import ARTIFACTS, collect_problems
from tests.web_stack import CHROMIUM, CHROMIUM_ARGS, Stack

DOMAINS = ("unsigned.fi", "dane-ok.fi", "dane-some.fi", "cert-expired.fi", "bogus-expired.fi")
PASSWORD = "stats-browser-test-pw"
PALETTE = {"rgb({}, {}, {})".format(*(int(c[i:i + 2], 16) for i in (1, 3, 5))) for c in STYLE.colors}


@pytest.fixture
def stack(fakenet):
    stack = Stack("test-stats-browser", fakenet.env).prepare()
    stack.manage("shell", "-c", "from django.contrib.auth.models import User; "
                 f"User.objects.create_user('staff', password='{PASSWORD}', is_staff=True)")
    stack.start_web().start_worker()
    yield stack
    stack.stop()


def test_staff_log_in_and_see_the_statistics_with_their_charts(stack):
    ids = [stack.post_json("/api/v1/checks", {"domain": domain})[1]["id"] for domain in DOMAINS]
    for check_id in ids:
        assert stack.wait_for(check_id)["status"] == "done"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        problems = []
        collect_problems(page, problems)
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)

        page.goto(stack.base + "/admin/stats/")   # not signed in: the admin login first
        page.get_by_label("Username").fill("staff")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()

        expect(page.locator("#table-dane")).to_be_visible()
        charts = page.locator("figure.stats-chart svg.pygal-chart")
        expect(charts).to_have_count(6)
        for i in range(6):
            box = charts.nth(i).bounding_box()
            assert box and box["width"] > 100 and box["height"] > 50   # drawn, not collapsed
        # The styled SVG: pygal's stylesheet applied (CSP nonce), so the slices are coloured.
        slice_ = page.locator("#chart-grades svg rect.rect").first
        fill = page.evaluate("e => getComputedStyle(e).fill", slice_.element_handle())
        assert fill in PALETTE, fill
        expect(page.locator('#table-dane tr[data-row="domains"] td.count')).to_have_text(str(len(DOMAINS)))

        # From the admin index, the statistics are one link away.
        page.goto(stack.base + "/admin/")
        page.get_by_role("link", name="Deployment statistics").click()
        expect(page.locator("#table-grades")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "stats.png"), full_page=True)
        browser.close()
    assert problems == []
