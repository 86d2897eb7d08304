"""Survey profiles of check_domain: the same DNS queries, fewer connections."""
import pytest

from checker.engine.run import check_domain


def test_the_dns_profile_probes_no_mx_and_fetches_no_policy(fakenet):
    report = check_domain("customer-a.fi", fakenet.config, profile="dns")
    assert report["dnssec"]["status"] == "secure" and report["dane"]["status"] == "all"
    assert report["starttls"]["hosts"] and {h["status"] for h in report["starttls"]["hosts"]} == {"skipped"}
    assert report["dane"]["verified"] == "not-tested"
    assert report["mta_sts"]["policy"]["status"] == "not-fetched"
    assert report["mta_sts"]["policy_host"]["status"] == "resolves"


def test_the_dns_https_profile_fetches_the_policy_but_probes_no_mx(fakenet):
    report = check_domain("customer-a.fi", fakenet.config, profile="dns+https")
    assert report["mta_sts"]["policy"]["status"] == check_domain("customer-a.fi", fakenet.config)["mta_sts"]["policy"]["status"]
    assert report["mta_sts"]["policy"]["status"] != "not-fetched"
    assert {h["status"] for h in report["starttls"]["hosts"]} == {"skipped"}


def test_an_unknown_profile_is_refused():
    with pytest.raises(ValueError, match="unknown profile"):
        check_domain("example.fi", None, profile="everything")
