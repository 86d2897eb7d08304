"""The protocol registry: the one list of protocols, in report order.

Every layer (run.py, findings, grading, presenter, models, checkdomain, remediation) loops
over PROTOCOLS instead of keeping a list of its own. Adding a protocol: its module here
(exporting PROTOCOL, checker/engine/protocol.py), its name in NAMES, its template part
(templates/check/part_<name>.html), its catalogue entries (checker/remediation_texts.py)
and its grading rule (checker/grading.py RULES). checker/registry_check.py names whatever
is missing; tests/test_registry.py runs it.

A module that fails to import makes this import fail: a broken build must fail loudly,
never show a protocol as "not available".
"""
import importlib

from .protocol import Protocol

NAMES = ("dnssec", "mx", "starttls", "dane", "mta_sts", "tls_rpt")


class RegistryError(ImportError):
    pass


def load(name: str) -> Protocol:
    """The descriptor of protocol `name` (module checker.engine.<name>, attribute PROTOCOL)."""
    module_name = f"{__package__}.{name}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        raise RegistryError(f"protocol {name}: there is no module {module_name}") from exc
    descriptor = getattr(module, "PROTOCOL", None)
    if not isinstance(descriptor, Protocol) or descriptor.name != name:
        raise RegistryError(f"protocol {name}: module {module_name} exports no PROTOCOL descriptor named {name!r}")
    return descriptor


PROTOCOLS: tuple[Protocol, ...] = tuple(load(name) for name in NAMES)
BY_NAME = {protocol.name: protocol for protocol in PROTOCOLS}
