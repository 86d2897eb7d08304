"""Which addresses the checker may connect to.

Domains are named by strangers; an MX or policy host pointing at 127.0.0.1, 10.x or
fe80:: must never make us connect inside our own network (SSRF). Only globally
routable addresses are contacted, plus networks the operator lists explicitly in
CHECKER_ALLOWED_NETWORKS (the test network uses this).
"""
import ipaddress


def is_allowed(address: str, config) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip.version == net.version and ip in net for net in config.allowed_networks):
        return True
    return ip.is_global and not ip.is_multicast
