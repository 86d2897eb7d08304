"""Read the domains of a survey from a zone file or a plain list (pure: text in, lists out).

A registry zone (RFC 1035 5 master file, as the thesis's .fi zone) lists delegations: NS
records at each child name, and DS records where the child is signed (RFC 4034 5). Every
owner of an NS record below the zone's apex is a domain; a DS at the same owner is recorded
(the thesis's "dnssec configured", Table 11). Glue and other records are ignored. A plain
list has one domain per line (what people paste: U-labels, URLs, mail addresses are
normalised like the site's form). Either way bad lines are reported with their line
number and the import carries on; duplicates are counted and kept once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from ..engine.names import InvalidDomain, normalize_domain

CLASSES = {"IN", "CH", "HS", "CS"}
# Types seen in registry zones; a token naming one marks where the rdata starts.
TYPES = {"NS", "DS", "SOA", "A", "AAAA", "DNSKEY", "RRSIG", "NSEC", "NSEC3", "NSEC3PARAM", "CDS",
         "CDNSKEY", "TXT", "MX", "CNAME", "ZONEMD", "CAA", "PTR", "SRV", "HINFO", "TLSA", "SVCB", "HTTPS"}
DELEGATION_TYPES = {"NS", "DS", "SOA"}   # what makes a file a zone rather than a list
MAX_LINE = 65536          # characters of one logical line kept; longer is a bad line
MAX_BAD_SHOWN = 50        # bad lines kept with their text; the rest only counted


@dataclass
class ImportResult:
    format: str                                   # "zone" | "list"
    domains: list[tuple[str, int, bool | None]] = field(default_factory=list)  # (domain, line, DS in zone)
    bad: list[tuple[int, str]] = field(default_factory=list)                  # (line, why), first MAX_BAD_SHOWN
    bad_count: int = 0
    duplicates: int = 0
    apex: str | None = None

    def reject(self, line: int, why: str):
        self.bad_count += 1
        if len(self.bad) < MAX_BAD_SHOWN:
            self.bad.append((line, why))


def detect_format(lines: list[str]) -> str:
    """"zone" when a line looks like a resource record or a $ directive, else "list"."""
    for text in lines[:500]:
        text = text.split(";", 1)[0].strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith("$"):
            return "zone"
        tokens = text.upper().split()
        if len(tokens) >= 3 and any(token in DELEGATION_TYPES for token in tokens[1:4]):
            return "zone"
    return "list"


def parse(lines: Iterable[str], fmt: str = "auto") -> ImportResult:
    lines = list(lines)
    if fmt == "auto":
        fmt = detect_format(lines)
    return parse_zone(lines) if fmt == "zone" else parse_list(lines)


def _clean(raw: str) -> str:
    return raw.replace("\x00", "\\x00").strip()[:120]


def parse_list(lines: Iterable[str]) -> ImportResult:
    result, seen = ImportResult("list"), set()
    for number, raw in enumerate(lines, 1):
        text = raw.split("#", 1)[0].strip()
        if not text:
            continue
        if len(text) > MAX_LINE:
            result.reject(number, "line too long")
            continue
        try:
            domain = normalize_domain(text)
        except InvalidDomain as error:
            result.reject(number, f"{_clean(text)!r}: {error}")
            continue
        if domain in seen:
            result.duplicates += 1
            continue
        seen.add(domain)
        result.domains.append((domain, number, None))
    return result


def _logical_lines(lines: Iterable[str]):
    """(first line number, text without comments) with parenthesised records joined (RFC 1035 5.1)."""
    pending, start, depth = [], 0, 0
    for number, raw in enumerate(lines, 1):
        text = _strip_comment(raw.rstrip("\n"))
        if depth == 0:
            start = number
            pending = []
        pending.append(text)
        depth += text.count("(") - text.count(")")
        if depth <= 0:
            depth = 0
            joined = " ".join(pending).replace("(", " ").replace(")", " ")
            # A line that starts with blank space has the previous owner (RFC 1035 5.1).
            yield start, joined, pending[0][:1] in (" ", "\t")
    if depth > 0:
        yield start, None, False  # unclosed parenthesis up to the end of the file


def _strip_comment(text: str) -> str:
    """Drop a ';' comment that is not inside a quoted string."""
    if ";" not in text:
        return text
    quoted, escaped = False, False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            return text[:index]
    return text


def _absolute(name: str, origin: str | None) -> str | None:
    if name == "@":
        return origin
    if name.endswith("."):
        return name[:-1].lower() or "."
    if origin is None:
        return None
    return f"{name}.{origin}".lower() if origin != "." else name.lower()


def parse_zone(lines: Iterable[str]) -> ImportResult:
    result = ImportResult("zone")
    origin, owner = None, None
    found: dict[str, list] = {}              # domain -> [first line, ds seen]
    bad_names: set[str] = set()
    for number, text, continued in _logical_lines(lines):
        if text is None:
            result.reject(number, "parenthesis opened here is never closed")
            continue
        if not text.strip():
            continue
        if len(text) > MAX_LINE:
            result.reject(number, "line too long")
            continue
        tokens = text.split()
        head = tokens[0].upper()
        if head == "$ORIGIN":
            if len(tokens) < 2 or not tokens[1].endswith("."):
                result.reject(number, "$ORIGIN needs an absolute name (ending in '.')")
                continue
            origin = tokens[1][:-1].lower() or "."
            continue
        if head in ("$TTL", "$INCLUDE", "$GENERATE"):
            if head in ("$INCLUDE", "$GENERATE"):
                result.reject(number, f"{tokens[0]} is not supported; expand the zone first")
            continue
        if head.startswith("$"):
            result.reject(number, f"unknown directive {_clean(tokens[0])!r}")
            continue
        if not continued:
            owner = _absolute(tokens[0], origin)
            tokens = tokens[1:]
            if owner is None:
                result.reject(number, f"relative owner {_clean(text.split()[0])!r} before any $ORIGIN or SOA")
                continue
        elif owner is None:
            result.reject(number, "record without an owner (the first record must name one)")
            continue
        rtype = _record_type(tokens)
        if rtype is None:
            result.reject(number, f"no record type in {_clean(text)!r}")
            continue
        if rtype == "SOA":
            result.apex = owner
            if origin is None:
                origin = owner
            continue
        if rtype not in ("NS", "DS") or owner == result.apex or owner == ".":
            continue
        if owner in bad_names:
            continue
        if owner not in found:
            try:
                domain = normalize_domain(owner)
            except InvalidDomain as error:
                bad_names.add(owner)
                result.reject(number, f"{_clean(owner)!r}: {error}")
                continue
            if domain != owner:  # U-labels or escapes in a zone: keep the normalised A-label
                owner_key = domain
            else:
                owner_key = owner
            entry = found.setdefault(owner_key, [number, False, False])
            if owner_key != owner:
                found[owner] = entry
        entry = found[owner]
        if rtype == "DS":
            entry[1] = True
        else:
            entry[2] = True
    seen = set()
    for name, (line, ds, ns) in sorted(found.items(), key=lambda item: item[1][0]):
        domain = normalize_domain(name)
        if domain in seen:
            continue
        seen.add(domain)
        if not ns:
            result.reject(line, f"{domain}: a DS record but no NS delegation")
            continue
        result.domains.append((domain, line, ds))
    return result


def _record_type(tokens: list[str]) -> str | None:
    """The type after the optional TTL and class (either order, RFC 1035 5.1)."""
    for token in tokens[:3]:
        upper = token.upper()
        if upper in CLASSES or upper.isdigit() or (upper[:-1].isdigit() and upper[-1:] in "SMHDW"):
            continue
        if upper in TYPES or (upper.startswith("TYPE") and upper[4:].isdigit()):
            return upper
        return None
    return None


def matches_opt_out(domain: str, opted_out: set[str]) -> bool:
    """A listed domain covers itself and every name below it."""
    if domain in opted_out:
        return True
    labels = domain.split(".")
    return any(".".join(labels[i:]) in opted_out for i in range(1, len(labels)))
