"""The fake SMTP and HTTPS servers behave as the catalogue declares (one short test each)."""
import hashlib
import socket
import ssl

import pytest
from cryptography.hazmat.primitives import serialization

from tests.fakenet.probe import client_context, https_get, resolve, smtp_lines, starttls_chain


def smtp_port(fakenet):
    return fakenet.config.smtp_port


def https_port(fakenet):
    return fakenet.config.https_port


def mx_address(fakenet, domain):
    host = resolve(fakenet, domain, "MX")[0].split()[1].rstrip(".")
    return host, resolve(fakenet, host)[0]


def ehlo(fakenet, domain):
    host, address = mx_address(fakenet, domain)
    sock = socket.create_connection((address, smtp_port(fakenet)), timeout=5)
    reader = sock.makefile("rb")
    banner = smtp_lines(reader)
    sock.sendall(b"EHLO probe.test\r\n")
    return sock, reader, banner, smtp_lines(reader)


# -- SMTP ---------------------------------------------------------------------------------

def test_smtp_ok_offers_starttls_and_a_chain_that_verifies_against_the_test_root(fakenet):
    sock, reader, banner, lines = ehlo(fakenet, "dane-ok.fi")
    assert banner[0].startswith("220 ") and any(line[4:] == "STARTTLS" for line in lines)
    sock.sendall(b"STARTTLS\r\n")
    assert smtp_lines(reader)[0].startswith("220 ")
    with client_context(fakenet).wrap_socket(sock, server_hostname="mx1.dane-ok.fi") as tls:
        assert tls.version() in ("TLSv1.2", "TLSv1.3")


def test_smtp_without_starttls_omits_it_from_ehlo(fakenet):
    sock, _, _, lines = ehlo(fakenet, "starttls-missing.fi")
    sock.close()
    assert lines[-1].startswith("250 ") and not any("STARTTLS" in line for line in lines)


def test_smtp_broken_starttls_fails_the_handshake(fakenet):
    sock, reader, _, _ = ehlo(fakenet, "starttls-broken.fi")
    sock.sendall(b"STARTTLS\r\n")
    smtp_lines(reader)
    with pytest.raises((ssl.SSLError, ConnectionError)):
        client_context(fakenet, verify=False).wrap_socket(sock)


def test_smtp_silent_server_accepts_but_never_sends_a_banner(fakenet):
    _, address = mx_address(fakenet, "smtp-silent.fi")
    with socket.create_connection((address, smtp_port(fakenet)), timeout=0.5) as sock:
        with pytest.raises(socket.timeout):
            sock.recv(10)


def test_smtp_flood_sends_endless_continuation_lines(fakenet):
    sock, reader, _, _ = None, None, None, None
    _, address = mx_address(fakenet, "smtp-flood.fi")
    with socket.create_connection((address, smtp_port(fakenet)), timeout=5) as sock:
        reader = sock.makefile("rb")
        smtp_lines(reader)
        sock.sendall(b"EHLO probe.test\r\n")
        lines = [reader.readline(2048) for _ in range(5000)]
    assert all(line.startswith(b"250-") for line in lines)


def test_smtp_refused_host_has_nothing_listening(fakenet):
    _, address = mx_address(fakenet, "smtp-refused.fi")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((address, smtp_port(fakenet)), timeout=2)


def test_smtp_serves_ipv6_addresses_and_refuses_on_the_broken_one(fakenet):
    ipv6_only = resolve(fakenet, "mx1.ipv6-only.fi", "AAAA")[0]
    assert starttls_chain(ipv6_only, smtp_port(fakenet))
    broken = resolve(fakenet, "mx1.dual-stack-broken6.fi", "AAAA")[0]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((broken, smtp_port(fakenet)), timeout=2)
    working = resolve(fakenet, "mx1.dual-stack-broken6.fi", "A")[0]
    socket.create_connection((working, smtp_port(fakenet)), timeout=2).close()


@pytest.mark.parametrize("domain", ["cert-expired.fi", "cert-self-signed.fi", "cert-untrusted.fi", "cert-wrong-name.fi"])
def test_smtp_bad_certificates_complete_the_handshake_but_fail_verification(fakenet, domain):
    host, address = mx_address(fakenet, domain)
    assert starttls_chain(address, smtp_port(fakenet))  # opportunistic TLS works
    sock, reader, _, _ = ehlo(fakenet, domain)
    sock.sendall(b"STARTTLS\r\n")
    smtp_lines(reader)
    with pytest.raises(ssl.SSLCertVerificationError):
        client_context(fakenet).wrap_socket(sock, server_hostname=host)


def spki_sha256(cert):
    return hashlib.sha256(cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).hexdigest()


def test_tlsa_3_1_1_is_computed_from_the_certificate_the_server_presents(fakenet):
    host, address = mx_address(fakenet, "dane-ok.fi")
    chain = starttls_chain(address, smtp_port(fakenet))
    tlsa = resolve(fakenet, f"_25._tcp.{host}", "TLSA")[0].split()
    assert tlsa[:3] == ["3", "1", "1"] and "".join(tlsa[3:]).lower() == spki_sha256(chain[0])


def test_dane_ta_server_sends_the_intermediate_its_2_0_1_record_names(fakenet):
    host, address = mx_address(fakenet, "dane-ta.fi")
    chain = starttls_chain(address, smtp_port(fakenet))
    tlsa = resolve(fakenet, f"_25._tcp.{host}", "TLSA")[0].split()
    intermediate = chain[1].public_bytes(serialization.Encoding.DER)
    assert len(chain) == 2 and "".join(tlsa[3:]).lower() == hashlib.sha256(intermediate).hexdigest()


def test_leaf_only_server_sends_a_single_certificate(fakenet):
    _, address = mx_address(fakenet, "dane-ta-leaf-only.fi")
    assert len(starttls_chain(address, smtp_port(fakenet))) == 1


def test_wrong_hash_tlsa_does_not_match_the_presented_key(fakenet):
    host, address = mx_address(fakenet, "dane-wrong-hash.fi")
    chain = starttls_chain(address, smtp_port(fakenet))
    tlsa = resolve(fakenet, f"_25._tcp.{host}", "TLSA")[0].split()
    assert len("".join(tlsa[3:])) == 64 and "".join(tlsa[3:]).lower() != spki_sha256(chain[0])


# -- HTTPS ----------------------------------------------------------------------------------

def policy_get(fakenet, domain, verify=True, path="/.well-known/mta-sts.txt", timeout=5.0):
    host = f"mta-sts.{domain}"
    address = resolve(fakenet, host)[0]
    return https_get(address, https_port(fakenet), host, client_context(fakenet, verify), path=path, timeout=timeout)


def test_https_ok_serves_the_policy_as_text_plain(fakenet):
    status, headers, body = policy_get(fakenet, "dane-ok.fi")
    assert status == 200 and headers["content-type"] == "text/plain"
    assert body.startswith(b"version: STSv1\r\nmode: enforce\r\nmx: mx1.dane-ok.fi\r\n")


def test_https_ok_answers_404_off_the_well_known_path(fakenet):
    assert policy_get(fakenet, "dane-ok.fi", path="/")[0] == 404


@pytest.mark.parametrize("domain, status", [("sts-redirect-301.fi", 301), ("sts-redirect-302.fi", 302)])
def test_https_redirects_carry_a_location(fakenet, domain, status):
    got, headers, _ = policy_get(fakenet, domain)
    assert got == status and headers["location"].startswith("https://")


def test_https_404_variant(fakenet):
    assert policy_get(fakenet, "sts-404.fi")[0] == 404


def test_https_placeholder_answers_200_html_to_every_path(fakenet):
    for path in ("/.well-known/mta-sts.txt", "/anything"):
        status, headers, body = policy_get(fakenet, "sts-html.fi", path=path)
        assert status == 200 and headers["content-type"].startswith("text/html") and b"<html>" in body


def test_https_huge_body_is_over_64_kib(fakenet):
    status, headers, body = policy_get(fakenet, "sts-too-large.fi")
    assert status == 200 and int(headers["content-length"]) > 65536 and len(body) > 65536


def test_https_silent_server_never_completes_the_handshake(fakenet):
    with pytest.raises((socket.timeout, TimeoutError)):
        policy_get(fakenet, "sts-timeout.fi", timeout=0.5)


def test_https_trickle_sends_about_one_byte_a_second(fakenet):
    host = "mta-sts.sts-trickle.fi"
    address = resolve(fakenet, host)[0]
    with socket.create_connection((address, https_port(fakenet)), timeout=5) as raw:
        with client_context(fakenet).wrap_socket(raw, server_hostname=host) as tls:
            tls.sendall(f"GET /.well-known/mta-sts.txt HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            first = tls.recv(100)
            tls.settimeout(0.3)
            with pytest.raises((socket.timeout, TimeoutError)):
                tls.recv(100)
    assert first == b"H"


@pytest.mark.parametrize("domain", ["sts-cert-name.fi", "sts-cert-untrusted.fi", "sts-cert-expired.fi", "wildcard.fi"])
def test_https_bad_certificates_fail_verification(fakenet, domain):
    with pytest.raises(ssl.SSLCertVerificationError):
        policy_get(fakenet, domain)


def test_https_bad_handshake_is_a_tls_error(fakenet):
    with pytest.raises(ssl.SSLError):
        policy_get(fakenet, "sts-tls.fi", verify=False)


def test_https_garbage_is_not_an_http_response(fakenet):
    with pytest.raises((ValueError, IndexError)):
        policy_get(fakenet, "sts-garbage.fi")


def test_https_refused_policy_host_has_nothing_listening(fakenet):
    with pytest.raises(ConnectionRefusedError):
        policy_get(fakenet, "sts-tcp.fi")
