"""TLS-RPT: the `_smtp._tls.<domain>` TXT record (RFC 8460 3).

    tlsrpt-record    = tlsrpt-version 1*(field-delim tlsrpt-field) [field-delim]
    field-delim      = *WSP ";" *WSP
    tlsrpt-field     = tlsrpt-rua / tlsrpt-extension
    tlsrpt-version   = %s"v=TLSRPTv1"
    tlsrpt-rua       = %s"rua=" tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri)
    tlsrpt-uri       = URI                     ; "mailto:" or "https:", RFC 3986
    tlsrpt-ext-name  = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
    tlsrpt-ext-value = 1*(%x21-3A / %x3C / %x3E-7E)

Which TXT strings are records: txt_fields (the rule MTA-STS shares). A URI of another
scheme is a URI by the grammar; RFC 8460 3 defines only mailto: and https: reporting, so
such a URI is unusable: warned about, and the record is valid while one usable URI remains.
"""
import re
from dataclasses import dataclass

from . import txt_fields
from .findings import Finding
from .protocol import BAD, GOOD, WARN, Evaluated, Protocol
from .txt_fields import WSP, show

VERSION = "v=TLSRPTv1"
RFC = "RFC 8460 3"
# RFC 3986 2: unreserved / pct-encoded / sub-delims / gen-delims (',' and ';' cannot reach here).
_URI_CHARS = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+=:@/?#\[\]]|%[0-9A-Fa-f]{2})*")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?")
_LOCAL = re.compile(r"(?:[A-Za-z0-9!$&'*+\-/=?^_`{|}~.]|%[0-9A-Fa-f]{2})+")

FINDING_CODES = {
    "tls_rpt.valid": "A valid TLS-RPT record names where reports go",
    "tls_rpt.missing": "No TLS-RPT record: nobody hears about failed TLS deliveries",
    "tls_rpt.multiple": "More than one TLS-RPT record: senders ignore them all",
    "tls_rpt.invalid": "The TLS-RPT record breaks the RFC 8460 grammar: senders ignore it",
    "tls_rpt.error": "The TLS-RPT record could not be looked up",
    "tls_rpt.rua.multiple": "More than one rua URI: a reporter may deliver to only one",
    "tls_rpt.record.warning": "The TLS-RPT record works but has a questionable detail",
    "tls_rpt.record.ignored": "A TXT string at _smtp._tls looks like a TLS-RPT record but is not one (case, leading space)",
}


def _is_domain(text: str) -> bool:
    labels = text.split(".")
    return len(text) <= 253 and len(labels) >= 1 and all(_LABEL.fullmatch(l) and len(l) <= 63 for l in labels)


USABLE_SCHEMES = ("mailto", "https")  # RFC 8460 3: the reporting methods defined


class UnusableScheme(str):
    """A uri_error text for a URI that is well-formed but of a scheme reports cannot use."""


def uri_error(uri: str) -> str | None:
    """None if `uri` is a syntactically valid mailto: or https: URI (RFC 3986, RFC 6068);
    an UnusableScheme text for a well-formed URI of another scheme."""
    scheme, colon, rest = uri.partition(":")
    if not colon or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+\-.]*", scheme):
        return f"{show(uri)} is not a URI (no scheme)"
    if scheme.lower() not in USABLE_SCHEMES:
        if _URI_CHARS.fullmatch(rest) and rest.count("#") <= 1:
            return UnusableScheme(f"{show(uri)}: scheme {show(scheme)} is not mailto: or https:, "
                                  f"so no report can be sent there ({RFC})")
        return f"{show(uri)}: scheme {show(scheme)} is not mailto: or https: (RFC 8460 3)"
    if not _URI_CHARS.fullmatch(rest) or rest.count("#") > 1:
        bad = next((ch for ch in rest if not re.fullmatch(r"[A-Za-z0-9\-._~!$&'()*+=:@/?#\[\]%]", ch)), None)
        if bad is None:
            return f"{show(uri)}: '%' must be followed by two hex digits, and '#' may appear once (RFC 3986 2)"
        return f"{show(uri)} contains {show(bad)}, which must be percent-encoded (RFC 3986 2)"
    if "!" in rest:
        # RFC 8460 3: commas and exclamation points in a tlsrpt-uri MUST be percent-encoded
        # (a DMARC-style size suffix such as "!10m" is not part of the TLS-RPT grammar).
        return f"{show(uri)} contains '!', which RFC 8460 3 requires to be percent-encoded (%21)"
    if scheme.lower() == "mailto":
        address = rest.split("?", 1)[0]
        local, at, domain = address.rpartition("@")
        if not at or not _LOCAL.fullmatch(local) or not _is_domain(domain):
            return f"{show(uri)}: mailto: must be followed by an address like reports@example.fi (RFC 6068)"
        return None
    if not rest.startswith("//"):
        return f"{show(uri)}: https: must be followed by //host (RFC 3986 3.2)"
    authority = re.split(r"[/?#]", rest[2:], maxsplit=1)[0]
    if "@" in authority:
        return f"{show(uri)}: user information in an https: URI is not allowed for reports"
    host, port = authority, ""
    if authority.startswith("["):
        host, _, after = authority.partition("]")
        host += "]"
        if after:
            if not after.startswith(":"):
                return f"{show(uri)}: unexpected {show(after)} after the IPv6 address"
            port = after[1:]
    elif ":" in authority:
        host, _, port = authority.rpartition(":")  # an empty port is allowed (RFC 3986 3.2.3)
    if port and not (port.isdigit() and 0 < int(port) < 65536):
        return f"{show(uri)}: port {show(port)} is not a number 1-65535"
    if not (_is_domain(host) or re.fullmatch(r"\[[0-9A-Fa-f:.]+\]", host)):
        return f"{show(uri)}: host {show(host)} is not a domain name"
    return None


@dataclass(frozen=True)
class TlsRptRecord:
    raw: str
    rua: tuple[str, ...]
    extensions: tuple[tuple[str, str], ...]
    errors: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return not self.errors


def is_tlsrpt_record(txt: str) -> bool:
    """True if a TXT string begins with "v=TLSRPTv1" *WSP ";" (RFC 8460 3); others are discarded."""
    return txt_fields.is_record(txt, VERSION)


def _near_miss_error(txt: str) -> str:
    return txt_fields.near_miss_error(txt, VERSION, "rua", RFC)


def _parse_rua(value: str, errors: list[str], unusable: list[str]) -> list[str]:
    """tlsrpt-uri *(*WSP "," *WSP tlsrpt-uri): the usable URIs; malformed ones go to
    `errors`, well-formed ones of another scheme to `unusable`."""
    uris = []
    for piece in value.split(","):
        uri = piece.strip(WSP)
        if not uri:
            errors.append(f"rua has an empty URI (a stray comma?) ({RFC})")
            continue
        if any(ch in WSP for ch in uri):
            errors.append(f"rua URIs must be separated by ',' ({show(uri)} contains whitespace) ({RFC})")
            continue
        problem = uri_error(uri)
        if isinstance(problem, UnusableScheme):
            unusable.append(problem)
        elif problem:
            errors.append(problem)
        else:
            uris.append(uri)
    return uris


def parse_tlsrpt(txt: str) -> TlsRptRecord:
    """Parse one candidate TXT string by the ABNF (one that fails comes back with the reason). Never raises.

    Every rua field counts: RFC 8460 3 lets a record "declare more than one rua" and has
    no first-one-wins rule (unlike RFC 8461 3.2), so `rua` lists the URIs of all of them.
    """
    if not is_tlsrpt_record(txt):
        return TlsRptRecord(txt, (), (), (_near_miss_error(txt),), ())
    fields, errors = txt_fields.split_fields(txt, VERSION, RFC)
    warnings: list[str] = []
    rua_fields = 0
    rua: list[str] = []
    unusable: list[str] = []
    extensions: list[tuple[str, str]] = []
    for text in fields:
        name, eq, value = text.partition("=")
        if name == "rua" and eq:
            rua_fields += 1
            if value[-1:] in (" ", "\t"):
                errors.append(txt_fields.field_error(text, RFC))
            else:
                rua.extend(_parse_rua(value, errors, unusable))
            continue
        pair = txt_fields.extension(text)
        if pair is None:
            errors.append(txt_fields.field_error(text, RFC))
        else:
            extensions.append(pair)
    if not rua_fields:
        hint = " (field names are case-sensitive)" if any(n.lower() == "rua" for n, _ in extensions) else ""
        errors.append(f"required field rua is missing{hint} ({RFC})")
    elif unusable and not rua:
        errors.extend(unusable)
        errors.append(f"rua has no mailto: or https: URI, so no report can be sent ({RFC})")
    elif unusable:
        warnings.extend(unusable)  # RFC 8460 3: one usable URI is enough
    if rua_fields > 1:
        warnings.append(f"rua appears in {rua_fields} fields; some senders read only one: list every URI "
                        "in a single rua field, separated by ','")
    return TlsRptRecord(txt, tuple(rua), tuple(extensions), tuple(errors), tuple(warnings))


@dataclass(frozen=True)
class TlsRptResult:
    status: str                      # valid | invalid | none | multiple | error
    rua: tuple[str, ...] = ()
    raw: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"status": self.status, "rua": list(self.rua), "raw": list(self.raw), "errors": list(self.errors)}


@dataclass(frozen=True)
class TlsRptRetrieved:
    domain: str
    name: str
    answer: object | None            # checker.engine.dns DnsAnswer (None: no answer)


def record_name(domain: str) -> str:
    return f"_smtp._tls.{domain}"   # RFC 8460 3


def lookup_failed(answer) -> str | None:
    """Why a TXT lookup gave no usable answer, or None (NXDOMAIN/NODATA are answers)."""
    if answer is None:
        return "lookup failed"
    rcode = getattr(answer, "rcode", "NOERROR")
    if getattr(answer, "security", None) == "bogus":
        return f"DNSSEC validation failed ({getattr(answer, 'reason', None) or rcode})"
    if rcode not in ("NOERROR", "NXDOMAIN"):
        reason = getattr(answer, "reason", None)
        return rcode + (f": {reason}" if reason else "")
    return None


def _in_use(dane_status, mta_sts_status) -> list[str]:
    used = []
    if dane_status in ("all", "some"):
        used.append("DANE")
    if mta_sts_status in ("valid", "invalid"):
        used.append("MTA-STS")
    return used


def evaluate_tls_rpt(retrieved: TlsRptRetrieved, dane_status=None, mta_sts_status=None) -> Evaluated:
    """Classify the record (contract `tls_rpt`) and say what to do about it. Pure."""
    answer, domain, name = retrieved.answer, retrieved.domain, retrieved.name
    failure = lookup_failed(answer)
    used = _in_use(dane_status, mta_sts_status)
    data = {"domain": domain, "record_name": name, "in_use": used}

    def done(status, *findings, rua=(), raw=(), errors=()):
        return Evaluated(TlsRptResult(status, tuple(rua), tuple(raw), tuple(errors)), tuple(findings))

    if failure:
        finding = Finding("tls_rpt.error", "warn", "tls_rpt", f"TXT lookup of {name} failed: {failure}", name, data)
        return done("error", finding, errors=(failure,))
    found = txt_fields.candidates(getattr(answer, "txt_strings", ()) or (), VERSION)
    if len(found.kept) > 1:
        detail = (f"{name} has {len(found.kept)} records starting with {VERSION}; senders then send no reports "
                  f"({RFC})")
        finding = Finding("tls_rpt.multiple", "warn", "tls_rpt", detail, name, {**data, "records": list(found.kept)})
        return done("multiple", finding, raw=found.kept, errors=(detail,))
    if not found.kept and found.discarded:
        errors = tuple(txt_fields.discard_error(t, VERSION, RFC) for t in found.discarded)
        finding = Finding("tls_rpt.invalid", "warn", "tls_rpt", errors[0], name, {**data, "errors": list(errors)})
        return done("invalid", finding, raw=found.discarded, errors=errors)
    if not found.kept:
        if used:
            verb = "are" if len(used) > 1 else "is"
            detail = f"no TLS-RPT record at {name} although {' and '.join(used)} {verb} in use: failures go unreported"
            severity = "warn"
        else:
            detail = f"no TLS-RPT record at {name}"
            severity = "info"
        findings = [Finding("tls_rpt.missing", severity, "tls_rpt", detail, name, data)]
        findings += [Finding("tls_rpt.record.ignored", "info", "tls_rpt", txt_fields.ignored_note(t, VERSION, RFC),
                             name, data) for t in found.ignored]
        return done("none", *findings)
    record = parse_tlsrpt(found.kept[0])
    if not record.valid:
        detail = f"{name}: " + "; ".join(record.errors[:3])
        finding = Finding("tls_rpt.invalid", "warn", "tls_rpt", detail, name,
                          {**data, "errors": list(record.errors), "record": record.raw})
        return done("invalid", finding, rua=record.rua, raw=found.kept, errors=record.errors)
    findings = [Finding("tls_rpt.valid", "pass", "tls_rpt", f"reports go to {', '.join(record.rua)}", name,
                        {**data, "rua": list(record.rua)})]
    if len(record.rua) > 1:
        findings.append(Finding(
            "tls_rpt.rua.multiple", "info", "tls_rpt",
            f"{len(record.rua)} rua URIs; a reporter may deliver to only one of them", name,
            {**data, "rua": list(record.rua)}))
    for warning in record.warnings:
        findings.append(Finding("tls_rpt.record.warning", "info", "tls_rpt", warning, name, data))
    return done("valid", *findings, rua=record.rua, raw=found.kept)


# --- what run.py schedules and evaluates (checker/engine/protocol.py) --------------------

def _start(check):
    check.ask("tls_rpt", ("tls_rpt",), record_name(check.domain), "TXT")


def _evaluate(check, results):
    dane, mta_sts = results.get("dane"), results.get("mta_sts")
    retrieved = TlsRptRetrieved(check.domain, record_name(check.domain), check.need(("tls_rpt",), "tls_rpt"))
    return evaluate_tls_rpt(retrieved, dane.status if dane is not None else None,
                            mta_sts.status if mta_sts is not None else None)


PROTOCOL = Protocol(
    name="tls_rpt", label="TLS-RPT",
    statuses={"valid": GOOD, "invalid": BAD, "none": WARN, "multiple": BAD, "error": BAD},
    finding_codes=FINDING_CODES, references=("RFC 8460",),
    error_section=lambda: {"status": "error", "rua": [], "raw": []},
    start=_start, evaluate=_evaluate,
)
