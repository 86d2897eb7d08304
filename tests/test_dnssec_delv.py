"""Our DNSSEC verdicts and BIND's `delv` must agree on every scenario of the test network.

The engine does not validate: it reads the validating resolver's AD bit, a CD re-query and
Extended DNS Errors (checker/engine/dns.py). `delv` validates by itself: it sends every
query with CD (+cdflag) to the same Unbound (CHECKER_RESOLVER), so Unbound only fetches,
and checks the answers against the fake root's DS (the same trust anchor Unbound uses,
var/fakenet/<tag>/unbound/root.ds, as a `trust-anchors { . static-ds ...; };` block).

What delv prints (BIND 9.18) and the verdict it stands for:

=============================================  =========  ===============================
delv                                           verdict    why
=============================================  =========  ===============================
``; fully validated``                          secure     RFC 4035 4.3 "Secure"
``; unsigned answer``                          insecure   RFC 4035 4.3 "Insecure": the
                                                          chain proves there is no DS
``; negative response, fully validated``       secure     authenticated NXDOMAIN/NODATA
                                                          (RFC 4035 3.1.3, 5.4)
``; negative response, unsigned answer``       insecure   the same, in an unsigned zone
``;; resolution failed: <DNSSEC result>``      bogus      RFC 4035 4.3 "Bogus": broken
  (broken trust chain, insecurity proof                   trust chain, no valid RRSIG/DS/
  failed, no valid RRSIG/DS/KEY/NSEC,                     KEY/NSEC, must-be-secure
  must-be-secure)
``;; resolution failed: <other result>``      error      the data could not be fetched
  (failure = SERVFAIL under CD, timed out,                (RFC 4035 4.3 "Indeterminate"
  unexpected RCODE ...)                                   is not reachable here: the
                                                          root anchor covers everything)
``;; unexpected end of input resolving ...``   see below  BIND cannot parse the RDATA
=============================================  =========  ===============================

BIND 9.18 prints no "; validation failed" line: a validation failure is "resolution
failed: <result>", and the result text tells bogus from error. A result string neither
list knows fails the test: classify it here, do not guess.

Compared, per scenario (contract: /work/shared/spec/report.md):

* ``mx.rrset_dnssec`` -- the verdict on the domain's MX query, one to one.
* ``dnssec.status`` -- from delv's verdicts on the domain's SOA and MX, composed the way
  the contract and checker/engine/dnssec.py define the status: a bogus MX makes the domain
  bogus even when its SOA validates (validating senders cannot route its mail, RFC 4035
  5.5); when the SOA lookup fails and MX did not, MX decides; otherwise the SOA does.
  One mapping differs from delv by design: the contract makes NXDOMAIN *of the domain*
  ``error`` (the domain does not exist, there is no status to report), while delv calls
  an authenticated NXDOMAIN "negative response, fully validated" (or "unsigned answer").
  A NODATA proof below a zone apex stays secure/insecure on both sides.
* every ``mx.hosts[].dnssec`` -- delv's verdicts on the host's A and AAAA queries,
  composed as the contract's host status (the engine's mx._combined_security): bogus if
  either is bogus, else error if either failed, else secure if both are secure (an
  authenticated NODATA for the missing family counts as secure), else insecure.
* every ``dane.hosts[].tlsa`` -- delv's verdict on ``_25._tcp.<tlsa_base_domain>`` TLSA:
  bogus -> ``bogus``, error -> ``error``, a negative response (secure or not) -> ``none``,
  unsigned records -> ``insecure``, validated records -> ``valid``, ``unusable`` or
  ``invalid`` (which of the three is the record parser's business, not DNSSEC's).

  By design, not a bug on either side: dane-malformed.fi publishes a TLSA RRset whose
  RDATA is two bytes (RFC 6698 2.1 needs at least three plus data). BIND refuses such a
  message while parsing it ("unexpected end of input", then "resolution failed:
  failure"), so delv says nothing about its signatures; Unbound validates the RRset
  (its RRSIG covers the RDATA as opaque bytes) and sets AD, and the contract reports such
  a secure but unreadable set as ``invalid``. For that case the test asks a third
  validator, ldns `drill -S` (signature chase from the same root DS; ldnsutils, also
  installed by scripts/test.sh), and maps "unparsable by delv, chase successful" to
  ``invalid`` only.
"""
import os
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from tests.fakenet.network import catalogue

DELV = shutil.which("delv")
DRILL = shutil.which("drill")
CASES = [scenario for scenario in catalogue() if not scenario.infrastructure]
DELV_TIMEOUT = 15  # seconds per delv process; each takes ~50 ms on the loopback network
# A delv that hangs has lost a datagram on a loaded machine (seen once in a full run with other
# suites beside it); that is no verdict on the zone, so it is asked again before it counts as error.
DELV_TRIES = 3


def _run_with_retries(command):
    """The finished process, or None when every try ran past DELV_TIMEOUT."""
    for _ in range(DELV_TRIES):
        try:
            return subprocess.run(command, capture_output=True, text=True, timeout=DELV_TIMEOUT)
        except subprocess.TimeoutExpired:
            continue
    return None

# BIND result texts (lib/isc/result.c) after "resolution failed: " that mean validation failed
BOGUS_RESULTS = frozenset({
    "broken trust chain", "insecurity proof failed", "no valid RRSIG", "no valid DS", "no valid KEY",
    "no valid NSEC", "must-be-secure", "no valid signature found", "RRSIG failed to verify", "RRSIG has expired",
    "RRSIG validity period has not begun", "key is unauthorized to sign data",
})
# ... and those that mean the data could not be fetched at all (nothing was validated).
ERROR_RESULTS = frozenset({
    "failure", "timed out", "unexpected RCODE", "SERVFAIL", "REFUSED", "connection refused",
    "host unreachable", "network unreachable",
})


@dataclass(frozen=True)
class Verdict:
    security: str         # secure | insecure | bogus | error | unparsable (| unclassified)
    nxdomain: bool        # an (authenticated or unsigned) NXDOMAIN
    text: str             # delv's output, for the failure message
    negative: bool = False  # NXDOMAIN or NODATA: no records of the type
    chased: bool = False    # unparsable for delv, but ldns `drill -S` validated the chain

    def __str__(self):
        return self.security + (" NXDOMAIN" if self.nxdomain else "")


def parse_delv(output: str) -> Verdict:
    """The verdict of one delv run (both streams: delv prints failures on stderr)."""
    lines = [line.strip() for line in output.splitlines()]
    if any(line.startswith(";; unexpected end of input resolving ") for line in lines):
        # BIND could not parse the answer (RDATA shorter than its type allows): it cannot
        # validate what it cannot read, and ends with "resolution failed: failure".
        return Verdict("unparsable", False, output)
    failed = [line.partition("resolution failed: ")[2] for line in lines if "resolution failed: " in line]
    nxdomain = "ncache nxdomain" in failed
    if "; negative response, fully validated" in lines:
        return Verdict("secure", nxdomain, output, negative=True)
    if "; negative response, unsigned answer" in lines:
        return Verdict("insecure", nxdomain, output, negative=True)
    if "; fully validated" in lines:
        return Verdict("secure", False, output)
    if "; unsigned answer" in lines:
        return Verdict("insecure", False, output)
    for result in failed:
        if result in BOGUS_RESULTS:
            return Verdict("bogus", False, output)
        if result in ERROR_RESULTS:
            return Verdict("error", False, output)
    raise AssertionError(f"delv output not classified (add its result to BOGUS_RESULTS or ERROR_RESULTS):\n"
                         f"{output}")


def compose_status(soa: Verdict, mx: Verdict) -> str:
    """dnssec.status from the SOA and MX verdicts (contract; module docstring)."""
    if soa.nxdomain and soa.security in ("secure", "insecure"):
        return "error"  # the contract: NXDOMAIN of the domain is `error`
    if soa.security == "bogus":
        return "bogus"
    if mx.security == "bogus" or (soa.security == "error" and mx.security != "error"):
        return mx.security
    return soa.security


def tlsa_states(verdict: Verdict) -> set[str]:
    """The dane.hosts[].tlsa values delv's verdict on the TLSA query allows (module docstring)."""
    if verdict.security == "unparsable":
        return {"invalid"} if verdict.chased else {"unparsable and not validated by drill either"}
    if verdict.security in ("bogus", "error"):
        return {verdict.security}
    if verdict.negative:
        return {"none"}
    if verdict.security == "insecure":
        return {"insecure"}
    return {"valid", "unusable", "invalid"}  # secure records: which ones is the record parser's call


def compose_host(a: Verdict, aaaa: Verdict) -> str:
    states = {a.security, aaaa.security}
    for state in ("bogus", "error"):
        if state in states:
            return state
    return "secure" if states == {"secure"} else "insecure"


class Delv:
    def __init__(self, anchor_file, ds_file, server: str, port: str):
        self.anchor_file, self.ds_file, self.server, self.port = str(anchor_file), str(ds_file), server, port

    def ask(self, name: str, rdtype: str) -> Verdict:
        command = [DELV, "-a", self.anchor_file, f"@{self.server}", "-p", self.port, "+cdflag", "+nomultiline",
                   "-q", name, "-t", rdtype]
        done = _run_with_retries(command)
        if done is None:
            return Verdict("error", False, f"delv {name} {rdtype}: no result in {DELV_TIMEOUT} s, {DELV_TRIES} tries")
        try:
            verdict = parse_delv(done.stdout + done.stderr)
        except AssertionError as exc:  # fails this scenario's comparison, not the whole module
            return Verdict("unclassified", False, str(exc))
        if verdict.security == "unparsable":
            chased, text = self.drill_chase(name, rdtype)
            verdict = Verdict("unparsable", False, verdict.text + "\n" + text, chased=chased)
        return verdict

    def drill_chase(self, name: str, rdtype: str) -> tuple[bool, str]:
        """ldns `drill -S` (signature chase from the same root DS, CD set) on an answer delv
        cannot parse: ldns keeps unknown-length RDATA and checks the RRSIGs over it."""
        command = [DRILL, "-k", self.ds_file, "-S", "-p", self.port, f"@{self.server}", name, rdtype]
        done = _run_with_retries(command)
        if done is None:
            return False, f"drill {name} {rdtype}: no result in {DELV_TIMEOUT} s, {DELV_TRIES} tries"
        output = done.stdout + done.stderr
        return done.returncode == 0 and ";; Chase successful" in output, output


@pytest.fixture(scope="module")
def compared(fakenet, tmp_path_factory):
    """domain -> (report, {(name, type): Verdict}) for every scenario; delv runs in a pool."""
    assert DELV, "delv (bind9-dnsutils) is not installed: scripts/test.sh installs it"
    assert DRILL, "drill (ldnsutils) is not installed: scripts/test.sh installs it"
    ds = (fakenet.network.state / "unbound" / "root.ds").read_text().split()
    assert ds[2:4] == ["IN", "DS"], ds
    tag, algorithm, digest_type, digest = ds[4:8]
    anchors = tmp_path_factory.mktemp("delv") / "anchors.conf"
    anchors.write_text(f'trust-anchors {{\n    . static-ds {tag} {algorithm} {digest_type} "{digest}";\n}};\n')
    ds_file = anchors.with_name("root.ds")
    ds_file.write_text(f". {ds[1]} IN DS {tag} {algorithm} {digest_type} {digest}\n")
    server, _, port = fakenet.env["CHECKER_RESOLVER"].split(",")[0].partition(":")
    delv = Delv(anchors, ds_file, server, port or "53")

    # The checks first (fakenet.reports, shared with test_scenarios in a full run), delv
    # after them: delv is CPU-bound (~40 ms a process) and must not slow the timing-sensitive
    # scenarios (silent servers, trickling policy hosts) the reports are made of.
    reports = fakenet.reports([s.domain for s in CASES])
    questions = set()
    for domain, report in reports.items():
        questions |= {(domain, "SOA"), (domain, "MX")}
        for host in report["mx"]["hosts"]:
            questions |= {(host["name"], "A"), (host["name"], "AAAA")}
        for host in report["dane"]["hosts"]:
            questions.add((f"_25._tcp.{host['tlsa_base_domain']}", "TLSA"))
    questions = sorted(questions)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=2 * (os.cpu_count() or 2)) as pool:
        verdicts = dict(zip(questions, pool.map(lambda q: delv.ask(*q), questions)))
    print(f"\ndelv: {len(questions)} questions in {time.monotonic() - started:.1f} s")
    return {domain: (report, verdicts) for domain, report in reports.items()}


def explain(label, ours, theirs, *verdicts: Verdict) -> str:
    return f"{label}: we say {ours!r}, delv says {theirs!r}\n" + "\n".join(v.text for v in verdicts)


@pytest.mark.parametrize("scenario", CASES, ids=lambda s: s.domain)
def test_delv_agrees_with_the_report(compared, scenario):
    report, verdicts = compared[scenario.domain]
    soa, mx = verdicts[(scenario.domain, "SOA")], verdicts[(scenario.domain, "MX")]
    problems = []
    expected = compose_status(soa, mx)
    if report["dnssec"]["status"] != expected:
        problems.append(explain("dnssec.status", report["dnssec"]["status"], expected, soa, mx))
    if report["mx"]["rrset_dnssec"] != mx.security:
        problems.append(explain("mx.rrset_dnssec", report["mx"]["rrset_dnssec"], mx.security, mx))
    for host in report["mx"]["hosts"]:
        a, aaaa = verdicts[(host["name"], "A")], verdicts[(host["name"], "AAAA")]
        theirs = compose_host(a, aaaa)
        if host["dnssec"] != theirs:
            problems.append(explain(f"mx host {host['name']}", host["dnssec"], theirs, a, aaaa))
    for host in report["dane"]["hosts"]:
        tlsa = verdicts[(f"_25._tcp.{host['tlsa_base_domain']}", "TLSA")]
        if host["tlsa"] not in tlsa_states(tlsa):
            problems.append(explain(f"dane host {host['name']} tlsa", host["tlsa"], sorted(tlsa_states(tlsa)), tlsa))
    assert not problems, "\n\n".join(problems)


def test_the_comparison_covers_every_verdict(compared):
    """The catalogue gives delv something to disagree with: every verdict occurs (a broken
    trust anchor or resolver address would make every answer `error` on both sides)."""
    verdicts = next(iter(compared.values()))[1]
    seen = {verdict.security for verdict in verdicts.values()}
    assert {"secure", "insecure", "bogus", "error"} <= seen, seen
    statuses = {report["dnssec"]["status"] for report, _ in compared.values()}
    assert statuses == {"secure", "insecure", "bogus", "error"}, statuses


def test_delv_output_is_classified_as_documented():
    """The parser itself, on delv 9.18's real texts."""
    assert parse_delv("; fully validated\nx. 300 IN SOA ...").security == "secure"
    assert parse_delv("; unsigned answer\nx. 300 IN SOA ...").security == "insecure"
    nx = parse_delv(";; resolution failed: ncache nxdomain\n; negative response, fully validated\n")
    assert (nx.security, nx.nxdomain) == ("secure", True)
    nodata = parse_delv(";; resolution failed: ncache nxrrset\n; negative response, unsigned answer\n")
    assert (nodata.security, nodata.nxdomain) == ("insecure", False)
    assert parse_delv(";; broken trust chain resolving 'x/SOA/IN'\n;; resolution failed: broken trust chain\n"
                      ).security == "bogus"
    assert parse_delv(";; resolution failed: insecurity proof failed\n").security == "bogus"
    assert parse_delv(";; resolution failed: failure\n").security == "error"
    assert parse_delv(";; RRSIG has expired resolving 'x/TLSA/IN': 1.2.3.4#53\n"
                      ";; resolution failed: RRSIG has expired\n").security == "bogus"
    unparsable = parse_delv(";; unexpected end of input resolving 'x/TLSA/IN': 1.2.3.4#53\n"
                            ";; resolution failed: failure\n")
    assert unparsable.security == "unparsable" and tlsa_states(unparsable) != {"invalid"}
    with pytest.raises(AssertionError, match="not classified"):
        parse_delv(";; resolution failed: something new\n")
    assert compose_status(nx, parse_delv(";; resolution failed: ncache nxdomain\n"
                                         "; negative response, fully validated\n")) == "error"
