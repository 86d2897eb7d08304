"""Tiny loopback SMTP/HTTPS servers for net/starttls/dane tests (127.55.1.x, ephemeral ports).

Each server runs one handler per accepted connection in a daemon thread; handlers are
plain functions (conn) -> None so a test states the peer's behaviour in a few lines.
"""
import itertools
import socket
import ssl
import threading
import time
import warnings

_next_host = itertools.count(1)


def loopback_address() -> str:
    """A fresh 127.55.1.x (x cycles) so tests do not share listeners."""
    return f"127.55.1.{next(_next_host) % 250 + 1}"


class Server:
    def __init__(self, handler, address=None, port=0):
        self.address = address or loopback_address()
        family = socket.AF_INET6 if ":" in self.address else socket.AF_INET
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((self.address, port))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.handler = handler
        self.accepted = 0
        self.errors = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn):
        try:
            self.handler(conn)
        except (OSError, ssl.SSLError, ValueError):
            pass
        except Exception as exc:  # surfaced by tests that care
            self.errors.append(exc)
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def close(self):
        self.stop.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def servers_on_one_port(handler, count):
    """count servers on distinct addresses sharing one port (config.smtp_port is global)."""
    servers = [Server(handler)]
    while len(servers) < count:
        try:
            servers.append(Server(handler, port=servers[0].port))
        except OSError:  # that address already uses the port; try the next one
            continue
    return servers


def server_context(chain_pem, key_pem, minimum=ssl.TLSVersion.TLSv1_2, maximum=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():  # TLS 1.0/1.1 servers are deliberate test peers
        warnings.simplefilter("ignore", DeprecationWarning)
        ctx.minimum_version = minimum
        if maximum:
            ctx.maximum_version = maximum
    if minimum < ssl.TLSVersion.TLSv1_2:
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    ctx.load_cert_chain(chain_pem, key_pem)
    return ctx


class LineReader:
    def __init__(self, conn):
        self.conn, self.buf = conn, b""

    def line(self) -> bytes:
        while b"\n" not in self.buf:
            chunk = self.conn.recv(4096)
            if not chunk:
                return b""
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return line.rstrip(b"\r")


def smtp_handler(ctx=None, starttls=True, banner=b"220 mx.example.test ESMTP test\r\n",
                 starttls_reply=b"220 go ahead\r\n", after_starttls=None):
    """A polite SMTP server. after_starttls(conn) replaces the TLS part when given."""

    def handle(conn):
        conn.sendall(banner)
        reader = LineReader(conn)
        while True:
            line = reader.line()
            verb = line[:8].upper()
            if not line or verb.startswith(b"QUIT"):
                conn.sendall(b"221 bye\r\n")
                return
            if verb.startswith(b"EHLO"):
                ext = b"250-PIPELINING\r\n250-STARTTLS\r\n" if starttls else b"250-PIPELINING\r\n"
                conn.sendall(b"250-mx.example.test hello\r\n" + ext + b"250 8BITMIME\r\n")
            elif verb.startswith(b"STARTTLS"):
                conn.sendall(starttls_reply)
                if not starttls_reply.startswith(b"220"):
                    continue
                if after_starttls is not None:
                    after_starttls(conn)
                    return
                tls = ctx.wrap_socket(conn, server_side=True)
                reader = LineReader(tls)
                conn = tls
            else:
                conn.sendall(b"502 no\r\n")

    return handle


def hold(conn):
    """Accept and say nothing until the client goes away."""
    conn.settimeout(30)
    while conn.recv(1024):
        pass


def flood_ehlo(conn):
    conn.sendall(b"220 flood ESMTP\r\n")
    conn.recv(1024)
    line = b"250-" + b"X" * 60 + b"\r\n"
    block = line * 200
    while True:
        conn.sendall(block)


def https_handler(ctx, respond):
    """TLS server; respond(tls_conn, request_bytes) writes the HTTP response."""

    def handle(conn):
        tls = ctx.wrap_socket(conn, server_side=True)
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = tls.recv(4096)
            if not chunk:
                return
            request += chunk
        respond(tls, request)

    return handle


def fixed_response(status=200, headers=(("Content-Type", "text/plain"),), body=b"", chunked=False, length=True):
    def respond(conn, request):
        head = [f"HTTP/1.1 {status} X".encode()]
        head += [f"{k}: {v}".encode() for k, v in headers]
        if chunked:
            head.append(b"Transfer-Encoding: chunked")
        elif length:
            head.append(f"Content-Length: {len(body)}".encode())
        conn.sendall(b"\r\n".join(head) + b"\r\n\r\n")
        if chunked:
            for start in range(0, len(body), 7):
                piece = body[start:start + 7]
                conn.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            conn.sendall(b"0\r\n\r\n")
        else:
            conn.sendall(body)

    return respond


def endless_body(conn, request):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
    block = b"x" * 65536
    for _ in range(160):  # 10 MB, close-delimited
        conn.sendall(block)


def trickle(conn, request):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
    for _ in range(600):
        conn.sendall(b"x")
        time.sleep(0.1)
