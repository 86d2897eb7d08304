"""The scenario catalogue: one domain per scenario, readable at a glance.

The main part; scenarios_mta_sts.py and scenarios_grading.py hold the rest, and
network.catalogue() joins them (domain names unique across all three).

Vocabulary: model.py. `expect` holds only what an RFC-following checker must report
(contract paths, docs/report-contract.md); what depends on a checker's policy choices
is left out on purpose. Host lists are indexed in MX order (preference, then name).

Ideas from the thesis (5.1-5.4): shared provider MX hosts (5.1: 164 MX servers for 4454
DANE domains), wildcard A records landing mta-sts.<domain> on a generic web server with
the wrong certificate (5.2: 47677 certificate errors), placeholder pages answering 200
to every path, DNS time-outs, policy files without a record and the reverse.
"""
from __future__ import annotations

from .expect import IPV4, IPV6
from .model import Host, Policy, Scenario, Smtp, policy_text

STS = ("v=STSv1; id=20240101T000000",)
RPT = ("v=TLSRPTv1; rua=mailto:tlsrpt@reports.fi",)
WRONG_STS_BODY = policy_text("enforce", ("mx.elsewhere.fi",))

# Baselines to spread into `expect`.
SECURE = {"dnssec.status": "secure", "dnssec.ds_present": True, "mx.status": "present", "mx.hosts[0].dnssec": "secure"}
INSECURE = {"dnssec.status": "insecure", "dnssec.ds_present": False, "mx.status": "present",
            "mx.hosts[0].dnssec": "insecure"}
NO_STS = {"mta_sts.status": "none", "mta_sts.record.status": "missing", "mta_sts.policy_host.status": "missing",
          "mta_sts.policy.status": "not-fetched", "mta_sts.policy.fetch_error": None}
STS_OK = {"mta_sts.status": "valid", "mta_sts.record.status": "valid", "mta_sts.policy_host.status": "resolves",
          "mta_sts.policy.status": "valid", "mta_sts.policy.fetch_error": None}
# A valid record whose policy could not be fetched (the five entries scenarios_mta_sts.SHARED
# names carry it: that list's expectations, merged here).
FETCH_FAILED = {"mta_sts.status": "invalid", "mta_sts.record.status": "valid", "mta_sts.policy.status": "fetch-error"}
DANE_PASS = {"dane.status": "all", "dane.hosts[0].tlsa": "valid", "dane.hosts[0].match": "pass", "dane.verified": "all"}
DANE_FAIL = {"dane.status": "all", "dane.hosts[0].tlsa": "valid", "dane.hosts[0].match": "fail", "dane.verified": "none"}
STARTTLS_OK = {"starttls.hosts[0].status": "ok"}


def mail(domain: str, description: str, *, tlsa=(), smtp: Smtp = Smtp(), dns: str = "signed", tlsa_sig: str = "ok",
         expect: dict, **kw) -> Scenario:
    """A domain with one MX host, mx1.<domain>, in its own zone."""
    host = Host(f"mx1.{domain}", smtp=smtp, tlsa=tuple(tlsa), tlsa_sig=tlsa_sig)
    return Scenario(domain, description, dns=dns, mx=(f"10 mx1.{domain}",), hosts=(host,), expect=expect, **kw)


def sts(domain: str, description: str, *, policy: Policy | None = None, mta_sts=STS, expect: dict, **kw) -> Scenario:
    """A DNSSEC-signed domain with a plain STARTTLS MX; the variable part is MTA-STS."""
    return mail(domain, description, policy=policy, mta_sts=mta_sts, expect={**SECURE, **expect}, **kw)


def dead(label: str) -> tuple[str, str]:
    """Records delegating `label` to an address where no DNS server listens: lookups SERVFAIL."""
    return (f"{label} NS ns-dead.{label}.ns-glue", f"ns-dead.{label}.ns-glue A {{closed}}")


INFRASTRUCTURE = (
    Scenario("provider.fi", "a mail provider hosting the MX of many domains (thesis 5.1)", infrastructure=True,
             hosts=(Host("mx1.provider.fi", tlsa=("3 1 1", "2 0 1")), Host("mx2.provider.fi", tlsa=("3 1 1",)))),
    Scenario("mailhost.com", "a provider in another TLD, its zone unsigned", dns="unsigned", infrastructure=True,
             hosts=(Host("mx.mailhost.com"),)),
    Scenario("bogushost.com", "a provider whose zone signatures expired", dns="bogus-expired", infrastructure=True,
             hosts=(Host("mx.bogushost.com", tlsa=("3 1 1",)),)),
    Scenario("lamehost.fi", "a provider whose DNS servers refuse to answer", dns="lame", infrastructure=True),
)

# -- DNSSEC and MX ----------------------------------------------------------------------

DNS_AND_MX = (
    Scenario("dane-ok.fi", "the reference: DNSSEC, DANE-EE 3 1 1, MTA-STS enforce, TLS-RPT",
             mx=("10 mx1.dane-ok.fi",), hosts=(Host("mx1.dane-ok.fi", tlsa=("3 1 1",)),),
             mta_sts=STS, tls_rpt=RPT, policy=Policy(),
             expect={**SECURE, **DANE_PASS, **STARTTLS_OK, **STS_OK, "mta_sts.policy.mode": "enforce",
                     "starttls.hosts[0].certificate.webpki_valid": True, "tls_rpt.status": "valid"}),
    mail("unsigned.fi", "no DNSSEC at all, plain STARTTLS", dns="unsigned",
         expect={**INSECURE, **STARTTLS_OK, **NO_STS, "dane.status": "none", "dane.hosts[0].tlsa": "none",
                 "dane.hosts[0].match": "not-tested", "tls_rpt.status": "none"}),
    mail("signed-no-ds.fi", "zone signed but no DS at the parent: an island, insecure", dns="signed-no-ds",
         expect={**INSECURE, **STARTTLS_OK}),
    mail("bogus-ds.fi", "the parent's DS matches no DNSKEY", dns="bogus-ds",
         expect={"dnssec.status": "bogus", "dnssec.ds_present": True, "mx.status": "error",
                 "starttls.status": "error", "dane.status": "error"}),
    mail("bogus-expired.fi", "every signature expired ten days ago", dns="bogus-expired",
         expect={"dnssec.status": "bogus", "dnssec.ds_present": True, "mx.status": "error",
                 "starttls.status": "error", "dane.status": "error"}),
    mail("bogus-nosig.fi", "DNSKEY signed, every other RRset without RRSIG", dns="bogus-nosig",
         expect={"dnssec.status": "bogus", "dnssec.ds_present": True, "mx.status": "error",
                 "starttls.status": "error", "dane.status": "error"}),
    mail("lame.fi", "delegated to a server that answers REFUSED: SERVFAIL, not bogus", dns="lame",
         expect={"dnssec.status": "error", "mx.status": "error", "starttls.status": "error",
                 "dane.status": "error"}),
    mail("timeout.fi", "delegated to a server that never answers (thesis: MX query timed out)", dns="timeout",
         expect={"dnssec.status": "error", "mx.status": "error", "starttls.status": "error",
                 "dane.status": "error"}),
    Scenario("nxdomain.fi", "not delegated at all: NXDOMAIN", dns="absent",
             expect={"dnssec.status": "error", "mx.status": "nxdomain", "dane.status": "not-applicable",
                     "starttls.status": "none",
                     **NO_STS, "tls_rpt.status": "none", "grade": None}),
    Scenario("null-mx.fi", "accepts no mail: MX 0 . (RFC 7505)", mx=("0 .",),
             expect={"dnssec.status": "secure", "mx.status": "null", "dane.status": "not-applicable",
                     **NO_STS, "grade": None}),
    Scenario("null-mx-mixed.fi", "a null MX next to a real one (RFC 7505 3: invalid)",
             mx=("0 .", "10 mx1.provider.fi"), expect={"dnssec.status": "secure", "mx.status": "invalid"}),
    Scenario("no-mx.fi", "no MX RRset: the domain's own address is the implicit MX (RFC 5321 5.1)",
             hosts=(Host("no-mx.fi"),),
             expect={"dnssec.status": "secure", "mx.status": "none", "mx.hosts[0].name": "no-mx.fi",
                     "mx.hosts[0].preference": 0, "starttls.hosts[0].status": "ok", "dane.status": "none"}),
    Scenario("no-mx-no-address.fi", "neither MX nor address records: nowhere to deliver",
             expect={"dnssec.status": "secure", "mx.status": "none", "dane.status": "not-applicable"}),
    Scenario("mx-cname.fi", "the MX target is a CNAME to the provider (RFC 2181 10.3 forbids it, it happens)",
             mx=("10 mail.mx-cname.fi",), records=("mail CNAME mx1.provider.fi.",),
             expect={"dnssec.status": "secure", "mx.status": "present"}),
    Scenario("many-mx.fi", "twelve MX hosts: only the first ten are probed, the rest are skipped",
             mx=tuple(f"{10 * (k + 1)} mx{k + 1:02d}.many-mx.fi" for k in range(12)),
             hosts=tuple(Host(f"mx{k + 1:02d}.many-mx.fi") for k in range(12)),
             expect={**SECURE, **STARTTLS_OK, "mx.hosts[11].name": "mx12.many-mx.fi",
                     "starttls.hosts[9].status": "ok", "starttls.hosts[10].status": "skipped",
                     "starttls.hosts[11].status": "skipped"}),
    Scenario("mx-private.fi", "the MX host resolves to 10.0.0.1: the checker must not connect",
             mx=("10 mx1.mx-private.fi",), hosts=(Host("mx1.mx-private.fi", smtp=None, address="10.0.0.1"),),
             expect={**SECURE, "starttls.hosts[0].status": "refused-address"}),
    Scenario("mx-localhost.fi", "the MX host resolves to 127.0.0.1, outside the allowed test range",
             mx=("10 mx1.mx-localhost.fi",), hosts=(Host("mx1.mx-localhost.fi", smtp=None, address="127.0.0.1"),),
             expect={**SECURE, "starttls.hosts[0].status": "refused-address"}),
    Scenario("insecure-provider.fi", "signed domain, MX at a provider whose zone is unsigned",
             mx=("10 mx.mailhost.com",),
             expect={"dnssec.status": "secure", "mx.status": "present", "mx.hosts[0].dnssec": "insecure",
                     "starttls.hosts[0].status": "ok", "dane.hosts[0].tlsa": "none"}),
    Scenario("bogus-provider.fi", "signed domain, MX at a provider whose signatures expired",
             mx=("10 mx.bogushost.com",),
             expect={"dnssec.status": "secure", "mx.status": "present", "mx.hosts[0].dnssec": "bogus"}),
    Scenario("lame-provider.fi", "signed domain, MX at a provider whose DNS refuses: host lookups fail",
             mx=("10 mx.lamehost.fi",),
             expect={"dnssec.status": "secure", "mx.status": "present", "mx.hosts[0].dnssec": "error"}),
)

# -- STARTTLS and certificates ----------------------------------------------------------------

STARTTLS = (
    mail("starttls-missing.fi", "EHLO does not offer STARTTLS", smtp=Smtp("no-starttls"),
         expect={**SECURE, "starttls.hosts[0].status": "not-offered"}),
    mail("starttls-broken.fi", "STARTTLS offered, then plain text instead of a handshake", smtp=Smtp("bad-handshake"),
         expect={**SECURE, "starttls.hosts[0].status": "handshake-failed"}),
    mail("smtp-refused.fi", "nothing listens on port 25", smtp=Smtp("refused"),
         expect={**SECURE, "starttls.hosts[0].status": "unreachable"}),
    mail("smtp-silent.fi", "accepts TCP, the banner never comes (the probe must give up in time)",
         smtp=Smtp("silent"), expect={**SECURE}),
    mail("smtp-flood.fi", "answers EHLO with endless 250- lines (the probe must cap them)", smtp=Smtp("flood"),
         expect={**SECURE}),
    mail("cert-expired.fi", "expired certificate; DANE-EE ignores expiry (RFC 7672 3.1.1)",
         smtp=Smtp(cert="expired"), tlsa=("3 1 1",),
         expect={**SECURE, **STARTTLS_OK, **DANE_PASS, "starttls.hosts[0].certificate.webpki_valid": False}),
    mail("cert-self-signed.fi", "self-signed certificate pinned by DANE-EE", smtp=Smtp(cert="self-signed"),
         tlsa=("3 1 1",),
         expect={**SECURE, **STARTTLS_OK, **DANE_PASS, "starttls.hosts[0].certificate.webpki_valid": False}),
    mail("cert-untrusted.fi", "certificate from a CA outside the bundle, pinned by DANE-EE",
         smtp=Smtp(cert="untrusted"), tlsa=("3 1 1",),
         expect={**SECURE, **STARTTLS_OK, **DANE_PASS, "starttls.hosts[0].certificate.webpki_valid": False}),
    mail("cert-wrong-name.fi", "certificate for another name; DANE-EE ignores names (RFC 7672 3.1.1)",
         smtp=Smtp(cert="wrong-name"), tlsa=("3 1 1",),
         expect={**SECURE, **STARTTLS_OK, **DANE_PASS, "starttls.hosts[0].certificate.webpki_valid": False}),
)

# -- DANE --------------------------------------------------------------------------------------

DANE = (
    mail("dane-ta.fi", "DANE-TA 2 0 1 of the intermediate, server sends leaf + intermediate", tlsa=("2 0 1",),
         expect={**SECURE, **STARTTLS_OK, **DANE_PASS}),
    mail("dane-ta-spki.fi", "DANE-TA 2 1 1 of the intermediate's key", tlsa=("2 1 1",),
         expect={**SECURE, **DANE_PASS}),
    mail("dane-ta-leaf-only.fi", "DANE-TA 2 0 1 but the server omits the intermediate (RFC 7671 5.2.2)",
         tlsa=("2 0 1",), smtp=Smtp(chain="leaf"), expect={**SECURE, **STARTTLS_OK, **DANE_FAIL}),
    mail("dane-ta-wrong-name.fi", "DANE-TA 2 0 1, leaf for another name: DANE-TA checks names (RFC 7672 3.2.2)",
         tlsa=("2 0 1",), smtp=Smtp(cert="wrong-name"), expect={**SECURE, **DANE_FAIL}),
    mail("dane-ee-cert.fi", "DANE-EE 3 0 1: digest of the whole certificate", tlsa=("3 0 1",),
         expect={**SECURE, **DANE_PASS}),
    mail("dane-ee-sha512.fi", "DANE-EE 3 1 2: SHA-512 of the key", tlsa=("3 1 2",), expect={**SECURE, **DANE_PASS}),
    mail("dane-ee-leaf-only.fi", "DANE-EE 3 1 1, server sends only its leaf (fine for DANE, not for WebPKI)",
         tlsa=("3 1 1",), smtp=Smtp(chain="leaf"),
         expect={**SECURE, **DANE_PASS, "starttls.hosts[0].certificate.webpki_valid": False}),
    mail("dane-wrong-hash.fi", "a usable 3 1 1 record whose digest matches nothing", tlsa=("3 1 1 wrong",),
         expect={**SECURE, **STARTTLS_OK, **DANE_FAIL}),
    mail("dane-rollover.fi", "two 3 1 1 records: the next key and the current one", tlsa=("3 1 1 wrong", "3 1 1"),
         expect={**SECURE, **DANE_PASS}),
    mail("dane-mixed-usages.fi", "PKIX-EE 1 1 1 next to DANE-EE 3 1 1: the usable one counts",
         tlsa=("1 1 1", "3 1 1"), expect={**SECURE, **DANE_PASS}),
    mail("dane-pkix-only.fi", "only PKIX-TA/PKIX-EE records: unusable for SMTP (RFC 7672 3.1.3)",
         tlsa=("0 0 1", "1 1 1"),
         expect={**SECURE, "dane.status": "invalid", "dane.hosts[0].tlsa": "unusable"}),
    mail("dane-short-digest.fi", "3 1 1 with a 2-byte digest: wrong length for SHA-256, unusable",
         tlsa=("raw 3 1 1 abcd",), expect={**SECURE, "dane.status": "invalid", "dane.hosts[0].tlsa": "unusable"}),
    mail("dane-malformed.fi", "TLSA RDATA of two bytes (TYPE52 generic data): malformed",
         tlsa=("generic 0301",), expect={**SECURE, "dane.status": "invalid", "dane.hosts[0].tlsa": "invalid"}),
    mail("dane-insecure.fi", "correct 3 1 1 records in an unsigned zone: senders ignore them", dns="unsigned",
         tlsa=("3 1 1",), expect={**INSECURE, "dane.status": "invalid", "dane.hosts[0].tlsa": "insecure"}),
    mail("dane-bogus.fi", "the TLSA signature expired, everything else validates", tlsa=("3 1 1",),
         tlsa_sig="expired", expect={**SECURE, "dane.status": "invalid", "dane.hosts[0].tlsa": "bogus"}),
    mail("dane-bogus-nosig.fi", "the TLSA RRset has no RRSIG in a signed zone", tlsa=("3 1 1",), tlsa_sig="missing",
         expect={**SECURE, "dane.status": "invalid", "dane.hosts[0].tlsa": "bogus"}),
    mail("dane-tlsa-error.fi", "the TLSA name is delegated to a dead server: the lookup fails",
         records=dead("_tcp.mx1"), expect={**SECURE, **STARTTLS_OK, "dane.status": "error",
                                           "dane.hosts[0].tlsa": "error"}),
    mail("dane-none.fi", "signed, STARTTLS fine, no TLSA anywhere",
         expect={**SECURE, **STARTTLS_OK, "dane.status": "none", "dane.hosts[0].tlsa": "none",
                 "dane.hosts[0].match": "not-tested"}),
    mail("dane-not-tested.fi", "valid TLSA but nothing listens on port 25: nothing to compare",
         tlsa=("3 1 1",), smtp=Smtp("refused"),
         expect={**SECURE, "dane.status": "all", "dane.hosts[0].tlsa": "valid", "dane.hosts[0].match": "not-tested",
                 "dane.verified": "not-tested", "starttls.hosts[0].status": "unreachable"}),
    Scenario("dane-some.fi", "two MX hosts, only the first publishes TLSA (thesis: 13 such domains)",
             mx=("10 mx1.dane-some.fi", "20 mx2.dane-some.fi"),
             hosts=(Host("mx1.dane-some.fi", tlsa=("3 1 1",)), Host("mx2.dane-some.fi")),
             expect={**SECURE, "dane.status": "some", "dane.hosts[0].tlsa": "valid", "dane.hosts[0].match": "pass",
                     "dane.hosts[1].tlsa": "none", "dane.verified": "all"}),
    Scenario("dane-verified-some.fi", "two hosts with valid TLSA; the second's digest is wrong",
             mx=("10 mx1.dane-verified-some.fi", "20 mx2.dane-verified-some.fi"),
             hosts=(Host("mx1.dane-verified-some.fi", tlsa=("3 1 1",)),
                    Host("mx2.dane-verified-some.fi", tlsa=("3 1 1 wrong",))),
             expect={**SECURE, "dane.status": "all", "dane.hosts[0].match": "pass", "dane.hosts[1].tlsa": "valid",
                     "dane.hosts[1].match": "fail", "dane.verified": "some"}),
    Scenario("mx-cname-dane.fi", "the MX target is a signed CNAME to a provider host with TLSA only at its own "
             "name: the expanded name is the TLSA base domain (RFC 7672 2.2.3)",
             mx=("10 mail.mx-cname-dane.fi",), records=("mail CNAME mx2.provider.fi.",),
             expect={**SECURE, **STARTTLS_OK, **DANE_PASS, "dane.hosts[0].tlsa_base_domain": "mx2.provider.fi"}),
)

# -- shared provider (thesis 5.1: most DANE domains use a handful of provider MX hosts) --------

PROVIDER = (
    Scenario("customer-a.fi", "MX at the shared provider (3 1 1 + 2 0 1), MTA-STS with a wildcard pattern",
             mx=("10 mx1.provider.fi", "20 mx2.provider.fi"), mta_sts=STS, tls_rpt=RPT,
             policy=Policy(body=policy_text("enforce", ("*.provider.fi",))),
             expect={**SECURE, "dane.status": "all", "dane.verified": "all", "dane.hosts[1].match": "pass",
                     **STS_OK, "tls_rpt.status": "valid"}),
    Scenario("customer-b.fi", "another domain on the same provider MX", mx=("10 mx1.provider.fi",),
             expect={**SECURE, **DANE_PASS}),
    Scenario("customer-unsigned.fi", "unsigned domain whose MX is the signed provider", dns="unsigned",
             mx=("10 mx1.provider.fi",),
             expect={"dnssec.status": "insecure", "mx.status": "present", "mx.hosts[0].dnssec": "secure"}),
)

# -- MTA-STS (thesis Table 13 rows) --------------------------------------------------------------

MTA_STS = (
    sts("sts-testing.fi", "valid policy in testing mode", policy=Policy(body=policy_text("testing", ("mx1.sts-testing.fi",))),
        expect={**STS_OK, "mta_sts.policy.mode": "testing"}),
    sts("sts-mode-none.fi", "valid policy in mode none (opting out)",
        policy=Policy(body=policy_text("none", ("mx1.sts-mode-none.fi",))),
        expect={**STS_OK, "mta_sts.policy.mode": "none"}),
    sts("sts-lf.fi", "policy lines end in LF only (RFC 8461 3.2 allows it), charset parameter",
        policy=Policy(body="version: STSv1\nmode: enforce\nmx: mx1.sts-lf.fi\nmax_age: 604800\n",
                      content_type="text/plain; charset=utf-8"),
        expect={**STS_OK, "mta_sts.policy.mode": "enforce", "mta_sts.policy.max_age": 604800}),
    sts("sts-split-record.fi", "the TXT record split into two strings mid-value; joined without spaces",
        mta_sts=('"v=STSv1; id=2024" "0101"',), policy=Policy(), expect={**STS_OK}),
    sts("sts-big-txt.fi", "forty unrelated TXT records beside the STS one: the answer needs TCP",
        mta_sts=(*STS, *[f"unrelated-verification-token-{k:02d}-" + "x" * 80 for k in range(40)]),
        tls_rpt=(*RPT, *[f"other-{k:02d}-" + "y" * 90 for k in range(20)]), policy=Policy(),
        expect={**STS_OK, "tls_rpt.status": "valid"}),
    sts("sts-no-record.fi", "policy file served, no _mta-sts record (thesis: 17 domains)", mta_sts=(),
        policy=Policy(), expect={"mta_sts.status": "invalid", "mta_sts.record.status": "missing",
                                 "mta_sts.policy_host.status": "resolves", "mta_sts.policy.status": "valid"}),
    sts("sts-no-host.fi", "_mta-sts record but no mta-sts host (thesis: 10 domains)",
        expect={"mta_sts.status": "invalid", "mta_sts.record.status": "valid",
                "mta_sts.policy_host.status": "missing"}),
    sts("sts-record-invalid.fi", "v=STSv1 with an empty id", mta_sts=("v=STSv1; id=",), policy=Policy(),
        expect={"mta_sts.status": "invalid", "mta_sts.record.status": "invalid"}),
    sts("sts-record-multiple.fi", "two v=STSv1 records (RFC 8461 3.1: treat as no record)",
        mta_sts=("v=STSv1; id=1", "v=STSv1; id=2"), policy=Policy(),
        expect={"mta_sts.status": "invalid", "mta_sts.record.status": "multiple"}),
    sts("sts-record-error.fi", "_mta-sts and mta-sts both delegated to a dead server", mta_sts=(),
        records=(*dead("_mta-sts"), *dead("mta-sts")),
        expect={"mta_sts.status": "error", "mta_sts.record.status": "error", "mta_sts.policy_host.status": "error"}),
    sts("sts-dns.fi", "valid record; the policy host's lookup fails (thesis: couldn't resolve hostname)",
        records=dead("mta-sts"),
        expect={"mta_sts.policy_host.status": "error", "mta_sts.policy.status": "fetch-error",
                "mta_sts.policy.fetch_error": "dns", "mta_sts.status": "invalid"}),
    sts("sts-tcp.fi", "the policy host refuses TCP", policy=Policy(behaviour="refused"),
        expect={**FETCH_FAILED, "mta_sts.policy.fetch_error": "tcp", "mta_sts.policy_host.status": "resolves"}),
    sts("sts-timeout.fi", "the policy host accepts TCP and never answers", policy=Policy(behaviour="silent"),
        expect={"mta_sts.policy.status": "fetch-error", "mta_sts.policy.fetch_error": "timeout"}),
    sts("sts-trickle.fi", "the policy host sends one byte a second", policy=Policy(behaviour="trickle"),
        expect={**FETCH_FAILED, "mta_sts.policy.fetch_error": "timeout"}),
    sts("sts-tls.fi", "the policy host answers the ClientHello in plain text", policy=Policy(behaviour="bad-handshake"),
        expect={**FETCH_FAILED, "mta_sts.policy.fetch_error": "tls"}),
    sts("sts-cert-name.fi", "policy host certificate for another name", policy=Policy(cert="wrong-name"),
        expect={"mta_sts.policy.status": "fetch-error", "mta_sts.policy.fetch_error": "certificate"}),
    sts("sts-cert-untrusted.fi", "policy host certificate from an untrusted CA", policy=Policy(cert="untrusted"),
        expect={"mta_sts.policy.status": "fetch-error", "mta_sts.policy.fetch_error": "certificate"}),
    sts("sts-cert-expired.fi", "policy host certificate expired", policy=Policy(cert="expired"),
        expect={"mta_sts.policy.status": "fetch-error", "mta_sts.policy.fetch_error": "certificate"}),
    sts("sts-404.fi", "no policy file: 404", policy=Policy(status=404, body="not found\n"),
        expect={**FETCH_FAILED, "mta_sts.policy.fetch_error": "http-status", "mta_sts.policy.http_status": 404}),
    sts("sts-redirect-301.fi", "301 to a landing page (RFC 8461 3.3: redirects are not followed)",
        policy=Policy(behaviour="redirect", status=301),
        expect={"mta_sts.policy.status": "fetch-error", "mta_sts.policy.fetch_error": "redirect"}),
    sts("sts-redirect-302.fi", "302 to a landing page", policy=Policy(behaviour="redirect", status=302),
        expect={"mta_sts.policy.status": "fetch-error", "mta_sts.policy.fetch_error": "redirect"}),
    sts("sts-html.fi", "placeholder page: 200 text/html to every path (thesis 5.2)",
        policy=Policy(behaviour="placeholder"),
        expect={"mta_sts.policy.status": "fetch-error", "mta_sts.policy.fetch_error": "content-type"}),
    sts("sts-too-large.fi", "a policy body over 64 KiB", policy=Policy(behaviour="huge"),
        expect={"mta_sts.policy.status": "fetch-error", "mta_sts.policy.fetch_error": "too-large"}),
    sts("sts-garbage.fi", "TLS works, the reply is not HTTP", policy=Policy(behaviour="garbage"),
        expect={**FETCH_FAILED, "mta_sts.policy.fetch_error": "other"}),
    sts("sts-policy-invalid.fi", "text/plain 200 without mx and max_age",
        policy=Policy(body="version: STSv1\r\nmode: enforce\r\n"),
        expect={"mta_sts.policy.status": "invalid", "mta_sts.policy.fetch_error": None, "mta_sts.status": "invalid"}),
    sts("sts-placeholder-text.fi", "a catch-all server answering 200 text/plain 'OK' (thesis 5.2)",
        policy=Policy(body="OK\n"), expect={"mta_sts.policy.status": "invalid", "mta_sts.status": "invalid"}),
    Scenario("wildcard.fi", "thesis 5.2: '* A' sends mta-sts.wildcard.fi to a generic host with the wrong "
                            "certificate; no _mta-sts record", mx=("10 mx1.provider.fi",),
             records=("* A {generic_web}",),
             expect={**SECURE, "mta_sts.record.status": "missing", "mta_sts.policy_host.status": "resolves",
                     "mta_sts.policy.status": "fetch-error", "mta_sts.policy.fetch_error": "certificate",
                     "mta_sts.status": "invalid"}),
)

# -- TLS-RPT -------------------------------------------------------------------------------

TLS_RPT = (
    mail("rpt-https.fi", "TLS-RPT with an https rua", tls_rpt=("v=TLSRPTv1; rua=https://reports.fi/tlsrpt",),
         expect={**SECURE, "tls_rpt.status": "valid"}),
    mail("rpt-invalid.fi", "TLS-RPT with an ftp: rua (RFC 8460 3: mailto or https only)",
         tls_rpt=("v=TLSRPTv1; rua=ftp://reports.fi/",), expect={**SECURE, "tls_rpt.status": "invalid"}),
    mail("rpt-multiple.fi", "two TLS-RPT records", tls_rpt=(*RPT, "v=TLSRPTv1; rua=mailto:other@reports.fi"),
         expect={**SECURE, "tls_rpt.status": "multiple"}),
    mail("rpt-error.fi", "_smtp._tls delegated to a dead server", records=dead("_tls"),
         expect={**SECURE, "tls_rpt.status": "error"}),
)

# -- IPv6: every MX address is probed, A and AAAA alike (addresses.py: the range's fd00: /48) --------
# starttls.hosts has one entry per address, IPv4 before IPv6.

IPV6_SCENARIOS = (
    Scenario("ipv6-only.fi", "the MX host has only an AAAA record: STARTTLS and DANE-EE 3 1 1 over IPv6",
             mx=("10 mx1.ipv6-only.fi",), hosts=(Host("mx1.ipv6-only.fi", tlsa=("3 1 1",), family="ipv6"),),
             expect={**SECURE, **STARTTLS_OK, **DANE_PASS, "starttls.hosts[0].address": IPV6}),
    Scenario("dual-stack.fi", "A and AAAA, STARTTLS and DANE-EE 3 1 1 on both: one probe per address",
             mx=("10 mx1.dual-stack.fi",), hosts=(Host("mx1.dual-stack.fi", tlsa=("3 1 1",), family="dual"),),
             expect={**SECURE, **STARTTLS_OK, **DANE_PASS, "starttls.hosts[0].address": IPV4,
                     "starttls.hosts[1].name": "mx1.dual-stack.fi", "starttls.hosts[1].address": IPV6,
                     "starttls.hosts[1].status": "ok"}),
    Scenario("dual-stack-broken6.fi", "A and AAAA; the IPv4 address works, nothing listens on the IPv6 one",
             mx=("10 mx1.dual-stack-broken6.fi",),
             hosts=(Host("mx1.dual-stack-broken6.fi", family="dual", smtp6=Smtp("refused")),),
             expect={**SECURE, **STARTTLS_OK, "starttls.hosts[0].address": IPV4,
                     "starttls.hosts[1].name": "mx1.dual-stack-broken6.fi", "starttls.hosts[1].address": IPV6,
                     "starttls.hosts[1].status": "unreachable"}),
)

# -- hostile and odd configurations: each must end in a report with clear status words ------------

HOSTILE = (
    Scenario("cname-loop.fi", "the MX target, _mta-sts, mta-sts and _smtp._tls are CNAME loops",
             mx=("10 mail.cname-loop.fi",), mta_sts=(), tls_rpt=(),
             records=("mail CNAME loop.cname-loop.fi.", "loop CNAME mail.cname-loop.fi.",
                      "_mta-sts CNAME _mta-sts.cname-loop.fi.", "mta-sts CNAME mta-sts.cname-loop.fi.",
                      "_smtp._tls CNAME _smtp._tls.cname-loop.fi."),
             expect={"dnssec.status": "secure", "mx.status": "present", "mx.hosts[0].dnssec": "error",
                     "starttls.hosts[0].status": "skipped", "mta_sts.status": "error",
                     "tls_rpt.status": "error"}),
    Scenario("many-addresses.fi", "the MX host has twenty A records, nineteen where nothing listens: "
                                  "the first eight are probed, the rest listed as skipped",
             mx=("10 mx1.many-addresses.fi",), hosts=(Host("mx1.many-addresses.fi"),),
             records=tuple(f"mx1 A {{prefix}}.0.{20 + k}" for k in range(19)),
             expect={**SECURE, "starttls.hosts[0].status": "unreachable", "starttls.hosts[7].status": "unreachable",
                     "starttls.hosts[8].status": "skipped", "starttls.hosts[19].status": "skipped",
                     "starttls.hosts[19].name": "mx1.many-addresses.fi"}),
    mail("dane-many-tlsa.fi", "sixty 3 1 1 records, the matching one sorting last: more than the "
                              "50 records the report lists, yet it must be found",
         tlsa=(*(f"raw 3 1 1 {k:064x}" for k in range(1, 60)), "3 1 1"),
         expect={**SECURE, **STARTTLS_OK, **DANE_PASS}),
    sts("sts-mixed-addresses.fi", "the policy host resolves to 10.0.0.1 and to an allowed address: "
                                  "only the allowed one is contacted",
        policy=Policy(), records=("mta-sts A 10.0.0.1",),
        expect={**STS_OK, "mta_sts.policy.mode": "enforce"}),
)

SCENARIOS = (*DNS_AND_MX, *STARTTLS, *DANE, *PROVIDER, *MTA_STS, *TLS_RPT, *IPV6_SCENARIOS, *HOSTILE)
