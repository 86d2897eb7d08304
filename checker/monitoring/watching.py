"""Start, confirm and end a watch, with the abuse limits of README "Watching a domain".

* per client (keyed hash of the address, as for checks): RATE_LIMIT_WATCHES requests per
  RATE_LIMIT_WATCH_WINDOW_SECONDS;
* per e-mail address / webhook URL: at most RATE_LIMIT_WATCH_ADDRESS unconfirmed requests
  per window (nobody can bury a stranger in confirmation mails), and at most
  WATCH_MAX_DOMAINS_PER_ADDRESS domains;
* a watch is unconfirmed until its link is opened; unconfirmed ones are deleted after
  WATCH_CONFIRM_HOURS (schedule.purge_unconfirmed), and unsubscribing deletes the row.
"""
from __future__ import annotations

import ipaddress
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from ..engine.addresses import is_allowed
from ..engine.names import normalize_domain
from ..models import Watch
from ..submit import client_key
from . import schedule, webhook


class WatchRefused(Exception):
    """A message for people; `status` is the HTTP status to answer with, `retry_after` for 429."""

    def __init__(self, message: str, status: int = 400, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.retry_after = status, retry_after


@dataclass(frozen=True)
class WatchRequest:
    watch: Watch
    created: bool        # False: the same watch existed (confirmed: nothing sent; else the link is sent again)


def _clean_email(value: str) -> str:
    value = (value or "").strip()
    try:
        validate_email(value)
    except ValidationError:
        raise WatchRefused("That is not an e-mail address we can send to.") from None
    local, _, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def _clean_webhook(value: str) -> str:
    value = (value or "").strip()
    try:
        host, _, _ = webhook.check_url(value)
    except webhook.WebhookError as error:
        raise WatchRefused(f"That webhook URL cannot be used: {error}.") from None
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None and not is_allowed(str(literal), settings.CHECKER_CONFIG):
        raise WatchRefused("That webhook URL points at a non-public address; we do not connect there.")
    return value


def request_watch(raw_domain: str, email: str, webhook_url: str, client_address: str, site_url: str) -> WatchRequest:
    domain = normalize_domain(raw_domain)  # InvalidDomain for the caller to show
    if bool((email or "").strip()) == bool((webhook_url or "").strip()):
        raise WatchRefused("Give either an e-mail address or a webhook URL.")
    if (email or "").strip():
        kind, target = Watch.Kind.EMAIL, {"email": _clean_email(email)}
        same_target = {"email__iexact": target["email"]}
    else:
        kind, target = Watch.Kind.WEBHOOK, {"webhook_url": _clean_webhook(webhook_url)}
        same_target = {"webhook_url": target["webhook_url"]}
    client = client_key(client_address)
    now = timezone.now()
    window = now - timedelta(seconds=settings.RATE_LIMIT_WATCH_WINDOW_SECONDS)
    with transaction.atomic():
        existing = Watch.objects.filter(domain=domain, kind=kind, **same_target).first()
        if existing is not None and existing.confirmed_at is not None:
            return WatchRequest(existing, created=False)
        if Watch.objects.filter(client=client, created_at__gte=window).count() >= settings.RATE_LIMIT_WATCHES:
            raise WatchRefused("Too many watch requests from your address; please try again later.", 429,
                               settings.RATE_LIMIT_WATCH_WINDOW_SECONDS)
        pending = Watch.objects.filter(confirmed_at__isnull=True, created_at__gte=window, **same_target)
        if pending.count() >= settings.RATE_LIMIT_WATCH_ADDRESS:
            raise WatchRefused("Several confirmation requests for this address are still open; confirm one "
                               "of them or try again later.", 429, settings.RATE_LIMIT_WATCH_WINDOW_SECONDS)
        if existing is not None:
            # Not confirmed yet: count the new request, send the link again.
            existing.created_at = now
            existing.client = client
            existing.save(update_fields=["created_at", "client"])
            return WatchRequest(existing, created=False)
        if Watch.objects.filter(**same_target).count() >= settings.WATCH_MAX_DOMAINS_PER_ADDRESS:
            raise WatchRefused(f"This address already watches {settings.WATCH_MAX_DOMAINS_PER_ADDRESS} domains, "
                               "the most we allow.", 403)
        watch = Watch.objects.create(domain=domain, kind=kind, token=secrets.token_urlsafe(32),
                                     secret=secrets.token_hex(32), client=client, site_url=site_url[:300], **target)
    return WatchRequest(watch, created=True)


def confirm(token: str) -> Watch | None:
    """The confirmed watch, or None when the link is unknown or expired (then it is deleted)."""
    watch = Watch.objects.filter(token=token).first()
    if watch is None:
        return None
    if watch.confirmed_at is None:
        if watch.created_at < timezone.now() - timedelta(hours=settings.WATCH_CONFIRM_HOURS):
            watch.delete()
            schedule.forget_if_unwatched(watch.domain)
            return None
        watch.confirmed_at = timezone.now()
        watch.save(update_fields=["confirmed_at"])
    schedule.ensure_monitored(watch.domain)
    return watch


def unsubscribe(token: str) -> str | None:
    """Delete the watch (and with it the address); the domain it watched, or None if unknown."""
    watch = Watch.objects.filter(token=token).first()
    if watch is None:
        return None
    domain = watch.domain
    watch.delete()
    schedule.forget_if_unwatched(domain)
    return domain
