"""checker.engine.net against tiny loopback servers (tests/net_servers.py) on 127.55.1.x."""
import ipaddress
import socket
import ssl
import time
from datetime import timedelta

import pytest

from checker.engine import net
from checker.engine.config import EngineConfig
from tests import net_servers as srv
from tests.pki_helpers import NOW, Pki

MX = "mx.example.test"
POLICY_HOST = "mta-sts.example.test"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    pki = Pki(MX, names=(MX, POLICY_HOST))
    chain, key, bundle = pki.write(tmp_path_factory.mktemp("pki"))
    return pki, chain, key, bundle


@pytest.fixture(scope="module")
def config(pki):
    return EngineConfig(ca_bundle=pki[3], allowed_networks=(ipaddress.ip_network("127.55.0.0/16"),
                                                            ipaddress.ip_network("::1/128")))


@pytest.fixture(scope="module")
def tls_ctx(pki):
    return srv.server_context(pki[1], pki[2])


def soon(seconds=5.0):
    return time.monotonic() + seconds


def probe(server, config, deadline=None, host=MX):
    return net.smtp_starttls(host, server.address, server.port, deadline or soon(), config)


def get(server, config, deadline=None, host=POLICY_HOST, max_body=65536):
    return net.https_get(host, server.address, server.port, "/.well-known/mta-sts.txt",
                         deadline or soon(), config, max_body=max_body)


# --- SMTP -------------------------------------------------------------------------------

def test_starttls_probe_records_version_cipher_and_chain_as_sent(config, tls_ctx, pki):
    with srv.Server(srv.smtp_handler(tls_ctx)) as server:
        result = probe(server, config)
    assert result.status == "ok"
    assert result.tls_version == "TLSv1.3"
    assert result.cipher
    assert result.chain_der == pki[0].chain_der()
    assert result.banner.startswith("220 ")
    assert any("STARTTLS" in line for line in result.ehlo)


def test_probe_never_connects_to_an_address_that_is_not_allowed():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    try:
        result = net.smtp_starttls(MX, "127.0.0.1", listener.getsockname()[1], soon(), EngineConfig())
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()
    assert result.status == "refused-address"


def test_https_get_never_connects_to_an_address_that_is_not_allowed():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    try:
        result = net.https_get(POLICY_HOST, "127.0.0.1", listener.getsockname()[1], "/", soon(), EngineConfig())
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()
    assert result.error == "refused-address"


def closed_port(address):
    sock = socket.socket()
    sock.bind((address, 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_refused_connection_is_unreachable(config):
    address = srv.loopback_address()
    result = net.smtp_starttls(MX, address, closed_port(address), soon(), config)
    assert (result.status, result.stage, result.error_kind) == ("unreachable", "connect", "refused")


def test_banner_that_never_comes_ends_at_the_deadline(config):
    with srv.Server(srv.hold) as server:
        result = probe(server, config, deadline=soon(0.5))
    assert (result.status, result.stage, result.error_kind) == ("unreachable", "banner", "timeout")


def test_endless_ehlo_reply_stops_after_one_hundred_lines(config):
    with srv.Server(srv.flood_ehlo) as server:
        result = probe(server, config, deadline=soon(30))
    assert (result.status, result.stage, result.error_kind) == ("unreachable", "ehlo", "protocol")
    assert "100 lines" in result.error


def test_banner_line_over_one_kibibyte_is_a_protocol_error(config):
    def long_banner(conn):
        conn.sendall(b"220 " + b"A" * 5000 + b"\r\n")
        srv.hold(conn)

    with srv.Server(long_banner) as server:
        result = probe(server, config, deadline=soon(30))
    assert (result.status, result.error_kind) == ("unreachable", "protocol")


def scripted(banner: bytes, ehlo_reply: bytes, heard: list):
    """A server that greets with banner, answers EHLO with ehlo_reply and records commands."""
    def handle(conn):
        conn.sendall(banner)
        reader = srv.LineReader(conn)
        while line := reader.line():
            heard.append(line.split(b" ")[0].upper().decode())
            if heard[-1] == "QUIT":
                conn.sendall(b"221 bye\r\n")
                return
            conn.sendall(ehlo_reply if heard[-1] == "EHLO" else b"503 bad sequence of commands\r\n")

    return handle


def test_banner_554_is_refused_service_and_still_gets_a_quit(config):
    """RFC 5321 3.1: a server answering 554 instead of 220 waits for QUIT."""
    heard = []
    with srv.Server(scripted(b"554 no SMTP service here\r\n", b"", heard)) as server:
        result = probe(server, config)
    assert (result.status, result.stage, result.error_kind) == ("unreachable", "banner", "rejected")
    assert heard == ["QUIT"]


@pytest.mark.parametrize("reply, status", [
    (b"502 5.5.2 command not implemented\r\n", "not-offered"),  # no ESMTP: HELO has no STARTTLS
    (b"500 syntax error\r\n", "not-offered"),
    (b"421 4.3.2 shutting down\r\n", "unreachable"),  # refuses service, says nothing about STARTTLS
    (b"554 5.7.1 go away\r\n", "unreachable"),
])
def test_ehlo_refusal_is_not_offered_only_when_ehlo_is_unsupported(config, reply, status):
    """RFC 5321 3.2: 500/501/502/550 mean EHLO is not supported (a client falls back to HELO)."""
    heard = []
    with srv.Server(scripted(b"220 mx.example.test ESMTP\r\n", reply, heard)) as server:
        result = probe(server, config)
    assert (result.status, result.stage, result.error_kind) == (status, "ehlo", "rejected")
    assert heard == (["EHLO"] if reply.startswith(b"421") else ["EHLO", "QUIT"])


def test_server_without_starttls_is_not_offered(config):
    with srv.Server(srv.smtp_handler(starttls=False)) as server:
        result = probe(server, config)
    assert result.status == "not-offered"
    assert not result.starttls_offered and result.chain_der == ()


def test_starttls_refused_with_454_is_a_failed_handshake(config):
    with srv.Server(srv.smtp_handler(starttls_reply=b"454 TLS not available\r\n")) as server:
        result = probe(server, config)
    assert (result.status, result.stage, result.error_kind) == ("handshake-failed", "starttls", "rejected")


def test_garbage_instead_of_tls_is_a_failed_handshake(config):
    def garbage(conn):
        conn.sendall(b"this is not TLS at all\r\n" * 20)

    with srv.Server(srv.smtp_handler(after_starttls=garbage)) as server:
        result = probe(server, config)
    assert (result.status, result.stage) == ("handshake-failed", "tls")


def test_connection_dropped_after_starttls_is_a_failed_handshake(config):
    with srv.Server(srv.smtp_handler(after_starttls=lambda conn: None)) as server:
        result = probe(server, config)
    assert (result.status, result.stage) == ("handshake-failed", "tls")


def test_silent_server_after_starttls_ends_at_the_deadline(config):
    with srv.Server(srv.smtp_handler(after_starttls=srv.hold)) as server:
        result = probe(server, config, deadline=soon(0.5))
    assert (result.status, result.stage, result.error_kind) == ("handshake-failed", "tls", "timeout")


def test_old_tls_version_is_recorded_not_refused(config, pki):
    ctx = srv.server_context(pki[1], pki[2], minimum=ssl.TLSVersion.TLSv1, maximum=ssl.TLSVersion.TLSv1)
    with srv.Server(srv.smtp_handler(ctx)) as server:
        result = probe(server, config)
    assert (result.status, result.tls_version) == ("ok", "TLSv1")


def test_starttls_probe_works_over_ipv6(config, tls_ctx):
    with srv.Server(srv.smtp_handler(tls_ctx), address="::1") as server:
        result = probe(server, config)
    assert result.status == "ok"


# --- HTTPS ------------------------------------------------------------------------------

POLICY = b"version: STSv1\r\nmode: enforce\r\nmx: mx.example.test\r\nmax_age: 86400\r\n"


def test_https_get_returns_status_headers_body_and_chain(config, tls_ctx, pki):
    with srv.Server(srv.https_handler(tls_ctx, srv.fixed_response(body=POLICY))) as server:
        result = get(server, config)
    assert (result.error, result.status, result.body) == (None, 200, POLICY)
    assert ("content-type", "text/plain") in result.headers
    assert result.chain_der == pki[0].chain_der()


def test_https_get_decodes_a_chunked_body(config, tls_ctx):
    with srv.Server(srv.https_handler(tls_ctx, srv.fixed_response(body=POLICY, chunked=True))) as server:
        result = get(server, config)
    assert (result.error, result.body) == (None, POLICY)


def test_https_get_reads_a_close_delimited_body(config, tls_ctx):
    with srv.Server(srv.https_handler(tls_ctx, srv.fixed_response(body=POLICY, length=False))) as server:
        result = get(server, config)
    assert (result.error, result.body) == (None, POLICY)


def test_ten_megabyte_body_is_too_large_and_not_read_fully(config, tls_ctx):
    with srv.Server(srv.https_handler(tls_ctx, srv.endless_body)) as server:
        result = get(server, config, deadline=soon(30))
    assert result.error == "too-large"
    assert len(result.body) <= 65536


def test_announced_length_over_the_limit_is_too_large(config, tls_ctx):
    with srv.Server(srv.https_handler(tls_ctx, srv.fixed_response(body=b"y" * 70000))) as server:
        result = get(server, config)
    assert result.error == "too-large"


def test_chunked_body_over_the_limit_is_too_large(config, tls_ctx):
    with srv.Server(srv.https_handler(tls_ctx, srv.fixed_response(body=b"y" * 300, chunked=True))) as server:
        result = get(server, config, max_body=100)
    assert result.error == "too-large"
    assert len(result.body) == 100


def test_redirect_is_returned_and_not_followed(config, tls_ctx):
    respond = srv.fixed_response(status=301, headers=(("Location", "https://elsewhere.test/"),))
    with srv.Server(srv.https_handler(tls_ctx, respond)) as server:
        result = get(server, config)
    assert (result.error, result.status) == (None, 301)
    assert ("location", "https://elsewhere.test/") in result.headers
    assert server.accepted == 1


def test_trickling_server_is_cut_at_the_deadline(config, tls_ctx):
    with srv.Server(srv.https_handler(tls_ctx, srv.trickle)) as server:
        result = get(server, config, deadline=soon(1.0))
    assert result.error == "timeout"


def test_server_that_accepts_and_never_answers_times_out(config):
    with srv.Server(srv.hold) as server:
        result = get(server, config, deadline=soon(0.5))
    assert result.error == "timeout"


def test_a_server_that_goes_idle_times_out_before_a_distant_deadline(config, monkeypatch):
    # The idle (read) timeout is separate from the caller's total deadline.
    monkeypatch.setattr(net, "READ_TIMEOUT", 0.3)
    with srv.Server(srv.hold) as server:
        started = time.monotonic()
        result = get(server, config, deadline=soon(30.0))
    assert result.error == "timeout"
    assert time.monotonic() - started < 5


def test_refused_https_connection_is_a_tcp_error(config):
    address = srv.loopback_address()
    result = net.https_get(POLICY_HOST, address, closed_port(address), "/", soon(), config)
    assert result.error == "tcp"


def test_plaintext_server_is_a_tls_error(config):
    def plaintext(conn):
        conn.recv(1024)
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")

    with srv.Server(plaintext) as server:
        result = get(server, config)
    assert result.error == "tls"


def test_certificate_from_an_unknown_ca_is_a_certificate_error(tmp_path, config):
    other = Pki(POLICY_HOST)
    chain, key, _ = other.write(tmp_path)
    with srv.Server(srv.https_handler(srv.server_context(chain, key), srv.fixed_response(body=POLICY))) as server:
        result = get(server, config)
    assert result.error == "certificate"
    assert result.detail.startswith("untrusted")


def test_certificate_for_another_name_is_a_certificate_error(config, tls_ctx):
    with srv.Server(srv.https_handler(tls_ctx, srv.fixed_response(body=POLICY))) as server:
        result = get(server, config, host="mta-sts.other.test")
    assert result.error == "certificate"
    assert result.detail.startswith("name-mismatch")


def test_expired_certificate_is_a_certificate_error(tmp_path):
    old = Pki(POLICY_HOST, leaf_not_before=NOW - timedelta(days=100), leaf_not_after=NOW - timedelta(days=1))
    chain, key, bundle = old.write(tmp_path)
    config = EngineConfig(ca_bundle=bundle, allowed_networks=(ipaddress.ip_network("127.55.0.0/16"),))
    with srv.Server(srv.https_handler(srv.server_context(chain, key), srv.fixed_response(body=POLICY))) as server:
        result = get(server, config)
    assert result.error == "certificate"
    assert result.detail.startswith("expired")


BODY_66 = b"x" * 0x42
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"


@pytest.mark.parametrize("response, detail", [
    # RFC 9112 7.1: chunk-size = 1*HEXDIG. Python's int(_, 16) also reads these as 0x42 = 66.
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n4_2\r\n" + BODY_66 + b"\r\n0\r\n\r\n", "bad chunk size"),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n0x42\r\n" + BODY_66 + b"\r\n0\r\n\r\n", "bad chunk size"),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n+42\r\n" + BODY_66 + b"\r\n0\r\n\r\n", "bad chunk size"),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n" + BODY_66, "bad chunk size"),
    # RFC 9112 6.3 (5): differing Content-Length values make the framing unrecoverable.
    (HEAD + b"Content-Length: 5\r\nContent-Length: 66\r\n\r\n" + BODY_66, "different Content-Length"),
    # RFC 9110 8.6: 1*DIGIT; "\xb2" decodes to a superscript two, a digit to str.isdigit().
    (HEAD + b"Content-Length: \xb2\r\n\r\n" + BODY_66, "bad Content-Length"),
    # More announced than sent, then close: a cut body, never a policy.
    (HEAD + b"Content-Length: 500\r\n\r\n" + BODY_66, "shorter than announced"),
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\n400\r\n" + BODY_66, "shorter than announced"),
])
def test_broken_body_framing_is_other_and_never_a_body(config, tls_ctx, response, detail):
    def respond(conn, request):
        conn.sendall(response)

    with srv.Server(srv.https_handler(tls_ctx, respond)) as server:
        result = get(server, config)
    assert (result.error, result.body) == ("other", b"")
    assert detail in result.detail


def test_malformed_status_line_is_other(config, tls_ctx):
    def nonsense(conn, request):
        conn.sendall(b"SPDY/9 what\r\n\r\n")

    with srv.Server(srv.https_handler(tls_ctx, nonsense)) as server:
        result = get(server, config)
    assert result.error == "other"


def test_starttls_handshake_sends_the_mx_name_as_sni(pki):
    seen = []
    ctx = srv.server_context(pki[1], pki[2])
    ctx.sni_callback = lambda sock, name, context: seen.append(name)
    with srv.Server(srv.smtp_handler(ctx)) as server:
        config = EngineConfig(allowed_networks=(ipaddress.ip_network("127.55.0.0/16"),))
        assert probe(server, config).status == "ok"
    assert seen == [MX]


def test_https_request_names_the_host_and_closes_the_connection(config, tls_ctx):
    requests = []

    def record(conn, request):
        requests.append(request)
        srv.fixed_response(body=POLICY)(conn, request)

    with srv.Server(srv.https_handler(tls_ctx, record)) as server:
        assert get(server, config).error is None
    head = requests[0].decode().split("\r\n")
    assert head[0] == "GET /.well-known/mta-sts.txt HTTP/1.1"
    assert f"Host: {POLICY_HOST}" in head and "Connection: close" in head


def test_https_get_works_over_ipv6(config, tls_ctx):
    with srv.Server(srv.https_handler(tls_ctx, srv.fixed_response(body=POLICY)), address="::1") as server:
        assert get(server, config).body == POLICY
