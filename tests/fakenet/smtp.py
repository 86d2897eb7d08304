"""SMTP server behaviours (one thread per connection; see servers.py for the loop)."""
from __future__ import annotations

import socket
import ssl
import time

MAX_LINE = 1024


class LineSocket:
    """A socket (plain or TLS) read line by line; delay = one simulated round trip."""

    def __init__(self, sock, delay: float):
        self.sock, self.delay, self.buffer = sock, delay, b""

    def readline(self) -> bytes | None:
        while b"\n" not in self.buffer:
            if len(self.buffer) > MAX_LINE * 4:
                return None
            chunk = self.sock.recv(4096)
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line.rstrip(b"\r")

    def send(self, text: str):
        if self.delay:
            time.sleep(self.delay)
        self.sock.sendall(text.encode("ascii"))


def drain(sock):
    """Accept everything, answer nothing, until the peer gives up."""
    try:
        while sock.recv(4096):
            pass
    except OSError:
        pass


def handle(sock: socket.socket, spec: dict, delay: float, context: ssl.SSLContext | None):
    behaviour, host = spec["behaviour"], spec["host"]
    if behaviour == "silent":
        return drain(sock)
    conn = LineSocket(sock, delay)
    conn.send(f"220 {host} ESMTP fakenet\r\n")
    secure = False
    while True:
        line = conn.readline()
        if line is None:
            return
        verb = line.split(b" ", 1)[0].upper()
        if verb in (b"EHLO", b"HELO"):
            if behaviour == "flood":
                return flood(conn, host)
            if verb == b"HELO":
                conn.send(f"250 {host}\r\n")
                continue
            lines = [host, "PIPELINING", "SIZE 10240000", "8BITMIME"]
            if behaviour != "no-starttls" and not secure:
                lines.append("STARTTLS")
            lines.append("ENHANCEDSTATUSCODES")
            conn.send("".join(f"250-{x}\r\n" for x in lines[:-1]) + f"250 {lines[-1]}\r\n")
        elif verb == b"STARTTLS":
            if behaviour == "no-starttls" or secure:
                conn.send("502 5.5.1 command not implemented\r\n" if not secure else "503 5.5.1 already in TLS\r\n")
                continue
            conn.send("220 2.0.0 Ready to start TLS\r\n")
            conn.buffer = b""  # RFC 3207 5: forget anything pipelined before the handshake
            if behaviour == "bad-handshake":
                time.sleep(0.05)
                sock.sendall(b"421 4.7.0 this is not a TLS handshake\r\n" * 4)
                return
            if delay:
                time.sleep(delay)
            try:
                conn.sock = context.wrap_socket(sock, server_side=True)
            except (ssl.SSLError, OSError):
                return
            secure = True
        elif verb == b"QUIT":
            conn.send("221 2.0.0 bye\r\n")
            return
        elif verb in (b"NOOP", b"RSET", b"MAIL"):
            conn.send("250 2.0.0 OK\r\n")
        elif verb == b"RCPT":
            conn.send("550 5.1.1 test network: no mailboxes here\r\n")
        else:
            conn.send("502 5.5.2 command not recognised\r\n")


def flood(conn: LineSocket, host: str):
    """Endless 250- continuation lines: the client must cap what it reads."""
    conn.send(f"250-{host}\r\n")
    n = 0
    block = "".join(f"250-X-FLOOD-{i:06d} {'x' * 40}\r\n" for i in range(200))
    while True:
        n += 1
        conn.sock.sendall(block.encode("ascii"))
        if conn.delay:
            time.sleep(conn.delay)
