"""The MTA-STS policy file (RFC 8461 3.2), parsed exactly by its ABNF.

    sts-policy-record = sts-policy-field *WSP *(sts-policy-term sts-policy-field *WSP) [sts-policy-term]
    sts-policy-term   = LF / CRLF
    field             = name ":" *WSP value
    version = %s"STSv1"; mode = %s"testing" / %s"enforce" / %s"none"; max_age = 1*10(DIGIT)
    mx      = ["*."] Domain                      (Domain from RFC 5321 4.1.2)
    ext-name  = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
    ext-value = vchar [*(%x20 / vchar) vchar]    (vchar includes UTF-8)

Strict, as the report must be; but RFC 8461 3.2 asks senders to be liberal, and many are
(postfix-mta-sts-resolver splits lines, strips whitespace and ignores lines it does not
know; mox rejects the whole policy). Each error therefore records whether a lenient
sender reads the same policy anyway (`tolerated`), so the report can say "invalid, but
some senders still use it" instead of "no policy".
"""
import re
from dataclasses import dataclass

from .record import show

POLICY_PATH = "/.well-known/mta-sts.txt"  # RFC 8461 3.3
MAX_AGE_LIMIT = 31557600  # RFC 8461 3.2: "maximum value of 31557600"
RECOMMENDED_MAX_AGE = 1209600  # two weeks: common guidance for enforce, in the range RFC 8461 3.2 suggests
MODES = ("enforce", "testing", "none")
KNOWN = ("version", "mode", "max_age", "mx")
MAX_ERRORS = 25  # a 64 KiB body of garbage must not make a 10 000-line report
WSP = " \t"

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}")
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?")
_MAX_AGE = re.compile(r"[0-9]{1,10}")
# VCHAR and any non-ASCII character (UTF-8 was decoded), SP inside only.
_EXT_VALUE = re.compile(r"[\x21-\x7e\x80-\U0010ffff](?:[\x20-\x7e\x80-\U0010ffff]*[\x21-\x7e\x80-\U0010ffff])?")


@dataclass(frozen=True)
class PolicyError:
    line: int | None
    message: str
    tolerated: bool  # a lenient sender still reads the policy the same way

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        note = " (lenient senders tolerate this)" if self.tolerated else ""
        return where + self.message + note


@dataclass(frozen=True)
class Policy:
    version: str | None
    mode: str | None
    max_age: int | None
    mx: tuple[str, ...]
    extensions: tuple[tuple[str, str], ...]
    problems: tuple[PolicyError, ...]
    warnings: tuple[str, ...]

    @property
    def valid(self) -> bool:
        return not self.problems

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(str(p) for p in self.problems)

    @property
    def tolerated(self) -> bool:
        """Invalid, yet every error is one lenient senders overlook."""
        return bool(self.problems) and all(p.tolerated for p in self.problems)


def _is_a_label(label: str) -> bool:
    """An "xn--" label must decode (RFC 3492) to a printable label with a non-ASCII character."""
    try:
        decoded = label[4:].encode("ascii").decode("punycode")
    except (UnicodeError, ValueError):
        return False
    return decoded.isprintable() and any(ord(ch) > 0x7f for ch in decoded)


def mx_pattern_error(value: str) -> str | None:
    """None if `value` is ["*."] Domain (RFC 8461 3.2, RFC 5321 4.1.2), else why not."""
    domain = value[2:] if value.startswith("*.") else value
    if not domain:
        return f"mx {show(value)} is empty after '*.'"
    if any(ord(ch) > 0x7e for ch in domain):
        return f"mx {show(value)} contains non-ASCII characters; write IDNs as A-labels (xn--...)"
    if domain.endswith("."):
        return f"mx {show(value)} ends with a dot; write the name without it"
    if "*" in domain:
        return f"mx {show(value)}: a wildcard may only be the whole leftmost label, as '*.example.fi'"
    labels = domain.split(".")
    for label in labels:
        if not _LABEL.fullmatch(label):
            return f"mx {show(value)}: label {show(label)} is not letters, digits and inner hyphens"
        if len(label) > 63:
            return f"mx {show(value)}: label longer than 63 characters"
        if label[:4].lower() == "xn--" and not _is_a_label(label):
            return f"mx {show(value)}: {show(label)} is not a valid A-label (Punycode of a Unicode label, RFC 5890 2.3.2.1)"
    if len(domain) > 253:
        return f"mx {show(value)} is longer than 253 characters"
    return None


def _value_error(key: str, value: str) -> str | None:
    if key == "version":
        return None if value == "STSv1" else f"version is {show(value)}, must be exactly STSv1"
    if key == "mode":
        if value in MODES:
            return None
        hint = " (values are case-sensitive)" if value.lower() in MODES else ""
        return f"mode is {show(value)}, must be one of enforce, testing, none{hint}"
    if key == "max_age":
        if not _MAX_AGE.fullmatch(value):
            return f"max_age is {show(value)}, must be 1 to 10 digits (seconds)"
        if int(value) > MAX_AGE_LIMIT:
            return f"max_age {int(value)} is over the maximum {MAX_AGE_LIMIT} (one year)"
        return None
    if key == "mx":
        return mx_pattern_error(value)
    if not value:
        return f"value of {show(key)} is empty"
    if not _EXT_VALUE.fullmatch(value):
        return f"value of {show(key)} contains a tab or control character"
    return None


def _lenient_ok(line: str) -> bool:
    """Would a line-splitting sender (key, ':', value stripped) read this line as we meant it?"""
    key, sep, value = line.rstrip(" \t\r").partition(":")
    if not sep or key not in KNOWN:
        # Ignored as unknown: harmless, unless the author meant a known key.
        return key.strip(WSP).lower() not in KNOWN

    return _value_error(key, value.strip(WSP)) is None


def decode_body(body) -> tuple[str, list[PolicyError]]:
    if isinstance(body, str):
        return body, []
    problems = []
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError as exc:
        text = bytes(body).decode("utf-8", errors="replace")
        problems.append(PolicyError(None, f"body is not valid UTF-8 (byte {exc.start})", False))
    if text.startswith("\ufeff"):
        text = text[1:]
        problems.append(PolicyError(1, "body starts with a byte order mark (BOM)", False))
    return text, problems


def _lines(text: str) -> list[str]:
    """The lines of the body without their sts-policy-term (LF / CRLF, RFC 8461 3.2).

    A CR counts as part of a terminator only right before an LF: a lone CR, also one at
    the very end of an unterminated last line, stays in the line and is reported there.
    """
    if not text:
        return []
    lines = text.split("\n")
    last = lines.pop()  # after the final LF: "" when the optional last term is present
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    return lines + [last] if last else lines


def parse_policy(body) -> Policy:
    """Parse a policy body (bytes as fetched, or text). Never raises."""
    text, problems = decode_body(body)
    warnings: list[str] = []
    values: dict[str, str] = {}
    mx: list[str] = []
    extensions: list[tuple[str, str]] = []
    if not text:
        problems.append(PolicyError(None, "policy is empty", False))
    for number, line in enumerate(_lines(text), start=1):

        def problem(message, tolerated=None):
            if len(problems) < MAX_ERRORS:
                problems.append(PolicyError(number, message, _lenient_ok(line) if tolerated is None else tolerated))

        if "\r" in line:
            problem("contains a carriage return that is not part of CRLF")
            if line.partition(":")[0] in KNOWN:
                values.setdefault(line.partition(":")[0], None)  # broken, not also "missing"
            continue
        if not line.strip(WSP):
            problem("empty line; the grammar has no blank lines", True)
            continue
        if line[0] in WSP:
            problem(f"{show(line)} starts with whitespace")
            continue
        key, colon, rest = line.partition(":")
        if not colon:
            problem(f"{show(line)} is not 'key: value'")
            continue
        # No regex here: a lazy group over 64 KiB of spaces backtracks quadratically.
        value = rest.strip(WSP)
        if key != key.rstrip(WSP) and _NAME.fullmatch(key.rstrip(WSP)):
            problem(f"whitespace between {show(key.rstrip(WSP))} and ':'")
            continue
        if not _NAME.fullmatch(key):
            problem(f"key {show(key)} is not 1 to 32 letters, digits, '_', '-', '.' starting with a letter or digit")
            continue
        error = _value_error(key, value)
        if error:
            problem(error)
            if key in KNOWN:
                values.setdefault(key, None)  # the first occurrence counts, even when broken
            continue
        if key == "mx":
            mx.append(value)
        elif key in KNOWN:
            if key in values:
                first = values[key]
                warnings.append(
                    f"line {number}: {key} appears again ({show(value)}); the first "
                    f"({show(first) if first is not None else 'an invalid value'}) counts (RFC 8461 3.2)"
                )
            else:
                values[key] = value
        else:
            if key.lower() in KNOWN or key.replace("-", "_").lower() in KNOWN:
                warnings.append(f"line {number}: unknown key {show(key)} is ignored; did you mean "
                                f"{key.replace('-', '_').lower()!r}? (keys are case-sensitive)")
            extensions.append((key, value))
    for key in ("version", "mode", "max_age"):
        if key not in values and len(problems) < MAX_ERRORS + 3:
            problems.append(PolicyError(None, f"required key {key} is missing", False))
    mode = values.get("mode")
    if not mx and mode != "none":
        problems.append(PolicyError(None, "no mx line; at least one is required unless mode is none", False))
    max_age = values.get("max_age")
    return Policy(
        version=values.get("version"),
        mode=mode,
        max_age=int(max_age) if max_age is not None else None,
        mx=tuple(mx),
        extensions=tuple(extensions),
        problems=tuple(problems),
        warnings=tuple(warnings[:MAX_ERRORS]),
    )


def suggested_policy(mx_hosts, mode: str, max_age: int) -> str:
    """The complete policy body we suggest: CRLF line ends (RFC 8461 3.2: "CRLF-separated
    key/value pairs"; its ABNF also accepts a bare LF). The one builder, for the report's
    findings and for the remediation texts."""
    lines = ["version: STSv1", f"mode: {mode}", *[f"mx: {host}" for host in mx_hosts], f"max_age: {max_age}"]
    return "\r\n".join(lines) + "\r\n"
