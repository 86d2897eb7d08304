"""Scenarios the grading needs that the shared catalogue does not have (vocabulary: tests/fakenet/model.py).

Graded together with the shared catalogue by tests/tools/gen_grading_table.py on its own
range, so nothing here changes anyone else's network.
"""
from tests.fakenet.model import Host, Policy, Scenario, Smtp, policy_text

STS = ("v=STSv1; id=20240101T000000",)
RPT = ("v=TLSRPTv1; rua=mailto:tlsrpt@reports.fi",)

SCENARIOS = (
    Scenario("all-controls.fi", "every control of thesis 6.1: DNSSEC, DANE-EE 3 1 1 with the next key's record, "
             "MTA-STS enforce, TLS-RPT",
             mx=("10 mx1.all-controls.fi",), hosts=(Host("mx1.all-controls.fi", tlsa=("3 1 1 wrong", "3 1 1")),),
             mta_sts=STS, tls_rpt=RPT, policy=Policy(body=policy_text("enforce", ("mx1.all-controls.fi",), 1209600))),
    Scenario("sts-enforce-badcert.fi", "MTA-STS enforce, but the MX certificate is expired and there is no DANE",
             mx=("10 mx1.sts-enforce-badcert.fi",),
             hosts=(Host("mx1.sts-enforce-badcert.fi", smtp=Smtp(cert="expired")),),
             mta_sts=STS, tls_rpt=RPT, policy=Policy()),
    Scenario("sts-testing-badcert.fi", "the same expired MX certificate under MTA-STS testing: only reported",
             mx=("10 mx1.sts-testing-badcert.fi",),
             hosts=(Host("mx1.sts-testing-badcert.fi", smtp=Smtp(cert="expired")),),
             mta_sts=STS, tls_rpt=RPT,
             policy=Policy(body=policy_text("testing", ("mx1.sts-testing-badcert.fi",)))),
    Scenario("dane-no-starttls.fi", "valid TLSA records, but the server stopped offering STARTTLS",
             mx=("10 mx1.dane-no-starttls.fi",),
             hosts=(Host("mx1.dane-no-starttls.fi", smtp=Smtp(behaviour="no-starttls"), tlsa=("3 1 1",)),)),
)
