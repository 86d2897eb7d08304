"""The `_mta-sts.<domain>` TXT record (RFC 8461 3.1), parsed exactly by its ABNF.

    sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
    sts-field       = sts-id / sts-extension
    sts-field-delim = *WSP ";" *WSP
    sts-version     = %s"v=STSv1"
    sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
    sts-extension   = sts-ext-name "=" sts-ext-value
    sts-ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
    sts-ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)

Pure functions; never raise on any input (the text comes from strangers' DNS).
"""
import re
from dataclasses import dataclass

VERSION = "v=STSv1"
WSP = " \t"
_EXT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}")
_EXT_VALUE = re.compile(r"[\x21-\x3a\x3c\x3e-\x7e]+")
_ID = re.compile(r"[A-Za-z0-9]{1,32}")
_SHOW = 60  # characters of hostile text quoted back in an error


def show(text: str) -> str:
    """Quote hostile text for an error line: repr-escaped and shortened."""
    if len(text) > _SHOW:
        return repr(text[:_SHOW]) + f"... ({len(text)} characters)"
    return repr(text)


@dataclass(frozen=True)
class StsRecord:
    raw: str
    id: str | None
    extensions: tuple[tuple[str, str], ...]
    errors: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return not self.errors


def is_sts_record(txt: str) -> bool:
    """True if a TXT string is an STS record at all (others are ignored, RFC 8461 3.1).

    "v=STSv10;..." is some other version, not ours; "v=STSv1" followed by WSP is still
    ours because sts-field-delim allows WSP before the ";".
    """
    return txt.startswith(VERSION) and (len(txt) == len(VERSION) or txt[len(VERSION)] in WSP + ";")


def looks_like_sts_record(txt: str) -> bool:
    """A near miss, e.g. "v=STSV1;" or " v=STSv1": senders ignore it, its author meant it."""
    return not is_sts_record(txt) and txt.strip(WSP).lower().startswith(VERSION.lower())


def near_miss_error(txt: str) -> str:
    stripped = txt.strip(WSP)
    if txt.startswith(VERSION):
        return f"record {show(txt)}: 'v=STSv1' must be followed by ';' (RFC 8461 3.1); senders ignore it"
    if stripped != txt and is_sts_record(stripped):
        return f"record {show(txt)} has whitespace before v=STSv1; senders ignore it (RFC 8461 3.1)"
    return (
        f"record {show(txt)} does not start with exactly 'v=STSv1' (the version is case-sensitive); "
        "senders ignore it (RFC 8461 3.1)"
    )


def _field_error(field: str) -> str:
    name, eq, value = field.partition("=")
    if not eq:
        return f"field {show(field)} has no '=' (fields are name=value, RFC 8461 3.1)"
    if not _EXT_NAME.fullmatch(name):
        return (
            f"field name {show(name)} is not 1 to 32 letters, digits, '_', '-', '.' "
            "starting with a letter or digit (RFC 8461 3.1)"
        )
    if not value:
        return f"field {show(name)} has an empty value (RFC 8461 3.1)"
    if value[-1:] in WSP:
        return f"field {show(field)} has whitespace after the value without a following ';' (RFC 8461 3.1)"
    bad = next(ch for ch in value if not _EXT_VALUE.fullmatch(ch))
    return (
        f"value of field {show(name)} contains {show(bad)}; values may not contain spaces, "
        "'=', ';' or control characters (RFC 8461 3.1)"
    )


def parse_record(txt: str) -> StsRecord:
    """Parse one TXT string that is_sts_record() accepted."""
    errors: list[str] = []
    warnings: list[str] = []
    ident: str | None = None
    extensions: list[tuple[str, str]] = []
    id_seen = False
    if not is_sts_record(txt):
        return StsRecord(txt, None, (), (near_miss_error(txt),), ())
    rest = txt[len(VERSION):]
    # Every ';' is a delimiter: no value may contain one.
    parts = rest.split(";")
    if parts[0].strip(WSP):
        errors.append(f"unexpected text {show(parts[0])} after v=STSv1; expected ';' (RFC 8461 3.1)")
    if rest.lstrip(WSP).startswith(";") and rest[0] in WSP:
        warnings.append(
            "whitespace between 'v=STSv1' and ';' is allowed by the grammar, but senders that look for "
            "the literal prefix 'v=STSv1;' discard the record (RFC 8461 3.1, erratum 6285)"
        )
    fields = parts[1:]
    for index, part in enumerate(fields):
        last = index == len(fields) - 1
        field = part.lstrip(WSP)
        if not last:
            field = field.rstrip(WSP)  # WSP before the next ';' belongs to the delimiter
        if not field.strip(WSP):
            if not last:
                errors.append("empty field between two ';' (RFC 8461 3.1)")
            elif index == 0:
                pass  # "v=STSv1;" alone: reported below as the missing id
            continue
        name, _, value = field.partition("=")
        if name == "id":
            id_seen = True
            if not _ID.fullmatch(value):
                if value[-1:] in WSP:
                    errors.append(_field_error(field))
                else:
                    errors.append(f"id {show(value)} must be 1 to 32 letters and digits only (RFC 8461 3.1)")
                continue
            if ident is None:
                ident = value
            else:
                warnings.append(f"id appears more than once; the first ({ident}) counts (RFC 8461 3.2)")
            continue
        if not (_EXT_NAME.fullmatch(name) and _EXT_VALUE.fullmatch(value) and "=" in field):
            errors.append(_field_error(field))
            continue
        extensions.append((name, value))
    if not id_seen:
        hint = " ('ID' is not 'id': names are case-sensitive)" if any(n.lower() == "id" for n, _ in extensions) else ""
        errors.append(f"required field id is missing{hint} (RFC 8461 3.1)")
    return StsRecord(txt, ident, tuple(extensions), tuple(errors), tuple(warnings))


@dataclass(frozen=True)
class RecordSelection:
    """Which of the TXT strings at _mta-sts.<domain> count, and what they say."""

    status: str                       # valid | invalid | missing | multiple (contract words)
    record: StsRecord | None          # the single STS record, when there is exactly one
    sts_records: tuple[str, ...]      # every string starting with v=STSv1
    errors: tuple[str, ...]


def select_record(txt_strings) -> RecordSelection:
    """Apply RFC 8461 3.1's selection: ignore non-STS strings, exactly one must remain."""
    txt_strings = tuple(txt_strings)
    sts = tuple(t for t in txt_strings if is_sts_record(t))
    if len(sts) > 1:
        return RecordSelection(
            "multiple", None, sts,
            (f"{len(sts)} records start with v=STSv1; senders then assume no MTA-STS (RFC 8461 3.1)",),
        )
    if len(sts) == 1:
        record = parse_record(sts[0])
        return RecordSelection("valid" if record.valid else "invalid", record, sts, record.errors)
    near = tuple(t for t in txt_strings if looks_like_sts_record(t))
    if near:
        return RecordSelection("invalid", None, (), tuple(near_miss_error(t) for t in near))
    return RecordSelection("missing", None, (), ())
