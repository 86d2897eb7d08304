"""Scenarios for monitoring (checker/monitoring/): key rollovers, before and after (vocabulary: model.py).

Part of catalogue(). rollover-switch.fi has a next key that is NOT in DNS: a test calls
Network.present_next_key("mx1.rollover-switch.fi") between two checks, so its TLSA record
stops matching, as when a certificate is renewed with a new key and nobody updates DNS.
"""
from .model import Host, Scenario, Smtp
from .scenarios import DANE_PASS, NO_STS, RPT, SECURE, STARTTLS_OK

ROLLOVER = {**SECURE, **DANE_PASS, **STARTTLS_OK, **NO_STS, "tls_rpt.status": "valid"}

SCENARIOS = (
    Scenario("rollover-switch.fi", "DANE-EE 3 1 1 of the current key only; the server can switch to a new key",
             mx=("10 mx1.rollover-switch.fi",),
             hosts=(Host("mx1.rollover-switch.fi", tlsa=("3 1 1",), next_key=True),),
             tls_rpt=RPT, expect={**ROLLOVER, "dane.hosts[0].unmatched_records": []}),
    Scenario("rollover-due.fi", "the certificate expires in 10 days and only the current key has a TLSA record",
             mx=("10 mx1.rollover-due.fi",),
             hosts=(Host("mx1.rollover-due.fi", smtp=Smtp(cert="expiring-soon"), tlsa=("3 1 1",)),),
             tls_rpt=RPT, expect={**ROLLOVER, "dane.hosts[0].unmatched_records": []}),
    Scenario("rollover-ready.fi", "the certificate expires in 10 days; the next key's 3 1 1 record is published",
             mx=("10 mx1.rollover-ready.fi",),
             hosts=(Host("mx1.rollover-ready.fi", smtp=Smtp(cert="expiring-soon"), tlsa=("3 1 1", "3 1 1 next"),
                         next_key=True),),
             tls_rpt=RPT, expect=ROLLOVER),
)
