"""The scenario catalogue (see model.py for the vocabulary)."""
from .model import Host, Policy, Scenario, Smtp, policy_text

INFRASTRUCTURE = (
    Scenario("provider.fi", "shared mail provider: many domains point their MX here", infrastructure=True,
             hosts=(Host("mx1.provider.fi", tlsa=("3 1 1",)), Host("mx2.provider.fi", tlsa=("3 1 1",)))),
)

SCENARIOS = (
    Scenario("dane-ok.fi", "everything right",
             mx=("10 mx1.dane-ok.fi",), hosts=(Host("mx1.dane-ok.fi", tlsa=("3 1 1",)),),
             mta_sts=("v=STSv1; id=20240101",), tls_rpt=("v=TLSRPTv1; rua=mailto:tlsrpt@dane-ok.fi",),
             policy=Policy()),
    Scenario("unsigned.fi", "unsigned", dns="unsigned", mx=("10 mx1.unsigned.fi",), hosts=(Host("mx1.unsigned.fi"),)),
    Scenario("bogus-ds.fi", "bogus ds", dns="bogus-ds", mx=("10 mx1.bogus-ds.fi",), hosts=(Host("mx1.bogus-ds.fi"),)),
    Scenario("lame.fi", "lame", dns="lame", mx=("10 mx1.lame.fi",)),
)
SCENARIOS += (
    Scenario("signed-no-ds.fi", "island", dns="signed-no-ds", mx=("10 mx1.provider.fi",)),
    Scenario("bogus-expired.fi", "expired", dns="bogus-expired", mx=("10 mx1.provider.fi",)),
    Scenario("bogus-nosig.fi", "nosig", dns="bogus-nosig", mx=("10 mx1.provider.fi",)),
)
