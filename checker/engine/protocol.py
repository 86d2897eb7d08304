"""The protocol descriptor every protocol module exports as PROTOCOL, and the one result shape.

A protocol (dnssec, mx, starttls, dane, mta_sts, tls_rpt) is one module of the engine. Its
descriptor says what the layers above need to know without a list of their own:

* name: the report section, the finding-code prefix and the progress word;
* label: how people see the name ("MTA-STS");
* statuses: the contract's words for the section's `status`, each with its verdict
  (GOOD / WARN / BAD / NEUTRAL), which the web page shows as a colour;
* finding_codes: every code the module can emit (code -> one-line meaning);
* references: the RFCs a finding without a catalogue entry points to;
* error_section: the section the report carries when the check did not finish or failed;
* start / on_result: what the protocol schedules on the check's shared pool, resolver and
  network layer (run.py calls start once, then on_result for every finished task);
* after: the protocols whose tasks must be finished before this one's progress is "done";
* evaluate(check, results) -> Evaluated: pure evaluation of what was retrieved, given the
  results of the protocols before it in the registry.

Evaluated is the shape every evaluate_* function returns: a (result, findings) pair whose
result always carries `status` and `as_dict()` (the contract section).
"""
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, NamedTuple

GOOD, WARN, BAD, NEUTRAL = "good", "warn", "bad", "neutral"


class Evaluated(NamedTuple):
    """(result, findings). Unpacks as a pair; attributes other than these two are read
    from the result, so `evaluated.status` is `evaluated.result.status`."""
    result: Any
    findings: tuple

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.result, name)

    def as_dict(self) -> dict:
        return self.result.as_dict()


class Incomplete(Exception):
    """Raised by an evaluate whose inputs did not arrive in time: the section becomes an
    error section with a `<name>.incomplete` finding."""


def _nothing(check, *args):
    return None


@dataclass(frozen=True)
class Protocol:
    name: str
    label: str
    statuses: Mapping[str, str]
    finding_codes: Mapping[str, str]
    references: tuple[str, ...]
    error_section: Callable[[], dict]
    evaluate: Callable[[Any, Mapping[str, Any]], Evaluated]
    start: Callable[[Any], None] = _nothing
    on_result: Callable[[Any, tuple, Any], None] = _nothing
    after: tuple[str, ...] = field(default=())

    @property
    def section(self) -> str:
        """The key of this protocol's section in the report."""
        return self.name
