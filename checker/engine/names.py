"""Turn what people paste into the A-label domain the checker works on.

Accepted: `Example.FI`, ` example.fi. `, `https://example.fi/path`, `user@example.fi`,
`mailto:user@example.fi`, `example.fi:25`, U-labels (`ääkkönen.fi`, mapped with UTS-46
and encoded with IDNA 2008, RFC 5891). Everything else raises InvalidDomain, whose
message is one line meant for the person who typed it.
"""
import ipaddress
import re
from urllib.parse import urlsplit

import idna

MAX_INPUT = 1024          # nobody pastes more than this for a domain; bounds the work done
MAX_LABEL = 63            # RFC 1035 2.3.4
MAX_NAME = 253            # RFC 1035 2.3.4: 255 octets on the wire = 253 in text without the root dot

# RFC 952 / RFC 1123 2.1 host name rule (LDH). Underscores are fine in DNS but not in
# host names, and a mail domain is a host name (RFC 5321 2.3.5).
_LDH_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_PORT_SUFFIX = re.compile(r"^(?P<host>[^:\[\]]+):(?P<port>\d{1,5})$")
_BRACKETED_PORT = re.compile(r"^(?P<host>\[[^\[\]]*\])(?::\d{1,5})?$")  # [IPv6]:25
# RFC 3490 3.1 / UTS-46: the ideographic, full-width and half-width full stops separate labels too.
_DOTS = (".", "\u3002", "\uff0e", "\uff61")


class InvalidDomain(ValueError):
    """The input is not a domain the checker can check; str() is a one-line explanation."""


def _short(text: str) -> str:
    shown = text if len(text) <= 60 else text[:57] + "..."
    return repr(shown)


def _extract_host(text: str) -> str:
    """Strip URL, mail address and port decorations around the host part."""
    if _SCHEME.match(text):
        try:
            parts = urlsplit(text)
            netloc = parts.netloc
        except ValueError:
            raise InvalidDomain(f"{_short(text)} is not a URL with a host name") from None
        return _strip_port(netloc.rpartition("@")[2])  # user:password@host
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:"):]
        text = text.split("?", 1)[0]
    if "@" in text:
        # The domain of a mail address is after the last "@" (RFC 5321 4.1.2).
        text = text.rpartition("@")[2]
    # A path pasted without a scheme: "example.fi/contact".
    return _strip_port(text.split("/", 1)[0])


def _strip_port(host: str) -> str:
    """"example.fi:25" -> "example.fi"; "[2001:db8::1]:25" -> "[2001:db8::1]" (rejected later)."""
    bracketed = _BRACKETED_PORT.match(host)
    if bracketed:
        return bracketed.group("host")
    return _PORT_SUFFIX.sub(r"\g<host>", host)


def _reject_ip(host: str) -> None:
    candidate = host
    if candidate.startswith("[") and candidate.endswith("]"):
        candidate = candidate[1:-1]
        if candidate.lower().startswith("ipv6:"):  # RFC 5321 4.1.3 address literal
            candidate = candidate[5:]
    try:
        ipaddress.ip_address(candidate.split("%", 1)[0])
    except ValueError:
        if host.startswith("["):
            raise InvalidDomain(f"{_short(host)} is an address literal, not a domain name") from None
        return
    raise InvalidDomain(f"{_short(host)} is an IP address; enter the mail domain (e.g. example.fi) instead")


def _check_ascii_label(label: str, name: str) -> str:
    if not label:
        raise InvalidDomain(f"{_short(name)} has an empty label (two dots in a row or a leading dot)")
    if len(label) > MAX_LABEL:
        raise InvalidDomain(f"{_short(name)} has a label of {len(label)} characters; the limit is {MAX_LABEL}")
    if "_" in label:
        raise InvalidDomain(f"{_short(name)} contains an underscore, which host names may not hold")
    if not _LDH_LABEL.match(label):
        raise InvalidDomain(
            f"{_short(name)} contains characters a host name may not hold (letters, digits and inner hyphens only)"
        )
    if label.startswith("xn--"):
        try:
            idna.decode(label)  # an A-label must decode to a valid U-label (RFC 5890 2.3.2.1)
        except (idna.IDNAError, UnicodeError, ValueError):
            raise InvalidDomain(f"{_short(name)} contains an invalid internationalised label {_short(label)}") from None
    return label


def _check_encoded_length(label: str, name: str) -> None:
    """RFC 5890 2.3.2.1 / RFC 1035 2.3.4: the 63-octet limit applies to the A-label."""
    try:
        length = len("xn--") + len(label.encode("punycode"))
    except UnicodeError:
        return
    if length > MAX_LABEL:
        raise InvalidDomain(f"{_short(name)} has a label of {length} characters in DNS (A-label) form; "
                            f"the limit is {MAX_LABEL}")


def _to_alabels(host: str) -> list[str]:
    if host.isascii():
        labels = host.lower().split(".")
        return [_check_ascii_label(label, host) for label in labels]
    try:
        # UTS-46 mapping (non-transitional) folds case, full-width dots and compatibility forms.
        mapped = idna.uts46_remap(host, std3_rules=True, transitional=False)
    except (idna.IDNAError, UnicodeError, ValueError):
        raise InvalidDomain(f"{_short(host)} contains characters a domain name may not hold") from None
    labels = []
    for label in mapped.split("."):
        if label.isascii():
            labels.append(_check_ascii_label(label, host))
            continue
        try:
            encoded = idna.alabel(label).decode("ascii")  # IDNA 2008 (RFC 5891 4)
        except (idna.IDNAError, UnicodeError, ValueError):
            _check_encoded_length(label, host)
            raise InvalidDomain(f"{_short(host)} is not a valid internationalised domain name") from None
        labels.append(_check_ascii_label(encoded, host))
    return labels


def normalize_domain(raw: str) -> str:
    """Return the lower-case A-label form without the trailing dot, or raise InvalidDomain."""
    if not isinstance(raw, str):
        raise InvalidDomain("the domain must be text")
    text = raw.strip()
    if not text:
        raise InvalidDomain("no domain given")
    if len(text) > MAX_INPUT:
        raise InvalidDomain(f"the input is {len(text)} characters long; a domain name has at most {MAX_NAME}")
    if any(ch.isspace() for ch in text):
        raise InvalidDomain(f"{_short(text)} contains spaces; enter one domain name")
    host = _extract_host(text)
    if not host:
        raise InvalidDomain(f"no domain found in {_short(text)}")
    _reject_ip(host)
    if host.endswith(_DOTS):
        host = host[:-1]  # the root label is implied
    if not host:
        raise InvalidDomain("the root zone is not a mail domain")
    labels = _to_alabels(host)
    name = ".".join(labels)
    if len(name) > MAX_NAME:
        raise InvalidDomain(f"the name is {len(name)} characters long in DNS form; the limit is {MAX_NAME}")
    if len(labels) < 2:
        raise InvalidDomain(f"{_short(host)} is a single-label name; enter a full domain such as example.fi")
    if labels[-1].isdigit():
        # RFC 3696 2: top-level domains are never all-numeric; "10.1" and "127.1" are addresses.
        raise InvalidDomain(f"{_short(host)} looks like an IP address, not a domain name")
    return name


def display_name(domain: str) -> str:
    """The U-label form for showing to people; falls back to the A-label form."""
    try:
        return idna.decode(domain)
    except (idna.IDNAError, UnicodeError, ValueError):
        return domain
