"""Policy retrieval against loopback HTTPS servers on 127.56.x.x, hostile ones included.

DNS is a stand-in resolver (the real wrapper is tested in test_dns); HTTPS is real:
net.https_get against tiny servers from tests/net_servers.py.
"""
import asyncio
import hashlib
import ipaddress
import itertools
import socket
import time
import tracemalloc

import pytest

from checker.engine.config import EngineConfig
from checker.engine.dns import DnsAnswer
from checker.engine.mta_sts import FETCH_ERRORS, evaluate_mta_sts, retrieve_mta_sts
from checker.engine.mta_sts.fetch import MAX_POLICY_BYTES, classify
from checker.engine.mx import MxHost, MxResult
from tests import net_servers as srv
from tests.pki_helpers import Pki

DOMAIN = "example.test"
MX = MxResult("present", (MxHost("mx.example.test", 10),))
NO_MX = MxResult("present")
POLICY_HOST = f"mta-sts.{DOMAIN}"
POLICY = b"version: STSv1\nmode: enforce\nmx: mx.example.test\nmax_age: 1209600\n"
_hosts = itertools.count(1)


def fresh_address() -> str:
    return f"127.56.7.{next(_hosts) % 250 + 1}"


class StubResolver:
    """Answers from a table: (name, rdtype) -> DnsAnswer; everything else NXDOMAIN."""

    def __init__(self, table):
        self.table = table

    async def aquery(self, name, rdtype, deadline=None):
        found = self.table.get((name, rdtype))
        if found is not None:
            return found
        return DnsAnswer(name=name, rdtype=rdtype, rcode="NXDOMAIN", security="insecure")


def retrieve(*args, **kwargs):
    """The engine's coroutine, run to completion on a loop of its own."""
    return asyncio.run(retrieve_mta_sts(*args, **kwargs))


def txt(name, *strings):
    return DnsAnswer(name=name, rdtype="TXT", rcode="NOERROR", security="insecure", records=strings,
                     txt_strings=strings)


def a(name, *addresses):
    return DnsAnswer(name=name, rdtype="A", rcode="NOERROR", security="insecure", records=addresses)


def resolver_for(address, record="v=STSv1; id=20240101"):
    table = {(POLICY_HOST, "A"): a(POLICY_HOST, address)}
    if record:
        table[(f"_mta-sts.{DOMAIN}", "TXT")] = txt(f"_mta-sts.{DOMAIN}", record)
    return StubResolver(table)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    pki = Pki(POLICY_HOST, names=(POLICY_HOST,))
    return pki.write(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def tls_ctx(pki):
    return srv.server_context(pki[0], pki[1])


def config_for(pki, port):
    return EngineConfig(ca_bundle=pki[2], https_port=port,
                        allowed_networks=(ipaddress.ip_network("127.56.0.0/16"),))


def fetch(server, pki, seconds=3.0, record="v=STSv1; id=20240101"):
    """(retrieved, evaluated, seconds taken)."""
    started = time.monotonic()
    retrieved = retrieve(DOMAIN, resolver_for(server.address, record), config_for(pki, server.port),
                                 started + seconds)
    taken = time.monotonic() - started
    return retrieved, evaluate_mta_sts(retrieved, MX, None), taken


def serve(tls_ctx, respond):
    return srv.Server(srv.https_handler(tls_ctx, respond), address=fresh_address())


# --- one scenario per fetch_error word ------------------------------------------------

def test_a_valid_policy_served_as_text_plain_is_fetched_and_valid(pki, tls_ctx):
    with serve(tls_ctx, srv.fixed_response(body=POLICY)) as server:
        retrieved, result, _ = fetch(server, pki)
    assert retrieved.fetch.fetch_error is None and retrieved.fetch.body == POLICY
    section = result.as_dict()
    assert section["status"] == "valid"
    assert section["policy"] == {"status": "valid", "fetch_error": None, "http_status": 200, "mode": "enforce",
                                 "max_age": 1209600, "mx": ["mx.example.test"], "errors": [],
                                 "sha256": hashlib.sha256(POLICY).hexdigest()}  # addition: the file's hash
    assert section["policy_host"] == {"status": "resolves", "addresses": [server.address]}
    assert section["mx_coverage"] == {"covered": ["mx.example.test"], "uncovered": []}


def test_content_type_parameters_and_case_are_ignored(pki, tls_ctx):
    respond = srv.fixed_response(headers=(("Content-Type", "Text/Plain; charset=utf-8; x=y"),), body=POLICY)
    with serve(tls_ctx, respond) as server:
        _, result, _ = fetch(server, pki)
    assert result.status == "valid"


def test_a_chunked_policy_is_read_completely(pki, tls_ctx):
    with serve(tls_ctx, srv.fixed_response(body=POLICY, chunked=True)) as server:
        _, result, _ = fetch(server, pki)
    assert result.policy["status"] == "valid"


def test_a_missing_policy_host_is_a_dns_fetch_error_when_a_record_exists(pki):
    resolver = StubResolver({(f"_mta-sts.{DOMAIN}", "TXT"): txt(f"_mta-sts.{DOMAIN}", "v=STSv1; id=1")})
    retrieved = retrieve(DOMAIN, resolver, config_for(pki, 443), time.monotonic() + 3)
    result = evaluate_mta_sts(retrieved, MX)
    assert result.policy_host == {"status": "missing", "addresses": []}
    assert result.policy["status"] == "fetch-error" and result.policy["fetch_error"] == "dns"
    assert result.status == "invalid"
    assert "mta_sts.policy_host.missing" in [f.code for f in result.findings]


def test_a_failing_policy_host_lookup_is_a_dns_fetch_error(pki):
    servfail = DnsAnswer(name=POLICY_HOST, rdtype="A", rcode="SERVFAIL", security="error")
    resolver = StubResolver({(f"_mta-sts.{DOMAIN}", "TXT"): txt(f"_mta-sts.{DOMAIN}", "v=STSv1; id=1"),
                             (POLICY_HOST, "A"): servfail})
    result = evaluate_mta_sts(retrieve(DOMAIN, resolver, config_for(pki, 443), time.monotonic() + 3), NO_MX)
    assert result.policy_host["status"] == "error"
    assert result.policy["fetch_error"] == "dns"
    assert "mta_sts.policy.dns" in [f.code for f in result.findings]


def test_a_refused_connection_is_a_tcp_fetch_error(pki):
    address = fresh_address()
    probe = socket.socket()
    probe.bind((address, 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    retrieved = retrieve(DOMAIN, resolver_for(address), config_for(pki, port), time.monotonic() + 3)
    result = evaluate_mta_sts(retrieved, NO_MX)
    assert result.policy["fetch_error"] == "tcp"
    assert "mta_sts.policy.tcp" in [f.code for f in result.findings]


def test_a_server_speaking_plain_text_is_a_tls_fetch_error(pki):
    def plain(conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\n\r\nnot tls at all\r\n" * 10)

    with srv.Server(plain, address=fresh_address()) as server:
        _, result, _ = fetch(server, pki)
    assert result.policy["fetch_error"] == "tls"


def test_a_certificate_for_another_name_is_a_certificate_fetch_error(pki, tmp_path):
    other = Pki("www.example.test", names=("www.example.test",))
    chain, key, _ = other.write(tmp_path)
    with srv.Server(srv.https_handler(srv.server_context(chain, key), srv.fixed_response(body=POLICY)),
                    address=fresh_address()) as server:
        _, result, _ = fetch(server, pki)
    assert result.policy["fetch_error"] == "certificate"
    assert result.status == "invalid"
    finding = next(f for f in result.findings if f.code == "mta_sts.policy.certificate")
    assert finding.severity == "fail" and "name" in finding.detail.lower()


def test_an_untrusted_certificate_is_a_certificate_fetch_error(pki, tmp_path):
    other = Pki(POLICY_HOST, names=(POLICY_HOST,))  # right name, unknown root
    chain, key, _ = other.write(tmp_path)
    with srv.Server(srv.https_handler(srv.server_context(chain, key), srv.fixed_response(body=POLICY)),
                    address=fresh_address()) as server:
        _, result, _ = fetch(server, pki)
    assert result.policy["fetch_error"] == "certificate"


@pytest.mark.parametrize("status", [404, 500, 201, 204])
def test_anything_but_200_is_an_http_status_fetch_error(pki, tls_ctx, status):
    with serve(tls_ctx, srv.fixed_response(status=status, body=POLICY if status != 204 else b"")) as server:
        _, result, _ = fetch(server, pki)
    assert result.policy["fetch_error"] == "http-status" and result.policy["http_status"] == status


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_never_followed_and_is_a_redirect_fetch_error(pki, tls_ctx, status):
    respond = srv.fixed_response(status=status, headers=(("Location", "https://www.example.test/mta-sts.txt"),))
    with serve(tls_ctx, respond) as server:
        retrieved, result, _ = fetch(server, pki)
        assert server.accepted == 1
    assert result.policy["fetch_error"] == "redirect" and result.policy["http_status"] == status
    finding = next(f for f in result.findings if f.code == "mta_sts.policy.redirect")
    assert finding.data["location"] == "https://www.example.test/mta-sts.txt"


@pytest.mark.parametrize("content_type", ["text/html", "text/plain-x", "application/octet-stream", None])
def test_a_wrong_or_missing_media_type_is_a_content_type_fetch_error(pki, tls_ctx, content_type):
    headers = (("Content-Type", content_type),) if content_type else ()
    with serve(tls_ctx, srv.fixed_response(headers=headers, body=POLICY)) as server:
        _, result, _ = fetch(server, pki)
    assert result.policy["fetch_error"] == "content-type"


def test_a_body_over_64_kib_is_a_too_large_fetch_error(pki, tls_ctx):
    with serve(tls_ctx, srv.fixed_response(body=POLICY + b"x: " + b"y" * MAX_POLICY_BYTES + b"\n")) as server:
        _, result, _ = fetch(server, pki)
    assert result.policy["fetch_error"] == "too-large"


def test_a_policy_of_exactly_64_kib_is_accepted(pki, tls_ctx):
    body = POLICY + b"x: " + b"y" * (MAX_POLICY_BYTES - len(POLICY) - 4) + b"\n"
    assert len(body) == MAX_POLICY_BYTES
    with serve(tls_ctx, srv.fixed_response(body=body)) as server:
        _, result, _ = fetch(server, pki)
    assert result.policy["status"] == "valid"


def test_a_malformed_http_response_is_an_other_fetch_error(pki, tls_ctx):
    def nonsense(conn, request):
        conn.sendall(b"SPDY/9 banana\r\n\r\n")

    with serve(tls_ctx, nonsense) as server:
        _, result, _ = fetch(server, pki)
    assert result.policy["fetch_error"] == "other"


def test_a_policy_host_with_only_private_addresses_is_never_contacted(pki):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.setblocking(False)
    try:
        resolver = resolver_for("127.0.0.1")
        retrieved = retrieve(DOMAIN, resolver, config_for(pki, listener.getsockname()[1]),
                                     time.monotonic() + 3)
        with pytest.raises(BlockingIOError):
            listener.accept()
    finally:
        listener.close()
    result = evaluate_mta_sts(retrieved, NO_MX)
    assert result.policy["fetch_error"] == "other"
    assert "mta_sts.policy_host.not_public" in [f.code for f in result.findings]


def test_every_fetch_error_word_is_produced_by_some_test_above():
    # Kept in step with the contract: the ten Table 13 rows.
    assert FETCH_ERRORS == ("dns", "tcp", "timeout", "tls", "certificate", "http-status", "redirect",
                            "content-type", "too-large", "other")


# --- hostile servers: each ends within its deadline, memory stays bounded --------------

HOSTILE_SECONDS = 3.0
MEASURED = {}


def test_a_server_that_never_answers_ends_as_a_timeout(pki):
    with srv.Server(srv.hold, address=fresh_address()) as server:
        _, result, taken = fetch(server, pki, HOSTILE_SECONDS)
    MEASURED["silent"] = taken
    assert result.policy["fetch_error"] == "timeout"


def test_a_server_trickling_a_byte_a_second_ends_as_a_timeout(pki, tls_ctx):
    def slow(conn, request):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
        for _ in range(120):
            conn.sendall(b"x")
            time.sleep(1)

    with serve(tls_ctx, slow) as server:
        _, result, taken = fetch(server, pki, HOSTILE_SECONDS)
    MEASURED["trickle"] = taken
    assert result.policy["fetch_error"] == "timeout"


def test_a_server_trickling_its_headers_ends_as_a_timeout(pki, tls_ctx):
    def slow_head(conn, request):
        for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n" + b"X-Pad: " + b"a" * 200:
            conn.sendall(bytes([byte]))
            time.sleep(0.5)

    with serve(tls_ctx, slow_head) as server:
        _, result, taken = fetch(server, pki, HOSTILE_SECONDS)
    MEASURED["trickle-head"] = taken
    assert result.policy["fetch_error"] == "timeout"


@pytest.mark.parametrize("announced", [True, False])
def test_a_server_sending_10_mb_ends_as_too_large_with_bounded_memory(pki, tls_ctx, announced):
    size = 10 * 1024 * 1024

    def flood(conn, request):
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
        head += f"Content-Length: {size}\r\n".encode() if announced else b""
        conn.sendall(head + b"\r\n")
        block = b"x" * 65536
        for _ in range(size // len(block)):
            conn.sendall(block)

    with serve(tls_ctx, flood) as server:
        tracemalloc.start()
        try:
            retrieved, result, taken = fetch(server, pki, HOSTILE_SECONDS)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    MEASURED[f"10MB-{'length' if announced else 'close'}"] = taken
    assert result.policy["fetch_error"] == "too-large"
    assert retrieved.fetch.body is None
    assert peak < 2 * 1024 * 1024, peak  # a few 64 KiB buffers, never the 10 MB


def test_the_measured_hostile_fetch_times_are_printed(capsys):
    with capsys.disabled():
        print("\nhostile policy servers, deadline %.1f s: %s" % (
            HOSTILE_SECONDS, ", ".join(f"{k} {v:.2f} s" for k, v in MEASURED.items())))


def test_classify_maps_net_errors_one_to_one():
    from checker.engine.net import HttpsResult
    for error in ("tcp", "timeout", "tls", "certificate", "too-large", "other"):
        result = HttpsResult(host=POLICY_HOST, address="192.0.2.1", port=443, path="/", error=error)
        assert classify(result)[0] == error
