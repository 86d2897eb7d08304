"""MTA-STS and TLS-RPT scenarios of the catalogue (vocabulary: model.py), part of catalogue().

Every contract status word of `mta_sts` and `tls_rpt` and every `fetch_error` word is
produced by at least one scenario of DOMAINS (tests/test_mta_sts_fakenet.py asserts it).
Five of DOMAINS (SHARED) were identical in kind to entries of scenarios.py and live
there only, their expectations merged in; SCENARIOS holds the other nineteen.
"""
from .model import Host, Policy, Scenario, policy_text

RECORD = ("v=STSv1; id=20240101",)
RPT = ("v=TLSRPTv1; rua=mailto:tlsrpt@example.fi",)


def _one_mx(domain, **more):
    return dict(mx=(f"10 mx1.{domain}",), hosts=(Host(f"mx1.{domain}"),), **more)


def sts(domain, description, policy=Policy(), record=RECORD, rpt=RPT, expect=None, **more):
    fields = _one_mx(domain)
    fields.update(more)
    return Scenario(domain, description, mta_sts=record, tls_rpt=rpt, policy=policy, expect=expect or {},
                    **fields)


def fetch_error(word):
    return {"mta_sts.status": "invalid", "mta_sts.record.status": "valid", "mta_sts.policy.status": "fetch-error",
            "mta_sts.policy.fetch_error": word}


SCENARIOS = (
    sts("sts-ok.fi", "valid record, valid enforce policy covering the MX, TLS-RPT",
        policy=Policy(body=policy_text("enforce", ("mx1.sts-ok.fi",), 1209600)),
        expect={"mta_sts.status": "valid", "mta_sts.record.status": "valid", "mta_sts.record.id": "20240101",
                "mta_sts.policy_host.status": "resolves", "mta_sts.policy.status": "valid",
                "mta_sts.policy.fetch_error": None, "mta_sts.policy.http_status": 200,
                "mta_sts.policy.mode": "enforce", "mta_sts.policy.max_age": 1209600,
                "mta_sts.policy.mx": ["mx1.sts-ok.fi"],
                "mta_sts.mx_coverage": {"covered": ["mx1.sts-ok.fi"], "uncovered": []},
                "tls_rpt.status": "valid", "tls_rpt.rua": ["mailto:tlsrpt@example.fi"]}),
    sts("sts-split.fi", "record and TLS-RPT split over several TXT strings (joined without spaces)",
        record=('"v=STSv1; " "id=2024" "0101"',), rpt=('"v=TLSRPTv1; rua=mailto:" "tlsrpt@example.fi"',),
        expect={"mta_sts.record.status": "valid", "mta_sts.record.id": "20240101", "tls_rpt.status": "valid",
                "tls_rpt.rua": ["mailto:tlsrpt@example.fi"]}),
    sts("sts-none.fi", "no MTA-STS, no TLS-RPT", policy=None, record=(), rpt=(),
        expect={"mta_sts.status": "none", "mta_sts.record.status": "missing",
                "mta_sts.policy_host.status": "missing", "mta_sts.policy.status": "not-fetched",
                "mta_sts.policy.fetch_error": None, "tls_rpt.status": "none"}),
    sts("sts-multiple.fi", "two v=STSv1 records, two TLS-RPT records",
        record=("v=STSv1; id=1", "v=STSv1; id=2"),
        rpt=("v=TLSRPTv1; rua=mailto:a@example.fi", "v=TLSRPTv1; rua=mailto:b@example.fi"),
        expect={"mta_sts.status": "invalid", "mta_sts.record.status": "multiple", "mta_sts.record.id": None,
                "tls_rpt.status": "multiple"}),
    sts("sts-badrecord.fi", "id with hyphens; TLS-RPT with an http: URI",
        record=("v=STSv1; id=2024-01-01",), rpt=("v=TLSRPTv1; rua=http://reports.example.fi/",),
        expect={"mta_sts.status": "invalid", "mta_sts.record.status": "invalid", "mta_sts.policy.status": "valid",
                "tls_rpt.status": "invalid"}),
    sts("sts-txterror.fi", "the _mta-sts and _smtp._tls TXT signatures expired: bogus",
        break_sigs=(("_mta-sts", "TXT", "expired"), ("_smtp._tls.sts-txterror.fi", "TXT", "expired")),
        expect={"mta_sts.status": "error", "mta_sts.record.status": "error", "tls_rpt.status": "error"}),
    sts("sts-policyonly.fi", "a policy host and policy, but no TXT record", record=(),
        expect={"mta_sts.status": "invalid", "mta_sts.record.status": "missing", "mta_sts.policy.status": "valid"}),
    sts("sts-nohost.fi", "a TXT record, but mta-sts.<domain> does not resolve", policy=None,
        expect={"mta_sts.status": "invalid", "mta_sts.policy_host.status": "missing",
                **{k: v for k, v in fetch_error("dns").items() if k != "mta_sts.status"}}),
    sts("sts-hosterror.fi", "the policy host's A signature expired: bogus",
        break_sigs=(("mta-sts", "A", "expired"),),
        expect={"mta_sts.policy_host.status": "error", **fetch_error("dns")}),
    sts("sts-silent.fi", "the policy host accepts TCP and never answers", policy=Policy(behaviour="silent"),
        expect=fetch_error("timeout")),
    sts("sts-certname.fi", "the policy host's certificate is for another name", policy=Policy(cert="wrong-name"),
        expect=fetch_error("certificate")),
    sts("sts-certexpired.fi", "the policy host's certificate expired", policy=Policy(cert="expired"),
        expect=fetch_error("certificate")),
    sts("sts-redirect.fi", "the policy URL redirects", policy=Policy(behaviour="redirect", status=301),
        expect={**fetch_error("redirect"), "mta_sts.policy.http_status": 301}),
    sts("sts-placeholder.fi", "a parked-domain landing page as text/html", policy=Policy(behaviour="placeholder"),
        expect=fetch_error("content-type")),
    sts("sts-huge.fi", "a policy over 64 KiB", policy=Policy(behaviour="huge"), expect=fetch_error("too-large")),
    sts("sts-private.fi", "the policy host resolves to a private address only",
        policy=None, records=("mta-sts A 10.11.12.13",),
        expect={"mta_sts.policy_host.status": "resolves", **fetch_error("other")}),
    sts("sts-badpolicy.fi", "the policy has mode Enforce (case) and no max_age",
        policy=Policy(body="version: STSv1\nmode: Enforce\nmx: mx1.sts-badpolicy.fi\n"),
        expect={"mta_sts.status": "invalid", "mta_sts.policy.status": "invalid", "mta_sts.policy.mode": None}),
    sts("sts-uncovered.fi", "enforce policy that does not list the second MX",
        mx=("10 mx1.sts-uncovered.fi", "20 mx2.sts-uncovered.fi"),
        hosts=(Host("mx1.sts-uncovered.fi"), Host("mx2.sts-uncovered.fi")),
        policy=Policy(body=policy_text("enforce", ("mx1.sts-uncovered.fi",), 1209600)),
        expect={"mta_sts.status": "valid",
                "mta_sts.mx_coverage": {"covered": ["mx1.sts-uncovered.fi"], "uncovered": ["mx2.sts-uncovered.fi"]}}),
    sts("sts-wildcard.fi", "wildcard pattern: covers mx1.<domain>, not a.b.<domain>",
        mx=("10 mx1.sts-wildcard.fi", "20 a.b.sts-wildcard.fi"),
        hosts=(Host("mx1.sts-wildcard.fi"), Host("a.b.sts-wildcard.fi")),
        policy=Policy(body=policy_text("enforce", ("*.sts-wildcard.fi",), 1209600)),
        expect={"mta_sts.mx_coverage": {"covered": ["mx1.sts-wildcard.fi"], "uncovered": ["a.b.sts-wildcard.fi"]}}),
)

# In scenarios.py (same server behaviour there; these expectations merged into its entries).
SHARED = ("sts-tcp.fi", "sts-trickle.fi", "sts-tls.fi", "sts-404.fi", "sts-garbage.fi")

# What tests/test_mta_sts_fakenet.py checks, in this list's original order.
DOMAINS = (
    "sts-ok.fi", "sts-split.fi", "sts-none.fi", "sts-multiple.fi", "sts-badrecord.fi",
    "sts-txterror.fi", "sts-policyonly.fi", "sts-nohost.fi", "sts-hosterror.fi", "sts-tcp.fi",
    "sts-silent.fi", "sts-trickle.fi", "sts-tls.fi", "sts-certname.fi", "sts-certexpired.fi",
    "sts-404.fi", "sts-redirect.fi", "sts-placeholder.fi", "sts-huge.fi", "sts-garbage.fi",
    "sts-private.fi", "sts-badpolicy.fi", "sts-uncovered.fi", "sts-wildcard.fi",
)

# Findings a correct checker must emit per scenario: (code, severity).
EXPECTED_FINDINGS = {
    "sts-ok.fi": {("mta_sts.valid", "pass"), ("tls_rpt.valid", "pass")},
    "sts-none.fi": {("mta_sts.none", "warn"), ("tls_rpt.missing", "info")},
    "sts-multiple.fi": {("mta_sts.record.multiple", "fail"), ("tls_rpt.multiple", "warn")},
    "sts-badrecord.fi": {("mta_sts.record.invalid", "fail"), ("tls_rpt.invalid", "warn")},
    "sts-policyonly.fi": {("mta_sts.record.missing", "fail")},
    "sts-nohost.fi": {("mta_sts.policy_host.missing", "fail")},
    "sts-redirect.fi": {("mta_sts.policy.redirect", "fail")},
    "sts-private.fi": {("mta_sts.policy_host.not_public", "fail")},
    "sts-badpolicy.fi": {("mta_sts.policy.invalid", "fail")},
    "sts-uncovered.fi": {("mta_sts.mx.uncovered", "fail")},
    "sts-wildcard.fi": {("mta_sts.mx.uncovered", "fail")},
}
