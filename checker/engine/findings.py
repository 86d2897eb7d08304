"""The finding every check emits. Texts for people live in checker/remediation.py."""
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

SEVERITIES = ("fail", "warn", "info", "pass")   # most important first
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    protocol: str
    detail: str
    subject: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}")
        from .registry import NAMES  # here, not at the top: the protocol modules import this one

        if self.protocol not in NAMES:
            raise ValueError(f"unknown protocol {self.protocol!r}")
        if not self.code.startswith(self.protocol + "."):
            raise ValueError(f"code {self.code!r} must start with {self.protocol!r}.")
        object.__setattr__(self, "data", MappingProxyType(dict(self.data)))

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "severity": self.severity,
            "protocol": self.protocol,
            "detail": self.detail,
            "subject": self.subject,
            "data": dict(self.data),
        }
