import pytest
from hypothesis import given, settings, strategies as st

from checker.engine.names import InvalidDomain, display_name, normalize_domain

ACCEPTED = [
    ("example.fi", "example.fi"),
    ("Example.FI", "example.fi"),
    (" example.fi. ", "example.fi"),
    ("\texample.fi\n", "example.fi"),
    ("https://example.fi/path", "example.fi"),
    ("HTTPS://Example.fi:8443/path?q=1#x", "example.fi"),
    ("http://user:pw@example.fi/", "example.fi"),
    ("example.fi/contact", "example.fi"),
    ("example.fi:25", "example.fi"),
    ("user@example.fi", "example.fi"),
    ("mailto:user@Example.fi?subject=hi", "example.fi"),
    ("\"odd@local\"@example.fi", "example.fi"),
    ("mail.sub.example.fi", "mail.sub.example.fi"),
    ("ääkkönen.fi", "xn--kknen-fraa0m.fi"),
    ("ÄÄKKÖNEN.FI", "xn--kknen-fraa0m.fi"),
    ("xn--kknen-fraa0m.fi", "xn--kknen-fraa0m.fi"),
    ("例え。テスト", "xn--r8jz45g.xn--zckzah"),
    ("example.fi\uff0e", "example.fi"),  # full-width trailing dot (RFC 3490 3.1 label separator)
    ("example.fi\uff61", "example.fi"),  # half-width ideographic trailing dot
    ("ｅｘａｍｐｌｅ．ＦＩ", "example.fi"),  # full-width letters and dot, UTS-46 mapped
    ("https://ääkkönen.fi/", "xn--kknen-fraa0m.fi"),
    ("1password.com", "1password.com"),
    ("ex\u200bample.fi", "example.fi"),  # UTS-46 maps ZERO WIDTH SPACE to nothing
    ("a-b.example.fi", "a-b.example.fi"),
    ("x" * 63 + ".fi", "x" * 63 + ".fi"),
    (".".join(["a" * 61] * 4) + ".fi", ".".join(["a" * 61] * 4) + ".fi"),
]

REJECTED = [
    ("", "no domain"),
    ("   ", "no domain"),
    ("192.0.2.1", "IP address"),
    ("2001:db8::1", "IP address"),
    ("[2001:db8::1]", "IP address"),
    ("[IPv6:2001:db8::1]", "IP address"),
    ("https://[2001:db8::1]/", "IP address"),
    ("https://192.0.2.1/", "IP address"),
    ("user@[192.0.2.1]", "IP address"),
    ("127.1", "IP address"),
    ("[not-an-ip]", "address literal"),
    ("[2001:db8::1]:25", "IP address"),
    ("https://[2001:db8::1]:443/", "IP address"),
    ("\u00e4" * 60 + ".fi", "in DNS (A-label) form; the limit is 63"),  # 60 letters, 66 octets encoded
    ("localhost", "single-label"),
    ("fi", "single-label"),
    ("fi.", "single-label"),
    (".", "root"),
    ("x" * 64 + ".fi", "limit is 63"),
    (".".join(["a" * 62] * 4) + ".fi", "limit is 253"),
    ("_dmarc.example.fi", "underscore"),
    ("ex_ample.fi", "underscore"),
    ("exa mple.fi", "spaces"),
    ("example..fi", "empty label"),
    (".example.fi", "empty label"),
    ("-example.fi", "characters a host name may not hold"),
    ("example-.fi", "characters a host name may not hold"),
    ("exa$mple.fi", "characters a host name may not hold"),
    ("exa*mple.fi", "characters a host name may not hold"),
    ("*.example.fi", "characters a host name may not hold"),
    ("xn--zz.fi", "invalid internationalised label"),
    ("user@", "no domain"),
    ("https:///path", "no domain"),
    ("http://[::1", "not a URL"),
    ("\u2603.fi", "not a valid internationalised"),
    ("exa\x00mple.fi", "characters a host name may not hold"),
    ("a" * 2000, "characters long"),
]


@pytest.mark.parametrize("raw,expected", ACCEPTED)
def test_pasted_forms_normalise_to_the_a_label_domain(raw, expected):
    assert normalize_domain(raw) == expected


@pytest.mark.parametrize("raw,fragment", REJECTED)
def test_unusable_input_is_rejected_with_a_one_line_reason(raw, fragment):
    with pytest.raises(InvalidDomain) as caught:
        normalize_domain(raw)
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message


def test_invalid_domain_is_a_value_error():
    assert issubclass(InvalidDomain, ValueError)


def test_non_text_input_is_rejected():
    with pytest.raises(InvalidDomain):
        normalize_domain(None)


def test_display_name_shows_u_labels():
    assert display_name("xn--kknen-fraa0m.fi") == "ääkkönen.fi"
    assert display_name("example.fi") == "example.fi"


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text_either_normalises_or_raises_invalid_domain(raw):
    try:
        result = normalize_domain(raw)
    except InvalidDomain as exc:
        assert "\n" not in str(exc)
        return
    assert result == result.lower()
    assert result.isascii()
    assert not result.endswith(".")
    assert normalize_domain(result) == result


@settings(max_examples=300, deadline=None)
@given(st.lists(st.from_regex(r"[a-zA-Z0-9äöüß_\-]{0,70}", fullmatch=True), min_size=1, max_size=5),
       st.sampled_from(["", ".", "https://", "user@", " "]))
def test_label_like_text_either_normalises_or_raises_invalid_domain(labels, decoration):
    raw = decoration + ".".join(labels) if decoration != "." else ".".join(labels) + "."
    try:
        result = normalize_domain(raw)
    except InvalidDomain:
        return
    assert all(0 < len(label) <= 63 for label in result.split("."))
    assert len(result) <= 253
