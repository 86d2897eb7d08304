"""MX host names against policy mx patterns (RFC 8461 4.1)."""


def _norm(name: str) -> str:
    # DNS names compare case-insensitively; an MX target may carry its root dot.
    name = name.strip().lower()
    return name[:-1] if name.endswith(".") else name


def mx_matches(host: str, pattern: str) -> bool:
    """RFC 8461 4.1: "*.example.fi" matches exactly one extra leftmost label."""
    host, pattern = _norm(host), _norm(pattern)
    if not host or not pattern:
        return False
    if pattern.startswith("*."):
        suffix = pattern[1:]  # ".example.fi"
        if len(suffix) < 2 or not host.endswith(suffix):
            return False
        label = host[: -len(suffix)]
        return bool(label) and "." not in label
    return host == pattern


def coverage(hosts, patterns) -> tuple[list[str], list[str]]:
    """(covered, uncovered) MX host names, each in the order given."""
    covered, uncovered = [], []
    for host in hosts:
        (covered if any(mx_matches(host, p) for p in patterns) else uncovered).append(host)
    return covered, uncovered


def unused_patterns(hosts, patterns) -> list[str]:
    return [p for p in patterns if not any(mx_matches(h, p) for h in hosts)]
