"""Is every protocol of the registry complete? The names of whatever is missing.

A protocol is its module (checker/engine/<name>.py or package, exporting PROTOCOL), its
template part (templates/check/part_<name>.html), a catalogue entry for every finding code
it can emit (checker/remediation_texts.py) and its grading rule (checker/grading.py RULES).
`manage.py check` reports the problems (checker.E005); tests/test_registry.py proves that
each kind of gap is named.
"""
from pathlib import Path

from .engine import registry

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


def problems(names=registry.NAMES) -> list[str]:
    from . import grading
    from .remediation_texts import CATALOGUE

    found = []
    for name in names:
        try:
            protocol = registry.load(name)
        except registry.RegistryError as exc:
            found.append(str(exc))
            continue
        part = f"check/part_{protocol.section}.html"
        if not (TEMPLATES / part).is_file():
            found.append(f"protocol {name}: no template part templates/{part}")
        codes = [*protocol.finding_codes, f"{name}.incomplete", f"{name}.check_failed"]
        missing = [code for code in codes if code not in CATALOGUE]
        if missing:
            found.append(f"protocol {name}: no catalogue entry (checker/remediation_texts.py) for "
                         + ", ".join(missing))
        if name not in grading.RULES:
            found.append(f"protocol {name}: no grading rule (checker/grading.py RULES)")
    return found
