"""POST a JSON body to a watcher's webhook URL, signed, never to a non-public address.

The host name is resolved through the engine's DNS wrapper and every address is checked
with the same rule as every other connection (checker/engine/addresses.py,
CHECKER_ALLOWED_NETWORKS); we then connect to that very address (no second lookup a DNS
rebinding could change) with TLS verified for the URL's host name. Only https:// URLs.
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
import time
from urllib.parse import urlsplit

from ..engine.addresses import is_allowed
from ..engine.dns import Resolver

SIGNATURE_HEADER = "X-Checker-Signature"  # "sha256=<hex HMAC-SHA256 of the body, keyed by the watch's secret>"
EVENT_HEADER = "X-Checker-Event"
TIMEOUT = 10
MAX_URL = 2000


class WebhookError(Exception):
    """Delivery failed; the message says why (shown to people, logged, retried by RQ)."""


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def check_url(url: str) -> tuple[str, int, str]:
    """(host, port, path) of an acceptable webhook URL, or WebhookError saying what is wrong."""
    if not isinstance(url, str) or len(url) > MAX_URL or any(c.isspace() or ord(c) < 32 for c in url):
        raise WebhookError("the URL is too long or contains spaces or control characters")
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise WebhookError("the webhook URL must start with https://")
    if not parts.hostname or parts.username or parts.password:
        raise WebhookError("the webhook URL needs a host name and no user name or password")
    try:
        port = parts.port or 443
    except ValueError:
        raise WebhookError("the port of the webhook URL is not a number") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.hostname.rstrip(".").lower(), port, path


def addresses(host: str, config) -> list[str]:
    """The addresses to connect to, all allowed; WebhookError if there are none."""
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        literal = None
    if literal is not None:
        found = [str(literal)]
    else:
        resolver, deadline = Resolver(config), time.monotonic() + TIMEOUT
        found = []
        for rdtype in ("A", "AAAA"):
            answer = resolver.query(host, rdtype, deadline)
            if answer.security in ("secure", "insecure"):
                found += list(answer.records)
        if not found:
            raise WebhookError(f"{host} has no address")
    allowed = [a for a in found if is_allowed(a, config)]
    if not allowed:
        raise WebhookError(f"{host} points at a non-public address ({found[0]}); we do not connect there")
    return allowed


class _PinnedConnection(http.client.HTTPSConnection):
    """HTTPS to one chosen address, with SNI and certificate checks for the URL's host name."""

    def __init__(self, host, address, port, context, timeout):
        super().__init__(host, port, context=context, timeout=timeout)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, secret: str, event: str, config) -> int:
    """POST `body`; returns the HTTP status (2xx), else raises WebhookError."""
    host, port, path = check_url(url)
    context = ssl.create_default_context(cafile=getattr(config, "ca_bundle", None) or None)
    headers = {"Content-Type": "application/json", "User-Agent": "mail-security-checker",
               SIGNATURE_HEADER: signature(secret, body), EVENT_HEADER: event}
    last = None
    for address in addresses(host, config)[:4]:
        connection = _PinnedConnection(host, address, port, context, TIMEOUT)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read(65536)
            if 200 <= response.status < 300:
                return response.status
            last = f"the webhook answered HTTP {response.status}"
        except (OSError, ssl.SSLError, http.client.HTTPException) as error:
            last = f"could not deliver to {address}: {type(error).__name__}: {error}"[:300]
        finally:
            connection.close()
    raise WebhookError(last or "no address to deliver to")
