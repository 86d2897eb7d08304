"""The population's SMTP and HTTPS servers, and a DNS blackhole, in one process.

Run as `python -m tests.population.servers SPEC.json READY STATS.json`. One accept loop,
a thread per connection (as tests/fakenet/servers.py). Policy servers pick the
certificate and the answer by SNI, so a few addresses serve thousands of `mta-sts.` hosts.
For the politeness tests the process counts, per listening address, the connections open
at the same time (the peak) and, per name asked for (SNI / SMTP host), the connections
made; it writes them to STATS.json twice a second when they change.

A connection stops counting at the last thing the server sends (the HTTP response, the
SMTP 221 reply to QUIT), or when the client's close is seen: a client can only hang up
and open its next connection after that, so the count never includes a connection the
client has already let go (no thread-scheduling race inflates a peak). Silent servers are
served by the accept loop itself, which handles closes before new connections.
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
from collections import Counter

from tests.fakenet import smtp
from tests.fakenet.https import read_request, response

CONNECTION_TIMEOUT = 60


class Stats:
    def __init__(self, path: str):
        self.path, self.lock, self.dirty = path, threading.Lock(), True
        self.open, self.peak, self.names, self.agents = Counter(), Counter(), Counter(), Counter()

    def enter(self, address: str) -> dict:
        with self.lock:
            self.open[address] += 1
            self.peak[address] = max(self.peak[address], self.open[address])
            self.dirty = True
        return {"address": address, "open": True}

    def leave(self, token: dict):
        with self.lock:
            if token["open"]:
                token["open"] = False
                self.open[token["address"]] -= 1

    def agent(self, text: str):
        with self.lock:
            self.agents[text] += 1
            self.dirty = True

    def name(self, name: str):
        with self.lock:
            self.names[name.lower()] += 1
            self.dirty = True

    def writer(self):
        reset = self.path + ".reset"   # a test asks for fresh counts by creating this file
        while True:
            time.sleep(0.5)
            if os.path.exists(reset):
                with self.lock:
                    self.peak, self.names, self.agents, self.dirty = Counter(), Counter(), Counter(), True
                os.unlink(reset)
            with self.lock:
                if not self.dirty:
                    continue
                data = {"peak": dict(self.peak), "names": dict(self.names), "agents": dict(self.agents)}
                self.dirty = False
            tmp = self.path + ".tmp"
            with open(tmp, "w") as handle:
                json.dump(data, handle)
            os.replace(tmp, self.path)


def _context(cert: str, key: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


class PolicySite:
    """Every `mta-sts.` host on the policy addresses: cert and answer chosen by SNI."""

    def __init__(self, spec: dict, stats: Stats):
        self.sites = spec["sites"]            # host name -> {"status", "content_type", "body", "cert", "key"}
        self.contexts: dict[str, ssl.SSLContext] = {}
        self.stats = stats
        self.default = _context(spec["default_cert"], spec["default_key"])
        self.default.sni_callback = self._pick

    def context_for(self, name: str) -> ssl.SSLContext | None:
        site = self.sites.get(name)
        if site is None:
            return None
        found = self.contexts.get(name)
        if found is None:   # built on first use: thousands of hosts, few fetched per test
            found = self.contexts[name] = _context(site["cert"], site["key"])
        return found

    def _pick(self, sslobj, server_name, _context):
        sslobj.sni_name = (server_name or "").lower()   # the server side has no server_hostname
        if server_name:
            self.stats.name(server_name)
            context = self.context_for(server_name.lower())
            if context is not None:
                sslobj.context = context
        return None

    def handle(self, sock, answered):
        tls = self.default.wrap_socket(sock, server_side=True)
        head = _read_head(tls)
        if head is None:
            return
        path, agent = head
        self.stats.agent(agent)
        site = self.sites.get(getattr(tls, "sni_name", ""))
        answered()
        if site is None or path.split("?", 1)[0] != "/.well-known/mta-sts.txt":
            tls.sendall(response(404, "text/plain", b"not found\n"))
        else:
            tls.sendall(response(site["status"], site["content_type"], site["body"].encode()))
        try:
            tls.unwrap()
        except (ssl.SSLError, OSError):
            pass


class CountingLineSocket(smtp.LineSocket):
    """fakenet's SMTP line socket; the 221 reply to QUIT ends the connection's count."""
    stats, tokens = None, {}

    def send(self, text: str):
        if text.startswith("221"):
            token = self.tokens.get(threading.get_ident())
            if token is not None:
                self.stats.leave(token)
        super().send(text)


smtp.LineSocket = CountingLineSocket


def _read_head(sock) -> tuple[str, str] | None:
    """(path, User-Agent) of an HTTP request."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk or len(data) > 16384:
            return None
        data += chunk
    lines = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    first = lines[0].split()
    agent = next((line.split(":", 1)[1].strip() for line in lines[1:] if line.lower().startswith("user-agent:")), "")
    return (first[1] if len(first) >= 2 else "/"), agent


def _serve(conn, listener, stats: Stats, policy: PolicySite, contexts):
    local = listener["address"]
    token = stats.enter(local)
    CountingLineSocket.stats = stats
    CountingLineSocket.tokens[threading.get_ident()] = token
    conn.setblocking(True)
    conn.settimeout(CONNECTION_TIMEOUT)
    try:
        kind = listener["kind"]
        if kind == "smtp":
            stats.name(listener["host"])
            smtp.handle(conn, {"behaviour": "ok", "host": listener["host"]}, 0.0, contexts[local])
        elif kind == "policy":
            policy.handle(conn, lambda: stats.leave(token))
        elif kind == "wrong-cert":    # shared hosting: another name's certificate for everyone
            context = contexts[local]
            if context.sni_callback is None:
                context.sni_callback = lambda sslobj, name, _ctx: stats.name(name) if name else None
            tls = context.wrap_socket(conn, server_side=True)
            read_request(tls)
            stats.leave(token)
            tls.sendall(response(200, "text/html", b"<h1>Welcome</h1>\n"))
        elif kind == "bad-handshake":
            conn.recv(4096)
            stats.leave(token)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        else:  # silent (TCP) or blackhole DNS over TCP
            smtp.drain(conn)
    except (OSError, ssl.SSLError):
        pass
    finally:
        stats.leave(token)
        CountingLineSocket.tokens.pop(threading.get_ident(), None)
        try:
            conn.close()
        except OSError:
            pass


def serve(spec: dict, ready: str, stats_path: str):
    stats = Stats(stats_path)
    threading.Thread(target=stats.writer, daemon=True).start()
    policy = PolicySite(spec["policy"], stats)
    contexts = {}
    selector = selectors.DefaultSelector()
    for listener in spec["listeners"]:
        if listener.get("cert"):
            contexts[listener["address"]] = _context(listener["cert"], listener["key"])
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((listener["address"], listener["port"]))
        sock.listen(256)
        sock.setblocking(False)
        selector.register(sock, selectors.EVENT_READ, listener)
        if listener["kind"] == "blackhole":
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.bind((listener["address"], listener["port"]))
            udp.setblocking(False)
            selector.register(udp, selectors.EVENT_READ, {"kind": "udp-drain", "address": listener["address"]})
    with open(ready, "w") as handle:
        handle.write("ready\n")
    silent: dict[socket.socket, dict] = {}
    while True:
        # Closes first: a client's next connection comes only after it closed the last one.
        events = sorted(selector.select(), key=lambda event: event[0].data.get("kind") != "silent-conn")
        for key, _ in events:
            listener = key.data
            if listener["kind"] == "silent-conn":
                try:
                    data = key.fileobj.recv(4096)
                except OSError:
                    data = b""
                if not data:
                    selector.unregister(key.fileobj)
                    stats.leave(silent.pop(key.fileobj))
                    key.fileobj.close()
                continue
            if listener["kind"] == "udp-drain":
                try:
                    key.fileobj.recvfrom(65535)   # a dead name server: never answers
                except OSError:
                    pass
                continue
            try:
                conn, _ = key.fileobj.accept()
            except OSError:
                continue
            if listener["kind"] == "silent":   # accepts, never answers: no thread needed
                conn.setblocking(False)
                silent[conn] = stats.enter(listener["address"])
                selector.register(conn, selectors.EVENT_READ, {"kind": "silent-conn"})
                continue
            threading.Thread(target=_serve, args=(conn, listener, stats, policy, contexts), daemon=True).start()


if __name__ == "__main__":
    with open(sys.argv[1]) as spec_file:
        serve(json.load(spec_file), sys.argv[2], sys.argv[3])
