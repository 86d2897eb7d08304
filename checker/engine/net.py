"""THE TCP/TLS wrapper: every SMTP and HTTPS connection of the engine goes through here.

Rules kept here so no caller can forget them:
* no connection to an address addresses.is_allowed() rejects (SSRF);
* every wait is a poll() bounded by the absolute deadline (time.monotonic()), so a
  silent, trickling or flooding peer ends at the deadline at the latest: the poll
  timeout is the watchdog, no thread is needed;
* peer text is capped (SMTP lines 1 KiB, 100 reply lines, HTTP body max_body + 1).
The SMTP handshake does not verify the certificate: it records the chain as sent and
verification (WebPKI, DANE) happens afterwards, so one session per MX serves both.
"""
import ipaddress
import select
import socket
import time
import warnings
from dataclasses import dataclass

from OpenSSL import SSL, crypto

from . import addresses, limits
from .certs import verify_webpki

MAX_LINE = 1024  # architecture: SMTP lines 1 KiB
MAX_REPLY_LINES = 100  # architecture: at most 100 EHLO lines
MAX_HTTP_HEAD = 16384
MAX_HTTP_HEADERS = 100
# Three separate bounds: a connect that hangs, a peer that stops sending (idle), and the
# caller's absolute deadline for the whole exchange (a trickling peer never goes idle).
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 5.0
QUIT_WAIT = 2.0
EHLO_NAME = "tls-checker.invalid"
EHLO_UNSUPPORTED = (500, 501, 502, 550)  # RFC 5321 3.2: "EHLO not acceptable" replies
USER_AGENT = "smtp-tls-checker"


def _user_agent(config) -> str:
    """A survey names the tool and a contact URL (SURVEY_USER_AGENT); CR/LF never get through."""
    text = getattr(config, "user_agent", None) or USER_AGENT
    return "".join(ch for ch in text if 32 <= ord(ch) < 127)[:200]
# OpenSSL 3 refuses peers without RFC 5746 secure renegotiation; old MTAs lack it and
# we want to report what they offer, not fail on it.
_LEGACY_SERVER_CONNECT = getattr(SSL, "OP_LEGACY_SERVER_CONNECT", 0x4)


class _Timeout(Exception):
    pass


class _Closed(Exception):
    pass


class _Protocol(Exception):
    pass


@dataclass(frozen=True)
class SmtpProbe:
    host: str
    address: str
    port: int
    status: str  # ok | not-offered | handshake-failed | unreachable | refused-address
    banner: str | None = None
    ehlo: tuple = ()
    starttls_offered: bool = False
    tls_version: str | None = None
    cipher: str | None = None
    chain_der: tuple = ()
    error: str | None = None
    # where the dialogue ended and why, for precise findings:
    stage: str | None = None  # connect | banner | ehlo | starttls | tls | done
    error_kind: str | None = None  # refused | timeout | closed | protocol | rejected | tls
    elapsed_ms: int = 0


@dataclass(frozen=True)
class HttpsResult:
    host: str
    address: str
    port: int
    path: str
    error: str | None  # None | tcp | timeout | tls | certificate | too-large | other | refused-address
    status: int | None = None
    headers: tuple = ()
    body: bytes = b""
    chain_der: tuple = ()
    tls_version: str | None = None
    detail: str | None = None


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _Timeout("deadline passed")
    return left


def _wait(sock, deadline: float, write: bool, idle: float):
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLOUT if write else select.POLLIN)
    timeout = min(_remaining(deadline), idle)
    if not poller.poll(max(1, int(timeout * 1000 + 0.999))):
        raise _Timeout("no data within the time limit")


def _connect(address: str, port: int, deadline: float):
    family = socket.AF_INET6 if ipaddress.ip_address(address).version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(min(_remaining(deadline), CONNECT_TIMEOUT))
        sock.connect((address, port))
        sock.setblocking(False)
    except (socket.timeout, _Timeout):
        sock.close()
        raise _Timeout("connect timed out") from None
    except OSError:
        sock.close()
        raise
    return sock


class _Stream:
    """Line and block reads over a non-blocking socket, optionally wrapped in TLS."""

    def __init__(self, sock, deadline: float, idle: float | None = None):
        self.sock, self.deadline = sock, deadline
        self.idle = READ_TIMEOUT if idle is None else idle
        self.tls = None
        self.buf = bytearray()

    def _tls_call(self, func, *args):
        while True:
            try:
                return func(*args)
            except SSL.WantReadError:
                _wait(self.sock, self.deadline, False, self.idle)
            except SSL.WantWriteError:
                _wait(self.sock, self.deadline, True, self.idle)

    def _recv(self, size: int = 16384) -> bytes:
        if self.tls is not None:
            try:
                return self._tls_call(self.tls.recv, size)
            except SSL.ZeroReturnError:
                return b""
            except SSL.SysCallError as exc:
                if exc.args and exc.args[0] in (-1, 0):  # unexpected EOF
                    return b""
                raise _Closed(str(exc)) from None
        while True:
            _wait(self.sock, self.deadline, False, self.idle)
            try:
                return self.sock.recv(size)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                return b""

    def sendall(self, data: bytes):
        view = memoryview(data)
        while view:
            if self.tls is not None:
                sent = self._tls_call(self.tls.send, bytes(view[:16384]))
            else:
                _wait(self.sock, self.deadline, True, self.idle)
                try:
                    sent = self.sock.send(view)
                except BlockingIOError:
                    continue
                except (BrokenPipeError, ConnectionResetError) as exc:
                    raise _Closed(str(exc)) from None
            view = view[sent:]

    def readline(self, limit: int = MAX_LINE) -> bytes:
        while True:
            end = self.buf.find(b"\n")
            if 0 <= end < limit + 2:
                line = bytes(self.buf[: end + 1])
                del self.buf[: end + 1]
                return line
            if len(self.buf) > limit + 1:
                raise _Protocol(f"line longer than {limit} bytes")
            chunk = self._recv()
            if not chunk:
                raise _Closed("connection closed by the server")
            self.buf += chunk

    def read_some(self, size: int) -> bytes:
        if self.buf:
            chunk = bytes(self.buf[:size])
            del self.buf[:size]
            return chunk
        return self._recv(min(size, 16384))

    def handshake(self, context, server_name: str | None):
        conn = SSL.Connection(context, self.sock)
        if server_name:
            conn.set_tlsext_host_name(server_name.encode("ascii", "ignore"))
        conn.set_connect_state()
        self.tls = conn
        self._tls_call(conn.do_handshake)
        return conn


def _server_name(host: str) -> str | None:
    host = host.rstrip(".")
    try:
        ipaddress.ip_address(host)
        return None  # RFC 6066 3: SNI never carries an IP literal
    except ValueError:
        return host or None


def _peer_chain(conn) -> tuple:
    """DER as OpenSSL holds it: a certificate cryptography cannot parse is still recorded
    (and judged "malformed" later) instead of breaking the probe."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        chain = conn.get_peer_cert_chain() or []
        return tuple(crypto.dump_certificate(crypto.FILETYPE_ASN1, cert) for cert in chain)


# --- SMTP -------------------------------------------------------------------------------

def _read_reply(stream: _Stream) -> tuple[int, list[str]]:
    """A (multi-line) SMTP reply, RFC 5321 4.2.1; at most MAX_REPLY_LINES lines."""
    lines, code = [], None
    while True:
        raw = stream.readline()
        text = raw.rstrip(b"\r\n").decode("latin-1")
        if len(text) < 3 or not text[:3].isdigit() or text[3:4] not in ("", " ", "-"):
            raise _Protocol(f"malformed SMTP reply line {text[:80]!r}")
        if code is not None and int(text[:3]) != code:
            raise _Protocol("reply code changed inside a multi-line reply")
        code = int(text[:3])
        lines.append(text)
        if text[3:4] != "-":
            return code, lines
        if len(lines) >= MAX_REPLY_LINES:
            raise _Protocol(f"reply longer than {MAX_REPLY_LINES} lines")


def _smtp_context():
    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    ctx.set_verify(SSL.VERIFY_NONE)
    # Record what old servers really negotiate (TLS 1.0/1.1 is reported, not refused).
    ctx.set_min_proto_version(SSL.TLS1_VERSION)
    ctx.set_cipher_list(b"ALL:@SECLEVEL=0")
    ctx.set_options(SSL.OP_NO_COMPRESSION | _LEGACY_SERVER_CONNECT)
    return ctx


def smtp_starttls(host: str, address: str, port: int, deadline: float, config) -> SmtpProbe:
    """One STARTTLS probe; within a survey's per-destination cap (limits.py) when it has one."""
    with limits.hold(config, "smtp", address, deadline) as slot:
        if not slot:
            return SmtpProbe(host=host, address=address, port=port, status="unreachable", stage="connect",
                             error_kind="timeout", error="no connection slot for this address before the deadline")
        return _smtp_starttls(host, address, port, deadline, config)


def _smtp_starttls(host: str, address: str, port: int, deadline: float, config) -> SmtpProbe:
    started = time.monotonic()
    facts = {"host": host, "address": address, "port": port}

    def done(status, **more):
        more.setdefault("elapsed_ms", int((time.monotonic() - started) * 1000))
        return SmtpProbe(**facts, status=status, **more)

    if not addresses.is_allowed(address, config):
        return done("refused-address", error=f"{address} is not a public address and not allowed")
    try:
        sock = _connect(address, port, deadline)
    except _Timeout:
        return done("unreachable", stage="connect", error_kind="timeout", error="connect timed out")
    except OSError as exc:
        return done("unreachable", stage="connect", error_kind="refused", error=exc.strerror or str(exc))
    stream = _Stream(sock, deadline)
    stage, seen = "banner", {}
    try:
        code, lines = _read_reply(stream)
        seen["banner"] = "\n".join(lines)
        if code != 220:
            # RFC 5321 3.1: a 554 greeting still waits for our QUIT; 421 closes at once.
            if code != 421:
                _quit(stream)
            return done("unreachable", stage=stage, error_kind="rejected", error=f"banner {code}", **seen)
        stage = "ehlo"
        stream.sendall(f"EHLO {EHLO_NAME}\r\n".encode())
        code, lines = _read_reply(stream)
        seen["ehlo"] = tuple(lines)
        if code != 250:
            if code != 421:
                _quit(stream)
            # RFC 5321 3.2: a server without ESMTP answers EHLO with 500, 501, 502 or 550; a
            # client then falls back to HELO, which has no STARTTLS. Any other reply (421,
            # 4xx, 554) refuses us service rather than saying anything about STARTTLS.
            status = "not-offered" if code in EHLO_UNSUPPORTED else "unreachable"
            return done(status, stage=stage, error_kind="rejected", error=f"EHLO answered {code}", **seen)
        keywords = {line[4:].split(" ")[0].upper() for line in lines[1:]}
        seen["starttls_offered"] = "STARTTLS" in keywords
        if not seen["starttls_offered"]:
            _quit(stream)
            return done("not-offered", stage="done", **seen)
        stage = "starttls"
        stream.sendall(b"STARTTLS\r\n")
        code, lines = _read_reply(stream)
        if code != 220:
            return done("handshake-failed", stage=stage, error_kind="rejected",
                        error=f"STARTTLS answered {code} {lines[-1][4:][:200]}", **seen)
        # RFC 3207 5 / CVE-2011-0411: plaintext sent after 220 must not reach the TLS layer.
        stream.buf.clear()
        stage = "tls"
        conn = stream.handshake(_smtp_context(), _server_name(host))
        seen.update(tls_version=conn.get_protocol_version_name(), cipher=conn.get_cipher_name(),
                    chain_der=_peer_chain(conn))
        stage = "done"
        _quit(stream)
        return done("ok", stage=stage, **seen)
    except _Timeout as exc:
        status = "handshake-failed" if stage == "tls" else "unreachable"
        return done(status, stage=stage, error_kind="timeout", error=f"{stage}: {exc}", **seen)
    except (_Closed, OSError) as exc:
        status = "handshake-failed" if stage == "tls" else "unreachable"
        return done(status, stage=stage, error_kind="closed", error=f"{stage}: {exc or 'connection closed'}", **seen)
    except _Protocol as exc:
        status = "handshake-failed" if stage == "tls" else "unreachable"
        return done(status, stage=stage, error_kind="protocol", error=f"{stage}: {exc}", **seen)
    except SSL.Error as exc:
        return done("handshake-failed", stage=stage, error_kind="tls", error=f"TLS handshake: {_ssl_text(exc)}", **seen)
    finally:
        sock.close()


def _quit(stream: _Stream):
    """Polite end; never lets a slow server hold us past QUIT_WAIT or the deadline."""
    try:
        stream.deadline = min(stream.deadline, time.monotonic() + QUIT_WAIT)
        stream.sendall(b"QUIT\r\n")
        _read_reply(stream)
    except (_Timeout, _Closed, _Protocol, OSError, SSL.Error):
        pass


def _ssl_text(exc) -> str:
    try:
        parts = [item[2] for item in exc.args[0] if isinstance(item, tuple) and len(item) > 2]
    except (IndexError, TypeError):
        parts = []
    return "; ".join(parts)[:300] or str(exc)[:300] or type(exc).__name__


# --- HTTPS ------------------------------------------------------------------------------

def _https_context():
    ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
    ctx.set_verify(SSL.VERIFY_NONE)  # verified after the handshake by certs.verify_webpki
    ctx.set_min_proto_version(SSL.TLS1_2_VERSION)
    ctx.set_options(SSL.OP_NO_COMPRESSION)
    return ctx


def https_get(host: str, address: str, port: int, path: str, deadline: float, config,
              max_body: int = 65536) -> HttpsResult:
    """One HTTP/1.1 GET, no redirects followed (RFC 8461 3.3); the caller maps statuses.
    Within a survey's per-destination cap (limits.py) when it has one."""
    with limits.hold(config, "https", address, deadline) as slot:
        if not slot:
            return HttpsResult(host=host, address=address, port=port, path=path, error="timeout",
                               detail="no connection slot for this address before the deadline")
        return _https_get(host, address, port, path, deadline, config, max_body)


def _https_get(host: str, address: str, port: int, path: str, deadline: float, config,
               max_body: int = 65536) -> HttpsResult:
    facts = {"host": host, "address": address, "port": port, "path": path}
    if not addresses.is_allowed(address, config):
        return HttpsResult(**facts, error="refused-address", detail=f"{address} is not allowed")
    try:
        sock = _connect(address, port, deadline)
    except _Timeout:
        return HttpsResult(**facts, error="timeout", detail="connect timed out")
    except OSError as exc:
        return HttpsResult(**facts, error="tcp", detail=exc.strerror or str(exc))
    stream = _Stream(sock, deadline)
    seen = {}
    try:
        try:
            conn = stream.handshake(_https_context(), _server_name(host))
        except (_Closed, _Protocol, OSError, SSL.Error) as exc:
            text = _ssl_text(exc) if isinstance(exc, SSL.Error) else str(exc)
            return HttpsResult(**facts, error="tls", detail=f"TLS handshake: {text}")
        seen = {"chain_der": _peer_chain(conn), "tls_version": conn.get_protocol_version_name()}
        valid, why = verify_webpki(seen["chain_der"], host, getattr(config, "ca_bundle", None))
        if not valid:
            return HttpsResult(**facts, error="certificate", detail=why, **seen)
        request = (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: {_user_agent(config)}\r\n"
                   "Accept: text/plain, */*\r\nConnection: close\r\n\r\n")
        stream.sendall(request.encode("ascii"))
        status, headers = _read_head(stream)
        body, overflow = _read_body(stream, status, headers, max_body)
        if overflow and 200 <= status < 300:
            return HttpsResult(**facts, error="too-large", status=status, headers=headers,
                               body=body[:max_body], detail=f"body larger than {max_body} bytes", **seen)
        return HttpsResult(**facts, error=None, status=status, headers=headers, body=body[:max_body], **seen)
    except _Timeout as exc:
        return HttpsResult(**facts, error="timeout", detail=str(exc), **seen)
    except (_Closed, _Protocol, OSError, SSL.Error, ValueError) as exc:
        return HttpsResult(**facts, error="other", detail=str(exc)[:300] or type(exc).__name__, **seen)
    finally:
        sock.close()


def _read_head(stream: _Stream):
    """Status line and headers (RFC 9112 4, 5); 1xx interim responses are skipped."""
    for _ in range(5):
        line = stream.readline(MAX_HTTP_HEAD).rstrip(b"\r\n").decode("latin-1")
        parts = line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1.") or not (len(parts[1]) == 3 and parts[1].isdigit()):
            raise _Protocol(f"malformed status line {line[:80]!r}")
        status, headers, size = int(parts[1]), [], 0
        while True:
            raw = stream.readline(MAX_HTTP_HEAD)
            size += len(raw)
            text = raw.rstrip(b"\r\n").decode("latin-1")
            if not text:
                break
            name, colon, value = text.partition(":")
            if not colon or not name or name != name.strip() or len(headers) >= MAX_HTTP_HEADERS or size > MAX_HTTP_HEAD:
                raise _Protocol("malformed or oversized header section")
            headers.append((name.lower(), value.strip()))
        if status >= 200:
            return status, tuple(headers)
    raise _Protocol("too many interim responses")


def _header(headers, name):
    values = [value for key, value in headers if key == name]
    return values[-1] if values else None


def _read_body(stream: _Stream, status: int, headers, max_body: int):
    """(body, overflow). Never holds more than max_body + 1 bytes (10 MB bodies stay unread)."""
    if status in (204, 304):
        return b"", False
    body = bytearray()
    encoding = (_header(headers, "transfer-encoding") or "").lower()
    if "chunked" in encoding:  # RFC 9112 7.1
        while True:
            size_line = stream.readline(MAX_LINE).split(b";")[0].strip(b" \t\r\n")
            # RFC 9112 7.1: chunk-size = 1*HEXDIG; int() would also take "0x", "_", "+"/"-".
            if not size_line or size_line.strip(b"0123456789abcdefABCDEF"):
                raise _Protocol(f"bad chunk size {size_line[:40]!r}")
            size = int(size_line, 16)
            if size == 0:
                while stream.readline(MAX_LINE).strip():  # trailer section
                    pass
                return bytes(body), False
            if len(body) + size > max_body:
                _read_exact(stream, body, max_body + 1 - len(body))
                return bytes(body), True
            _read_exact(stream, body, size)
            stream.readline(MAX_LINE)
    lengths = {value for key, value in headers if key == "content-length"}
    if len(lengths) > 1:  # RFC 9112 6.3 (5): differing lengths leave the framing undefined
        raise _Protocol(f"{len(lengths)} different Content-Length values")
    length = _header(headers, "content-length")
    if length is not None:
        if not (length.isascii() and length.isdigit()):  # RFC 9110 8.6: 1*DIGIT ("²" is a digit to Python)
            raise _Protocol(f"bad Content-Length {length[:40]!r}")
        if int(length) > max_body:
            return b"", True
        _read_exact(stream, body, int(length))
        return bytes(body), False
    while len(body) <= max_body:  # close-delimited
        chunk = stream.read_some(max_body + 1 - len(body))
        if not chunk:
            return bytes(body), False
        body += chunk
    return bytes(body), True


def _read_exact(stream: _Stream, body: bytearray, count: int):
    goal = len(body) + count
    while len(body) < goal:
        chunk = stream.read_some(goal - len(body))
        if not chunk:
            raise _Closed("body shorter than announced")
        body += chunk
