"""Scenarios the grading needs beyond the rest of the catalogue (vocabulary: model.py).

Part of catalogue(); their grades are asserted by tests/test_grading_golden.py
(tests/grading_expectations.py) like every other scenario's.
"""
from .model import Host, Policy, Scenario, Smtp, policy_text
from .scenarios import DANE_FAIL, DANE_PASS, NO_STS, RPT, SECURE, STARTTLS_OK, STS, STS_OK

BAD_CERT = {**SECURE, **STS_OK, **STARTTLS_OK, "starttls.hosts[0].certificate.webpki_valid": False,
            "dane.status": "none", "tls_rpt.status": "valid"}

SCENARIOS = (
    Scenario("all-controls.fi", "every control of thesis 6.1: DNSSEC, DANE-EE 3 1 1 with the next key's record, "
             "MTA-STS enforce, TLS-RPT",
             mx=("10 mx1.all-controls.fi",), hosts=(Host("mx1.all-controls.fi", tlsa=("3 1 1 wrong", "3 1 1")),),
             mta_sts=STS, tls_rpt=RPT, policy=Policy(body=policy_text("enforce", ("mx1.all-controls.fi",), 1209600)),
             expect={**SECURE, **DANE_PASS, **STARTTLS_OK, **STS_OK, "mta_sts.policy.mode": "enforce",
                     "starttls.hosts[0].certificate.webpki_valid": True, "tls_rpt.status": "valid"}),
    Scenario("sts-enforce-badcert.fi", "MTA-STS enforce, but the MX certificate is expired and there is no DANE",
             mx=("10 mx1.sts-enforce-badcert.fi",),
             hosts=(Host("mx1.sts-enforce-badcert.fi", smtp=Smtp(cert="expired")),),
             mta_sts=STS, tls_rpt=RPT, policy=Policy(),
             expect={**BAD_CERT, "mta_sts.policy.mode": "enforce"}),
    Scenario("sts-testing-badcert.fi", "the same expired MX certificate under MTA-STS testing: only reported",
             mx=("10 mx1.sts-testing-badcert.fi",),
             hosts=(Host("mx1.sts-testing-badcert.fi", smtp=Smtp(cert="expired")),),
             mta_sts=STS, tls_rpt=RPT,
             policy=Policy(body=policy_text("testing", ("mx1.sts-testing-badcert.fi",))),
             expect={**BAD_CERT, "mta_sts.policy.mode": "testing"}),
    Scenario("dane-no-starttls.fi", "valid TLSA records, but the server stopped offering STARTTLS",
             mx=("10 mx1.dane-no-starttls.fi",),
             hosts=(Host("mx1.dane-no-starttls.fi", smtp=Smtp(behaviour="no-starttls"), tlsa=("3 1 1",)),),
             # RFC 7672 2.2: usable TLSA records demand TLS, so no STARTTLS is a failed match
             expect={**SECURE, **NO_STS, **DANE_FAIL, "starttls.hosts[0].status": "not-offered"}),
)
