"""HTTPS policy server behaviours (RFC 8461 3.3 fetches; one thread per connection)."""
from __future__ import annotations

import socket
import ssl
import time

from .smtp import drain

WELL_KNOWN = "/.well-known/mta-sts.txt"
REASONS = {200: "OK", 301: "Moved Permanently", 302: "Found", 404: "Not Found", 500: "Internal Server Error",
           503: "Service Unavailable", 403: "Forbidden"}
PLACEHOLDER = (b"<!DOCTYPE html>\n<html><head><title>Domain reserved</title></head>\n"
               b"<body><h1>This domain is reserved</h1><p>Coming soon.</p></body></html>\n")
HUGE_SIZE = 70 * 1024


def read_request(sock) -> str | None:
    data = b""
    while b"\r\n\r\n" not in data and b"\n\n" not in data:
        if len(data) > 16384:
            return None
        chunk = sock.recv(4096)
        if not chunk:
            return None
        data += chunk
    first = data.split(b"\n", 1)[0].decode("latin-1").split()
    return first[1] if len(first) >= 2 else "/"


def response(status: int, content_type: str, body: bytes, extra: tuple[tuple[str, str], ...] = ()) -> bytes:
    head = [f"HTTP/1.1 {status} {REASONS.get(status, 'Status')}", f"Content-Type: {content_type}",
            f"Content-Length: {len(body)}", "Connection: close", *[f"{k}: {v}" for k, v in extra]]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def build_response(spec: dict, path: str) -> bytes:
    behaviour = spec["behaviour"]
    body = spec.get("body", "").encode("utf-8")
    if behaviour == "placeholder":
        return response(200, "text/html; charset=utf-8", PLACEHOLDER)
    if path.split("?", 1)[0] != WELL_KNOWN:
        return response(404, "text/plain", b"not found\n")
    if behaviour == "redirect":
        return response(spec["status"], "text/html", b"<a href=x>moved</a>\n", (("Location", spec["location"]),))
    if behaviour == "huge":
        padding = b"".join(b"# padding line %06d .........................................\r\n" % i
                           for i in range(HUGE_SIZE // 60 + 1))
        return response(200, "text/plain", body + padding)
    return response(spec["status"], spec["content_type"], body)


def handle(sock: socket.socket, spec: dict, delay: float, context: ssl.SSLContext | None):
    behaviour = spec["behaviour"]
    if behaviour == "silent":
        return drain(sock)
    if behaviour == "bad-handshake":
        sock.recv(4096)  # the ClientHello
        sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        return
    if delay:
        time.sleep(delay)
    try:
        tls = context.wrap_socket(sock, server_side=True)
    except (ssl.SSLError, OSError):
        return
    path = read_request(tls)
    if path is None:
        return
    data = b"this is not HTTP at all\r\n\r\n" if behaviour == "garbage" else build_response(spec, path)
    if delay:
        time.sleep(delay)
    if behaviour == "trickle":
        for i in range(len(data)):
            tls.sendall(data[i:i + 1])
            time.sleep(1.0)
        return
    tls.sendall(data)
    try:
        tls.unwrap()
    except (ssl.SSLError, OSError):
        pass
