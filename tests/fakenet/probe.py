"""Small client helpers the harness tests use to poke the fake servers (not the checker)."""
from __future__ import annotations

import socket
import ssl

import dns.resolver
from OpenSSL import SSL


def resolve(fakenet, name: str, rdtype: str = "A") -> list[str]:
    resolver = dns.resolver.Resolver(configure=False)
    address, port = fakenet.config.resolvers[0]
    resolver.nameservers, resolver.port = [address], port
    return [r.to_text() for r in resolver.resolve(name, rdtype, lifetime=5)]


def client_context(fakenet, verify: bool = True) -> ssl.SSLContext:
    if not verify:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=fakenet.env["CHECKER_CA_BUNDLE"])


def smtp_lines(sock_file) -> list[str]:
    """One SMTP reply (all its lines)."""
    lines = []
    while True:
        line = sock_file.readline(2048).decode("ascii", "replace").rstrip("\r\n")
        if not line:
            raise ConnectionError("connection closed mid-reply")
        lines.append(line)
        if len(line) < 4 or line[3] != "-":
            return lines


def starttls_chain(address: str, port: int, timeout: float = 5.0):
    """EHLO, STARTTLS, handshake without verification; the chain the server sent (pyOpenSSL)."""
    sock = socket.create_connection((address, port), timeout=timeout)
    reader = sock.makefile("rb")
    smtp_lines(reader)
    sock.sendall(b"EHLO probe.test\r\n")
    smtp_lines(reader)
    sock.sendall(b"STARTTLS\r\n")
    smtp_lines(reader)
    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    conn = SSL.Connection(context, sock)
    conn.set_connect_state()
    conn.setblocking(True)
    conn.do_handshake()
    chain = [c.to_cryptography() for c in conn.get_peer_cert_chain()]
    conn.shutdown()
    sock.close()
    return chain


def https_get(address: str, port: int, host: str, context: ssl.SSLContext, path: str = "/.well-known/mta-sts.txt",
              timeout: float = 5.0, limit: int = 200_000) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection((address, port), timeout=timeout) as raw:
        with context.wrap_socket(raw, server_hostname=host) as tls:
            tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while len(data) < limit:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
    return status, headers, body
