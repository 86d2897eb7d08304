"""Telling watchers: the confirmation, and one alert message per domain per run.

Mail goes through Django's e-mail backend (console in development and tests, SMTP when
EMAIL_HOST is set). Every alert mail carries a one-click unsubscribe link, also as
List-Unsubscribe / List-Unsubscribe-Post headers (RFC 2369, RFC 8058). Webhooks get the
same content as JSON, signed (checker/monitoring/webhook.py).
"""
from __future__ import annotations

import json

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse

from ..engine.names import display_name
from ..models import Check, Watch
from . import webhook


def _base(watch: Watch) -> str:
    return settings.SITE_URL or watch.site_url.rstrip("/")


def links(watch: Watch, check: Check | None = None) -> dict:
    base = _base(watch)
    out = {
        "confirm": base + reverse("watch-confirm", args=[watch.token]),
        "unsubscribe": base + reverse("watch-unsubscribe", args=[watch.token]),
        "history": base + reverse("domain-history", args=[watch.domain]),
    }
    if check is not None:
        out["report"] = base + reverse("check", args=[check.pk])
    return out


def _mail(watch: Watch, subject: str, template: str, context: dict, unsubscribe: bool):
    body = render_to_string(template, context)
    headers = {"Auto-Submitted": "auto-generated"}
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{context['links']['unsubscribe']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [watch.email], headers=headers).send()


def _post(watch: Watch, event: str, payload: dict):
    body = json.dumps({"event": event, **payload}, sort_keys=True).encode()
    webhook.post(watch.webhook_url, body, watch.secret, event, settings.CHECKER_CONFIG)


def send_confirmation(watch: Watch):
    context = {"watch": watch, "domain": display_name(watch.domain), "links": links(watch),
               "hours": settings.WATCH_CONFIRM_HOURS}
    if watch.kind == Watch.Kind.EMAIL:
        # No unsubscribe header: the address is not subscribed until the link is opened.
        _mail(watch, f"Confirm: watch the mail security of {context['domain']}", "monitoring/mail_confirm.txt",
              context, unsubscribe=False)
    else:
        _post(watch, "watch.confirm", {"domain": watch.domain, "confirm_url": context["links"]["confirm"],
                                       "unsubscribe_url": context["links"]["unsubscribe"]})


def send_alert(watch: Watch, check: Check, alert_dicts: list[dict]):
    context = {"watch": watch, "domain": display_name(watch.domain), "check": check, "alerts": alert_dicts,
               "links": links(watch, check), "grade": check.grade,
               "changes": [a for a in alert_dicts if a.get("kind") == "change"],
               "warnings": [a for a in alert_dicts if a.get("kind") != "change"]}
    if watch.kind == Watch.Kind.EMAIL:
        count = len(alert_dicts)
        subject = (f"Mail security of {context['domain']}: {count} "
                   f"{'thing needs' if count == 1 else 'things need'} your attention")
        _mail(watch, subject, "monitoring/mail_alert.txt", context, unsubscribe=True)
    else:
        _post(watch, "alert", {"domain": watch.domain, "grade": check.grade, "score": check.score,
                               "checked_at": check.finished_at.isoformat() if check.finished_at else None,
                               "report_url": context["links"]["report"], "alerts": alert_dicts,
                               "unsubscribe_url": context["links"]["unsubscribe"]})
