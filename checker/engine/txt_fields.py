"""The shared shape of the MTA-STS (RFC 8461 3.1) and TLS-RPT (RFC 8460 3) TXT records.

Both grammars are the same apart from the version tag and the required field:

    record      = version 1*(field-delim field) [field-delim]
    field-delim = *WSP ";" *WSP
    ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
    ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)   ; no SP, "=", ";" or controls

Both RFCs also say that, of several TXT records, those that do not begin with
"<version>;" are discarded. Here a record "begins" with the version followed by the
grammar's *WSP and ";" (mox does the same): the prose and the ABNF disagree about WSP
before the ";" (RFC 8461 erratum 6285), and the ABNF is the formal definition.

Pure functions; never raise on any input (the text comes from strangers' DNS).
"""
import re

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
    """A near miss, e.g. "v=STSV1;", " v=STSv1;" or "v=STSv1": senders ignore it.
    Another version ("v=STSv10;") is not one."""
    stripped = txt.strip(WSP)
    after = stripped[len(version):len(version) + 1]
    return (not is_record(txt, version) and stripped.lower().startswith(version.lower())
            and not (after.isascii() and after.isalnum()))


def near_miss_error(txt: str, version: str, required: str, rfc: str) -> str:
    if txt.startswith(version):
        if not txt[len(version):].strip(WSP):
            return f"record {show(txt)} has no fields: required field {required} is missing ({rfc}); senders ignore it"
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
