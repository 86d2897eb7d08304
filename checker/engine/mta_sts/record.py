"""The `_mta-sts.<domain>` TXT record (RFC 8461 3.1), parsed exactly by its ABNF.

    sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
    sts-field       = sts-id / sts-extension
    sts-field-delim = *WSP ";" *WSP
    sts-version     = %s"v=STSv1"
    sts-id          = %s"id=" 1*32(ALPHA / DIGIT)
    sts-extension   = sts-ext-name "=" sts-ext-value
    sts-ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
    sts-ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)

The fields after the version may come in any order ("the order of other fields is not
significant"); of a repeated id the first counts (RFC 8461 3.2: "all entries except for
the first SHALL be ignored"). The shared tag=value mechanics live in ..txt_fields.

Pure functions; never raise on any input (the text comes from strangers' DNS).
"""
import re
from dataclasses import dataclass

from .. import txt_fields
from ..txt_fields import WSP, show  # noqa: F401  (show: re-exported for policy.py)

VERSION = "v=STSv1"
RFC = "RFC 8461 3.1"
_ID = re.compile(r"[A-Za-z0-9]{1,32}")


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
    """True if a TXT string begins with "v=STSv1" *WSP ";" (RFC 8461 3.1); others are discarded."""
    return txt_fields.is_record(txt, VERSION)


def near_miss_error(txt: str) -> str:
    return txt_fields.near_miss_error(txt, VERSION, "id", RFC)


def _id_error(field: str) -> str | None:
    value = field.partition("=")[2]
    if not value or value[-1] in WSP:
        return txt_fields.field_error(field, RFC)
    if not _ID.fullmatch(value):
        return f"id {show(value)} must be 1 to 32 letters and digits only ({RFC})"
    return None


def parse_record(txt: str) -> StsRecord:
    """Parse one candidate TXT string by the ABNF (one that fails comes back with the reason)."""
    if not is_sts_record(txt):
        return StsRecord(txt, None, (), (near_miss_error(txt),), ())
    fields, errors = txt_fields.split_fields(txt, VERSION, RFC)
    warnings: list[str] = []
    if txt[len(VERSION)] in WSP:
        warnings.append(
            "whitespace between 'v=STSv1' and ';' is allowed by the grammar, but senders that look for "
            "the literal prefix 'v=STSv1;' discard the record (RFC 8461 3.1, erratum 6285)"
        )
    ids: list[str] = []
    extensions: list[tuple[str, str]] = []
    for field in fields:
        if field.partition("=")[0] == "id":
            error = _id_error(field)
            if error:
                errors.append(error)
            ids.append(field[3:])
            continue
        pair = txt_fields.extension(field)
        if pair is None:
            errors.append(txt_fields.field_error(field, RFC))
        else:
            extensions.append(pair)
    if not ids:
        hint = " ('ID' is not 'id': names are case-sensitive)" if any(n.lower() == "id" for n, _ in extensions) else ""
        errors.append(f"required field id is missing{hint} ({RFC})")
    elif len(ids) > 1:
        warnings.append(f"id appears more than once; the first ({ids[0]}) counts (RFC 8461 3.2)")
    ident = ids[0] if ids and _ID.fullmatch(ids[0]) else None
    return StsRecord(txt, ident, tuple(extensions), tuple(errors), tuple(warnings))


@dataclass(frozen=True)
class RecordSelection:
    """Which of the TXT strings at _mta-sts.<domain> count, and what they say."""

    status: str                       # valid | invalid | missing | multiple (contract words)
    record: StsRecord | None          # the single STS record, when there is exactly one
    sts_records: tuple[str, ...]      # the candidates senders go on with
    errors: tuple[str, ...]
    ignored: tuple[str, ...] = ()     # near misses that are not records (txt_fields.ignored_note)


def select_record(txt_strings) -> RecordSelection:
    """The selection rule of txt_fields (RFC 8461 3.1): exactly one candidate must remain."""
    found = txt_fields.candidates(txt_strings, VERSION)
    notes = tuple(txt_fields.ignored_note(t, VERSION, RFC) for t in found.ignored)
    if len(found.kept) > 1:
        return RecordSelection(
            "multiple", None, found.kept,
            (f"{len(found.kept)} records begin with '{VERSION};'; senders then assume no MTA-STS ({RFC})",), notes)
    if len(found.kept) == 1:
        record = parse_record(found.kept[0])
        return RecordSelection("valid" if record.valid else "invalid", record, found.kept, record.errors, notes)
    if found.discarded:
        return RecordSelection("invalid", None, (), tuple(txt_fields.discard_error(t, VERSION, RFC)
                                                         for t in found.discarded), notes)
    return RecordSelection("missing", None, (), (), notes)
