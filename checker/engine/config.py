"""Settings of the engine, read from the environment (names in docs/architecture.md)."""
import ipaddress
import os
from dataclasses import dataclass
from typing import Mapping


class ConfigError(ValueError):
    """A CHECKER_* variable holds something unusable; the message says which and why."""


def _parse_resolvers(text: str) -> tuple[tuple[str, int], ...]:
    resolvers = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        host, port = item, 53
        if item.startswith("["):  # [::1]:5353
            host, _, rest = item[1:].partition("]")
            if rest.startswith(":"):
                port = rest[1:]
        elif item.count(":") == 1:
            host, port = item.split(":")
        try:
            ipaddress.ip_address(host)
            port = int(port)
            if not 0 < port < 65536:
                raise ValueError
        except ValueError:
            raise ConfigError(
                f"CHECKER_RESOLVER: {item!r} is not an IP address with an optional port (e.g. 127.0.0.1:5353)"
            ) from None
        resolvers.append((host, port))
    return tuple(resolvers)


def _parse_networks(text: str):
    networks = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(f"CHECKER_ALLOWED_NETWORKS: {item!r} is not a CIDR network (e.g. 127.53.0.0/16)") from None
    return tuple(networks)


def _parse_port(name: str, text: str | None, default: int) -> int:
    if not text:
        return default
    try:
        port = int(text)
    except ValueError:
        raise ConfigError(f"{name}: {text!r} is not a port number") from None
    if not 0 < port < 65536:
        raise ConfigError(f"{name}: {port} is outside 1-65535")
    return port


def system_resolvers() -> tuple[tuple[str, int], ...]:
    try:
        with open("/etc/resolv.conf", encoding="utf-8") as handle:
            found = [line.split()[1] for line in handle if line.startswith("nameserver") and len(line.split()) > 1]
    except OSError:
        found = []
    return tuple((ip, 53) for ip in found) or (("127.0.0.1", 53),)


@dataclass(frozen=True)
class EngineConfig:
    resolvers: tuple[tuple[str, int], ...] = (("127.0.0.1", 53),)
    ca_bundle: str | None = None
    allowed_networks: tuple = ()
    smtp_port: int = 25
    https_port: int = 443
    check_timeout: float = 30.0
    # Surveys only: politeness caps (limits.Limits, per process), the HTTP User-Agent, and
    # answers shared between the checks of a process (dns.AnswerCache).
    limits: object = None
    user_agent: str | None = None
    answer_cache: object = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "EngineConfig":
        env = os.environ if environ is None else environ
        resolvers = _parse_resolvers(env.get("CHECKER_RESOLVER", "")) or system_resolvers()
        ca_bundle = env.get("CHECKER_CA_BUNDLE") or None
        if ca_bundle is not None and not os.path.isfile(ca_bundle):
            raise ConfigError(f"CHECKER_CA_BUNDLE: {ca_bundle!r} is not a readable file")
        timeout_text = env.get("CHECKER_TIMEOUT") or "30"
        try:
            timeout = float(timeout_text)
            if not 1 <= timeout <= 600:
                raise ValueError
        except ValueError:
            raise ConfigError(f"CHECKER_TIMEOUT: {timeout_text!r} is not a number of seconds between 1 and 600") from None
        return cls(
            resolvers=resolvers,
            ca_bundle=ca_bundle,
            allowed_networks=_parse_networks(env.get("CHECKER_ALLOWED_NETWORKS", "")),
            smtp_port=_parse_port("CHECKER_SMTP_PORT", env.get("CHECKER_SMTP_PORT"), 25),
            https_port=_parse_port("CHECKER_HTTPS_PORT", env.get("CHECKER_HTTPS_PORT"), 443),
            check_timeout=timeout,
        )
