"""Security headers on every kind of response; no inline script, no external resources."""
import re
import uuid
from pathlib import Path

import pytest

from tests.web_samples import make_check, plain_static  # noqa: F401

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def pages(client):
    check = make_check()
    return {
        "home": client.get("/"),
        "report": client.get(f"/check/{check.pk}/"),
        "status": client.get(f"/check/{check.pk}/status.json"),
        "api": client.get(f"/api/v1/checks/{check.pk}"),
        "badge": client.get("/badge/example.fi.svg"),
        "404": client.get(f"/check/{uuid.uuid4()}/"),
    }


def test_every_response_has_a_csp_without_inline_script(client):
    for name, response in pages(client).items():
        csp = response["Content-Security-Policy"]
        assert "script-src 'self'" in csp, name
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, name
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, name


def test_every_response_has_nosniff_and_a_referrer_policy(client):
    for name, response in pages(client).items():
        assert response["X-Content-Type-Options"] == "nosniff", name
        assert response["Referrer-Policy"] == "same-origin", name
        assert response["X-Frame-Options"] == "DENY", name


def test_hsts_is_sent_over_https_only(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    assert "Strict-Transport-Security" not in client.get("/")
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_templates_contain_no_inline_script_style_or_event_handlers():
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<script\b[^>]*>", text):
            assert "src=" in match.group(0), f"inline script in {path}"
        assert "<style" not in text, path
        assert not re.search(r"\son[a-z]+=", text), f"event handler attribute in {path}"
        assert not re.search(r"\sstyle=", text), f"style attribute in {path}"


def test_no_external_resources_are_referenced():
    for path in list((ROOT / "templates").rglob("*")) + list((ROOT / "static").rglob("*")):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), path
            assert "@import" not in text and "url(http" not in text, path


def test_forms_carry_a_csrf_token(client):
    html = pages(client)["report"].content.decode()
    forms = html.count("<form")
    assert forms >= 1 and html.count("csrfmiddlewaretoken") == forms
