"""A scripted DNS resolver on loopback (UDP + TCP) for tests of the DNS wrapper.

`handler(query, transport) -> response message or None` (None: stay silent). The stub
records every query it saw as (qname, rdtype text, flags, transport).
"""
import socket
import struct
import threading

import dns.edns
import dns.flags
import dns.message
import dns.rcode
import dns.rrset

STUB_ADDRESS = "127.54.249.1"  # ephemeral ports; outside the fakenet plan's special blocks


class StubResolver:
    def __init__(self, handler, address: str = STUB_ADDRESS):
        self.handler = handler
        self.seen: list[tuple[str, str, int, str]] = []
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        for _ in range(20):
            self.udp.bind((address, 0))
            port = self.udp.getsockname()[1]
            try:
                self.tcp.bind((address, port))
                break
            except OSError:
                self.udp.close()
                self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.address, self.port = address, port
        self.tcp.listen(16)
        self._stop = False
        self.threads = [threading.Thread(target=self._serve_udp, daemon=True),
                        threading.Thread(target=self._serve_tcp, daemon=True)]
        for thread in self.threads:
            thread.start()

    def _answer(self, wire, transport):
        query = dns.message.from_wire(wire)
        question = query.question[0]
        self.seen.append((question.name.to_text(), dns.rdatatype.to_text(question.rdtype), query.flags, transport))
        return self.handler(query, transport)

    def _serve_udp(self):
        while not self._stop:
            try:
                wire, peer = self.udp.recvfrom(65535)
            except OSError:
                return
            response = self._answer(wire, "udp")
            if response is not None:
                self.udp.sendto(response.to_wire(max_size=65535), peer)

    def _serve_tcp(self):
        while not self._stop:
            try:
                conn, _ = self.tcp.accept()
            except OSError:
                return
            with conn:
                try:
                    length = struct.unpack("!H", _recv_exact(conn, 2))[0]
                    response = self._answer(_recv_exact(conn, length), "tcp")
                    if response is not None:
                        wire = response.to_wire(max_size=65535)
                        conn.sendall(struct.pack("!H", len(wire)) + wire)
                except (OSError, EOFError):
                    continue

    def close(self):
        self._stop = True
        self.udp.close()
        self.tcp.close()


def _recv_exact(conn, count):
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def reply(query, *rrsets, rcode=dns.rcode.NOERROR, ad=False, tc=False, ede=(), authority=()):
    """A response to `query` with answer RRsets given as (name, ttl, type, rdata...) tuples."""
    response = dns.message.make_response(query)
    response.set_rcode(rcode)
    if ad:
        response.flags |= dns.flags.AD
    if tc:
        response.flags |= dns.flags.TC
    for spec in rrsets:
        response.answer.append(dns.rrset.from_text(spec[0], spec[1], "IN", spec[2], *spec[3:]))
    for spec in authority:
        response.authority.append(dns.rrset.from_text(spec[0], spec[1], "IN", spec[2], *spec[3:]))
    if ede:
        options = [dns.edns.EDEOption(code, text) for code, text in ede]
        response.use_edns(0, 0, 1232, options=options)
    return response
