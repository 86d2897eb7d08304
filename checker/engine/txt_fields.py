"""The shared shape of the MTA-STS (RFC 8461 3.1) and TLS-RPT (RFC 8460 3) TXT records.

Both grammars are the same apart from the version tag and the required field:

    record      = version 1*(field-delim field) [field-delim]
    field-delim = *WSP ";" *WSP
    ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
    ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)   ; no SP, "=", ";" or controls

Which TXT strings are records (one rule for both, docs/report-contract.md "Record
selection"; RFC 8461 3.1, RFC 8460 3):

1. A string is a candidate record when it begins with the exact, case-sensitive version
   text ("v=STSv1", "v=TLSRPTv1"). Anything else (other case, leading space, another
   version such as "v=STSv2") is not a record of this kind: alone it means "no record",
   beside a record it is ignored. A near miss is still named, so its author learns why.
2. When the name has several TXT records, the RFCs' discard rule applies literally:
   records that do not begin with "<version>;" are discarded; more than one left is
   `multiple`, none left although a candidate was discarded is `invalid`.
3. The one remaining candidate is parsed by the ABNF; one that fails ("v=STSv1" alone,
   "v=STSv1 id=1", "v=STSv10;...") is `invalid`. The ABNF allows WSP before the first
   ";" (RFC 8461 erratum 6285 notes the prose does not): valid, with a warning.

Pure functions; never raise on any input (the text comes from strangers' DNS).
"""
import re
from dataclasses import dataclass

WSP = " \t"
EXT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}")
EXT_VALUE = re.compile(r"[\x21-\x3a\x3c\x3e-\x7e]+")
_SHOW = 60  # characters of hostile text quoted back in an error


def show(text: str) -> str:
    """Quote hostile text for an error line: repr-escaped and shortened."""
    if len(text) > _SHOW:
        return repr(text[:_SHOW]) + f"... ({len(text)} characters)"
    return repr(text)


def is_record(txt: str, version: str) -> bool:
    """True if `txt` begins with `version` *WSP ";": a record of this kind by the grammar.

    "v=STSv10;..." is another version; "v=STSv1" alone or "v=STSv1 id=1" has no ";" and
    is discarded by senders (RFC 8461 3.1, RFC 8460 3), though its author meant it.
    """
    return txt.startswith(version) and txt[len(version):].lstrip(WSP).startswith(";")


def looks_like(txt: str, version: str) -> bool:
    """A near miss that is no candidate, e.g. "v=STSV1;" or " v=STSv1;": senders ignore it.
    Another version ("v=STSv2;") is not one."""
    stripped = txt.strip(WSP)
    after = stripped[len(version):len(version) + 1]
    return (not txt.startswith(version) and stripped.lower().startswith(version.lower())
            and not (after.isascii() and after.isalnum()))


@dataclass(frozen=True)
class Candidates:
    """The TXT strings at one name, sorted by the selection rule (module docstring)."""
    kept: tuple[str, ...]        # candidates senders go on with (exactly one: the record)
    discarded: tuple[str, ...]   # candidates the discard rule dropped (several TXT records)
    ignored: tuple[str, ...]     # near misses: not records, named for a hint


def candidates(txt_strings, version: str) -> Candidates:
    strings = tuple(txt_strings)
    begins = tuple(t for t in strings if t.startswith(version))
    kept = tuple(t for t in begins if t.startswith(version + ";")) if len(strings) > 1 else begins
    discarded = tuple(t for t in begins if t not in kept)
    ignored = tuple(t for t in strings if looks_like(t, version))
    return Candidates(kept, discarded, ignored)


def discard_error(txt: str, version: str, rfc: str) -> str:
    return (f"record {show(txt)} is discarded: beside other TXT records only a record beginning with "
            f"exactly '{version};' counts ({rfc})")


def ignored_note(txt: str, version: str, rfc: str) -> str:
    stripped = txt.strip(WSP)
    if stripped != txt and stripped.startswith(version):
        why = f"it has whitespace before {version}"
    else:
        why = f"it does not begin with exactly '{version}' (the version is case-sensitive)"
    return f"the TXT string {show(txt)} is not a record: {why}; senders ignore it ({rfc})"


def near_miss_error(txt: str, version: str, required: str, rfc: str) -> str:
    if txt.startswith(version):
        rest = txt[len(version):]
        if not rest.strip(WSP):
            return f"record {show(txt)} has no fields: required field {required} is missing ({rfc}); senders ignore it"
        if rest[0].isascii() and rest[0].isalnum():
            return (f"record {show(txt)}: '{version}' is followed by {show(rest[0])}, expected ';' "
                    f"(another version is no record of this one) ({rfc}); senders ignore it")
        return f"record {show(txt)}: expected ';' after '{version}' ({rfc}); senders ignore it"
    stripped = txt.strip(WSP)
    if stripped != txt and is_record(stripped, version):
        return f"record {show(txt)} has whitespace before {version}; senders ignore it ({rfc})"
    return (
        f"record {show(txt)} does not start with exactly '{version}' (the version is case-sensitive, "
        f"no leading whitespace); senders ignore it ({rfc})"
    )


def split_fields(txt: str, version: str, rfc: str) -> tuple[list[str], list[str]]:
    """The fields after the version of a record is_record() accepted, without the WSP that
    belongs to their delimiters, and the errors of the delimiting itself.

    Every ";" is a delimiter: no value of either grammar may contain one. The last field
    keeps trailing WSP, which only a following ";" may absorb.
    """
    parts = txt[len(version):].split(";")[1:]  # before the first ";" there is only WSP
    fields, errors = [], []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        field = part.lstrip(WSP) if last else part.strip(WSP)
        if field.strip(WSP):
            fields.append(field)
        elif not last:  # an empty last part is the optional trailing field-delim
            errors.append(f"empty field between two ';' ({rfc})")
    return fields, errors


def extension(field: str) -> tuple[str, str] | None:
    """(name, value) if `field` is a valid ext-name "=" ext-value, else None."""
    name, eq, value = field.partition("=")
    if eq and EXT_NAME.fullmatch(name) and EXT_VALUE.fullmatch(value):
        return name, value
    return None


def field_error(field: str, rfc: str) -> str:
    """Why `field` is not name=value by the grammar (for a field extension() refused)."""
    name, eq, value = field.partition("=")
    if not eq:
        return f"field {show(field)} has no '=' (fields are name=value, {rfc})"
    if not EXT_NAME.fullmatch(name):
        return (
            f"field name {show(name)} is not 1 to 32 letters, digits, '_', '-', '.' "
            f"starting with a letter or digit ({rfc})"
        )
    if not value:
        return f"field {show(name)} has an empty value ({rfc})"
    if value[-1] in WSP:
        return f"field {show(field)} has whitespace after the value without a following ';' ({rfc})"
    bad = next((ch for ch in value if not EXT_VALUE.fullmatch(ch)), value[0])
    return (
        f"value of field {show(name)} contains {show(bad)}; values may not contain spaces, "
        f"'=', ';' or control characters ({rfc})"
    )
