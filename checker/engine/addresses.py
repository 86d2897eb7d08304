"""Which addresses the checker may connect to.

Domains are named by strangers; an MX or policy host pointing at 127.0.0.1, 10.x or
fe80:: must never make us connect inside our own network (SSRF). Only globally
routable addresses are contacted, plus networks the operator lists explicitly in
CHECKER_ALLOWED_NETWORKS (the test network uses this). IPv6 forms that carry an IPv4
address (mapped, NAT64, 6to4, Teredo) are judged by the IPv4 address they reach.
"""
import ipaddress

NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 2.1: last 32 bits are IPv4
NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: operator-local translation


def _reached_address(ip):
    """The address a packet to `ip` ends up at, as far as the address itself tells."""
    if isinstance(ip, ipaddress.IPv4Address):
        return ip
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in NAT64_WELL_KNOWN:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour is not None:  # RFC 3056
        return ip.sixtofour
    if ip.teredo is not None:  # RFC 4380: (server, client)
        return ip.teredo[1]
    return ip


def _listed(ip, config) -> bool:
    return any(ip.version == net.version and ip in net for net in config.allowed_networks)


def is_allowed(address: str, config) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    reached = _reached_address(ip)
    if _listed(ip, config) or _listed(reached, config):
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip in NAT64_LOCAL_USE:
        return False  # translated by some local gateway to an address we cannot see
    return reached.is_global and not reached.is_multicast and not ip.is_multicast
