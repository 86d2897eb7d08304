"""The fake servers process: SMTP, HTTPS, the blackhole DNS and the DNS delay proxy.

Run as `python -m tests.fakenet.servers SPEC.json READY_FILE`. One selector loop
accepts on every listening socket; each connection (or UDP query) gets a thread.
FAKENET_DELAY_MS arrives in the spec as `delay_ms`: SMTP/HTTPS sleep that long
before every reply, the DNS proxy before forwarding every query.
"""
from __future__ import annotations

import json
import os
import selectors
import socket
import ssl
import sys
import threading
import time

from . import https, smtp

CONNECTION_TIMEOUT = 120  # a forgotten client must not pin a thread forever


def _context(listener: dict, prefix: str = "") -> ssl.SSLContext | None:
    if not listener.get(prefix + "cert"):
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(listener[prefix + "cert"], listener[prefix + "key"])
    return context


class Switchable:
    """A host with a next key (model.Host.next_key): the next leaf is served while the
    switch file exists (Network.present_next_key), the current one otherwise."""

    def __init__(self, listener: dict):
        self.current, self.next, self.switch = _context(listener), _context(listener, "next_"), listener["switch_file"]

    def wrap_socket(self, sock, **kwargs):
        return (self.next if os.path.exists(self.switch) else self.current).wrap_socket(sock, **kwargs)


def _family(address: str) -> int:
    return socket.AF_INET6 if ":" in address else socket.AF_INET


def _tcp(address: str, port: int) -> socket.socket:
    sock = socket.socket(_family(address), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


def _udp(address: str, port: int) -> socket.socket:
    sock = socket.socket(_family(address), socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((address, port))
    sock.setblocking(False)
    return sock


def _recv_exact(sock, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def proxy_udp(server: socket.socket, data: bytes, client, target, delay: float):
    time.sleep(delay)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as upstream:
        upstream.settimeout(5)
        try:
            upstream.sendto(data, target)
            reply = upstream.recv(65535)
        except OSError:
            return
    server.sendto(reply, client)


def proxy_tcp(conn: socket.socket, target, delay: float):
    with socket.create_connection(target, timeout=5) as upstream:
        while True:
            head = _recv_exact(conn, 2)
            if head is None:
                return
            query = _recv_exact(conn, int.from_bytes(head, "big"))
            if query is None:
                return
            time.sleep(delay)
            upstream.sendall(head + query)
            rhead = _recv_exact(upstream, 2)
            if rhead is None:
                return
            conn.sendall(rhead + _recv_exact(upstream, int.from_bytes(rhead, "big")))


def _serve_connection(conn: socket.socket, listener: dict, delay: float, context):
    conn.setblocking(True)
    conn.settimeout(CONNECTION_TIMEOUT)
    try:
        kind = listener["kind"]
        if kind == "smtp":
            smtp.handle(conn, listener, delay, context)
        elif kind == "https":
            https.handle(conn, listener, delay, context)
        elif kind == "dnsproxy":
            proxy_tcp(conn, tuple(listener["target"]), delay)
        else:  # blackhole
            smtp.drain(conn)
    except (OSError, ssl.SSLError):
        pass
    finally:
        try:
            conn.close()
        except OSError:
            pass


def serve(spec: dict, ready_file: str | None = None):
    delay = spec.get("delay_ms", 0) / 1000.0
    selector = selectors.DefaultSelector()
    for listener in spec["listeners"]:
        context = Switchable(listener) if listener.get("switch_file") else _context(listener)
        port = listener["port"]
        selector.register(_tcp(listener["address"], port), selectors.EVENT_READ, ("tcp", listener, context))
        if listener["kind"] in ("dnsproxy", "blackhole"):
            selector.register(_udp(listener["address"], port), selectors.EVENT_READ, ("udp", listener, context))
    if ready_file:
        with open(ready_file, "w") as handle:
            handle.write("ready\n")
    while True:
        for key, _ in selector.select():
            proto, listener, context = key.data
            if proto == "tcp":
                try:
                    conn, _ = key.fileobj.accept()
                except OSError:
                    continue
                threading.Thread(target=_serve_connection, args=(conn, listener, delay, context), daemon=True).start()
            else:
                try:
                    data, client = key.fileobj.recvfrom(65535)
                except OSError:
                    continue
                if listener["kind"] == "dnsproxy":
                    threading.Thread(target=proxy_udp, daemon=True,
                                     args=(key.fileobj, data, client, tuple(listener["target"]), delay)).start()


if __name__ == "__main__":
    with open(sys.argv[1]) as spec_file:
        serve(json.load(spec_file), sys.argv[2] if len(sys.argv) > 2 else None)
