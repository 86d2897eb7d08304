"""RFC 8461 3.2: the policy file grammar."""
import pytest
from hypothesis import given, settings, strategies as st

from checker.engine.mta_sts.policy import MAX_ERRORS, mx_pattern_error, parse_policy
from tests.grammar_strategies import policies

RFC_EXAMPLE = (
    b"version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\n"
    b"mx: backupmx.example.com\nmax_age: 604800\n"
)
BASE = "version: STSv1\nmode: enforce\nmx: mx.example.fi\nmax_age: 604800\n"

VALID = [
    # (body, mode, max_age, mx)
    (RFC_EXAMPLE, "enforce", 604800, ("mail.example.com", "*.example.net", "backupmx.example.com")),
    (RFC_EXAMPLE.replace(b"\n", b"\r\n"), "enforce", 604800, ("mail.example.com", "*.example.net", "backupmx.example.com")),
    (RFC_EXAMPLE.rstrip(b"\n"), "enforce", 604800, ("mail.example.com", "*.example.net", "backupmx.example.com")),
    (b"version: STSv1\nmode: none\nmax_age: 0", "none", 0, ()),
    (b"version: STSv1\nmode: testing\nmx: mx.example.fi\nmax_age: 31557600\n", "testing", 31557600, ("mx.example.fi",)),
    (b"max_age:86400\nmx:mx.example.fi\nmode:enforce\nversion:STSv1\n", "enforce", 86400, ("mx.example.fi",)),
    (b"version:\tSTSv1 \t\nmode: enforce  \nmx: mx.example.fi\t\nmax_age: 0000086400\n", "enforce", 86400, ("mx.example.fi",)),
    (b"version: STSv1\r\nmode: enforce\nmx: mx.example.fi\r\nmax_age: 1\n", "enforce", 1, ("mx.example.fi",)),
    ((BASE + "comment: any text, even UTF-8 \xe4\xf6 \u20ac\n").encode(), "enforce", 604800, ("mx.example.fi",)),
    ((BASE + "x.y-z_1: v\n").encode(), "enforce", 604800, ("mx.example.fi",)),
    ((BASE + "mode: testing\n").encode(), "enforce", 604800, ("mx.example.fi",)),      # first counts
    ((BASE + "max_age: 1\n").encode(), "enforce", 604800, ("mx.example.fi",)),
    (b"version: STSv1\nmode: enforce\nmx: 192.0.2.1\nmax_age: 86400\n", "enforce", 86400, ("192.0.2.1",)),
    (b"version: STSv1\nmode: enforce\nmx: xn--mnchen-3ya.de\nmax_age: 86400\n", "enforce", 86400, ("xn--mnchen-3ya.de",)),
    (b"version: STSv1\nmode: enforce\nmx: *.XN--BCHER-KVA.example\nmax_age: 86400\n", "enforce", 86400,
     ("*.XN--BCHER-KVA.example",)),
    (b"version: STSv1\nmode: enforce\nmx: MX.Example.FI\nmax_age: 86400\n", "enforce", 86400, ("MX.Example.FI",)),
]

INVALID = [
    # (body, fragment of an expected error, do lenient senders tolerate every error?)
    (b"", "policy is empty", False),
    (b"\n", "empty line", False),
    ((BASE + "\n").encode(), "empty line", True),
    (BASE.replace("\nmode", "\n\nmode").encode(), "empty line", True),
    (BASE.replace("mode: enforce", " mode: enforce").encode(), "starts with whitespace", False),
    (BASE.replace("mode: enforce", "mode : enforce").encode(), "whitespace between 'mode' and ':'", False),
    (BASE.replace("mode: enforce", "mode enforce").encode(), "not 'key: value'", False),
    ((BASE + "# a comment\n").encode(), "not 'key: value'", True),
    ((BASE + "_x: 1\n").encode(), "key '_x'", True),
    ((BASE + "x:\n").encode(), "value of 'x' is empty", True),
    ((BASE + "x: a\tb\n").encode(), "tab or control", True),
    (BASE.replace("STSv1", "STSv2").encode(), "must be exactly STSv1", False),
    (BASE.replace("STSv1", "stsv1").encode(), "must be exactly STSv1", False),
    (BASE.replace("enforce", "Enforce").encode(), "case-sensitive", False),
    (BASE.replace("enforce", "reject").encode(), "must be one of", False),
    (BASE.replace("604800", "-1").encode(), "1 to 10 digits", False),
    (BASE.replace("604800", "1w").encode(), "1 to 10 digits", False),
    (BASE.replace("604800", "12345678901").encode(), "1 to 10 digits", False),
    (BASE.replace("604800", "31557601").encode(), "over the maximum", False),
    (BASE.replace("604800", "").encode(), "1 to 10 digits", False),
    (BASE.replace("mx.example.fi", "mx.example.fi.").encode(), "ends with a dot", False),
    (BASE.replace("mx.example.fi", "*.*.example.fi").encode(), "wildcard", False),
    (BASE.replace("mx.example.fi", "mx*.example.fi").encode(), "wildcard", False),
    (BASE.replace("mx.example.fi", "*").encode(), "label", False),
    (BASE.replace("mx.example.fi", "*.").encode(), "empty after", False),
    (BASE.replace("mx.example.fi", "[192.0.2.1]").encode(), "label", False),
    (BASE.replace("mx.example.fi", "-mx.example.fi").encode(), "label", False),
    (BASE.replace("mx.example.fi", "mx_1.example.fi").encode(), "label", False),
    (BASE.replace("mx.example.fi", "mx..example.fi").encode(), "label", False),
    (BASE.replace("mx.example.fi", "mx.example.fi mx2.example.fi").encode(), "label", False),
    (BASE.replace("mx.example.fi", "münchen.de").encode(), "A-labels", False),
    (BASE.replace("mx.example.fi", "a" * 64 + ".fi").encode(), "63", False),
    # RFC 8461 3.2: IDNs as A-labels; "xn--" must be Punycode of a non-ASCII label (RFC 5890 2.3.2.1)
    (BASE.replace("mx.example.fi", "xn--zz.example.fi").encode(), "A-label", False),
    (BASE.replace("mx.example.fi", "*.xn--a.fi").encode(), "A-label", False),
    (BASE.replace("mx: mx.example.fi\n", "").encode(), "no mx line", False),
    (BASE.replace("version: STSv1\n", "").encode(), "required key version is missing", False),
    (BASE.replace("mode: enforce\n", "").encode(), "required key mode is missing", False),
    (BASE.replace("max_age: 604800\n", "").encode(), "required key max_age is missing", False),
    (BASE.replace("max_age", "Max_Age").encode(), "required key max_age is missing", False),
    (BASE.replace("\n", "\r").encode(), "carriage return", False),
    # sts-policy-term is LF / CRLF: a lone CR ending the last, unterminated line is neither
    (BASE.rstrip("\n").encode() + b"\r", "carriage return", True),
    (BASE.encode() + b"x: 1\r\r\n", "carriage return", True),
    (b"\xef\xbb\xbf" + BASE.encode(), "byte order mark", False),
    (BASE.encode() + b"x: \xff\n", "not valid UTF-8", False),
    (b"<html><body>Not found</body></html>", "not 'key: value'", False),
]


@pytest.mark.parametrize("body, mode, max_age, mx", VALID)
def test_valid_policy_vectors_parse_with_their_values(body, mode, max_age, mx):
    policy = parse_policy(body)
    assert policy.errors == ()
    assert (policy.version, policy.mode, policy.max_age, policy.mx) == ("STSv1", mode, max_age, mx)


@pytest.mark.parametrize("body, fragment, tolerated", INVALID)
def test_invalid_policy_vectors_report_a_readable_error(body, fragment, tolerated):
    policy = parse_policy(body)
    assert not policy.valid
    assert any(fragment in error for error in policy.errors), policy.errors
    assert policy.tolerated is tolerated


def test_errors_name_the_line_they_are_on():
    policy = parse_policy(BASE.replace("enforce", "Enforce").encode())
    assert policy.errors[0].startswith("line 2: ")


def test_a_duplicate_key_other_than_mx_warns_that_the_first_counts():
    policy = parse_policy((BASE + "mode: testing\n").encode())
    assert policy.mode == "enforce"
    assert any("mode appears again" in w and "'enforce'" in w for w in policy.warnings)


def test_every_mx_line_counts():
    policy = parse_policy((BASE + "mx: mx2.example.fi\nmx: mx.example.fi\n").encode())
    assert policy.mx == ("mx.example.fi", "mx2.example.fi", "mx.example.fi") and not policy.warnings


def test_unknown_keys_are_kept_as_extensions_and_ignored():
    policy = parse_policy((BASE + "foo: bar baz\n").encode())
    assert policy.valid and policy.extensions == (("foo", "bar baz"),)


def test_a_key_that_looks_like_a_known_one_gets_a_hint():
    policy = parse_policy((BASE + "max-age: 5\n").encode())
    assert any("did you mean 'max_age'" in w for w in policy.warnings)


def test_a_broken_first_mode_is_not_replaced_by_a_later_one():
    policy = parse_policy(BASE.replace("mode: enforce", "mode: Enforce\nmode: testing").encode())
    assert policy.mode is None and not policy.valid


def test_garbage_produces_a_bounded_number_of_errors():
    policy = parse_policy(b"garbage line\n" * 10000)
    assert len(policy.errors) <= MAX_ERRORS + 4


@pytest.mark.parametrize("pattern", ["mx.example.fi", "*.example.fi", "a", "1.2.3.4", "x-y.z9"])
def test_mx_patterns_by_the_grammar_are_accepted(pattern):
    assert mx_pattern_error(pattern) is None


@given(st.binary(max_size=600))
@settings(max_examples=200)
def test_policy_parser_never_raises_on_arbitrary_bytes(body):
    parse_policy(body)
    parse_policy(BASE.encode() + body)


@given(st.text(max_size=400))
@settings(max_examples=200)
def test_policy_parser_never_raises_on_arbitrary_text(text):
    parse_policy(text)
    parse_policy(text.encode("utf-8", "surrogatepass"))


@given(policies())
@settings(max_examples=200)
def test_policies_generated_from_the_grammar_parse_as_valid(case):
    body, mode, max_age, mx = case
    policy = parse_policy(body)
    assert policy.errors == (), body
    assert (policy.mode, policy.max_age, policy.mx) == (mode, max_age, tuple(mx))


def test_a_64_kib_line_with_a_long_inner_run_of_spaces_is_parsed():
    # Guards against a backtracking regex (this took 32 s with a lazy group).
    policy = parse_policy(BASE.encode() + b"k: x" + b" " * 65000 + b"y\n")
    assert policy.valid and policy.extensions[0][1].startswith("x ")
