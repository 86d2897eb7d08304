"""The rule that keeps the checker out of private networks (SSRF)."""
import ipaddress

import pytest

from checker.engine.addresses import is_allowed
from checker.engine.config import EngineConfig

PUBLIC_ONLY = EngineConfig()
TEST_RANGE = EngineConfig(allowed_networks=(ipaddress.ip_network("127.53.0.0/16"),))


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "100.64.0.1", "169.254.1.1", "0.0.0.0",
    "255.255.255.255", "224.0.0.1", "::1", "fe80::1", "fc00::1", "::", "ff02::1",
    "::ffff:10.0.0.1",          # IPv4-mapped
    "64:ff9b::a00:1",           # NAT64 of 10.0.0.1 (RFC 6052)
    "64:ff9b::7f00:1",          # NAT64 of 127.0.0.1
    "64:ff9b:1::808:808",       # local-use NAT64 prefix (RFC 8215)
    "2002:a00:1::1",            # 6to4 of 10.0.0.1 (RFC 3056)
    "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, client 10.0.0.1 (RFC 4380)
    "not an address", "",
])
def test_non_public_addresses_are_never_allowed(address):
    assert not is_allowed(address, PUBLIC_ONLY)


@pytest.mark.parametrize("address", ["8.8.8.8", "2a00:1450:4001:80b::200e", "64:ff9b::808:808", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(address):
    assert is_allowed(address, PUBLIC_ONLY)


def test_listed_networks_are_allowed_and_nothing_else_private():
    assert is_allowed("127.53.24.10", TEST_RANGE)
    assert not is_allowed("127.0.0.1", TEST_RANGE)
    assert not is_allowed("10.0.0.1", TEST_RANGE)
