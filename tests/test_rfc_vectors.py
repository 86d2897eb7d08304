"""Vectors from a strict reference implementation's tests (mox mtasts/, tlsrpt/) and the RFC
examples, with our verdicts. Where a verdict differs from mox's, the RFC text decided and
the comment says why (RFC 8461 3.1-3.2, RFC 8460 3)."""
import pytest

from checker.engine.mta_sts.policy import parse_policy
from checker.engine.mta_sts.record import select_record
from checker.engine.tls_rpt import TlsRptRetrieved, evaluate_tls_rpt, parse_tlsrpt
from checker.engine.dns import DnsAnswer

RECORDS = [
    # (TXT string, selection status, id)
    ("v=STSv1; id=20160831085700Z;", "valid", "20160831085700Z"),            # RFC 8461 3.1 example
    ("v=STSv1; \t id=20160831085700Z  \t;", "valid", "20160831085700Z"),
    ("v=STSv1; id=a", "valid", "a"),
    ("v=STSv1; id=a; more=a; ext=2", "valid", "a"),
    ("v=STSv1;ext=1;id=abc", "valid", "abc"),                                # order not significant
    ("v=STSv1;id=a;id=b", "valid", "a"),  # mox: invalid; RFC 8461 3.2: duplicates after the first are ignored
    ("v=STSv0", "missing", None),
    ("v=STSv10", "invalid", None),  # begins with "v=STSv1": a candidate the ABNF rejects (trailing digit)
    ("v=STSv10; id=1", "invalid", None),
    ("v=STSv2", "missing", None),
    ("v=STSV1; id=1", "missing", None),   # the version is case-sensitive (%s"v=STSv1"): no record
    (" v=STSv1; id=1", "missing", None),  # leading space: does not begin with the version: no record
    ("v=STSv1 ; id=1", "valid", "1"),     # ABNF: *WSP before ";" (alone, the discard rule does not apply)
    ("v=STSv1 id=1", "invalid", None),    # the version not followed by ";"
    ("v=STSv1", "invalid", None),  # mox: not an STS record; alone it is a published but unusable one
    ("v=STSv1;", "invalid", None),
    ("v=STSv1; ext=1", "invalid", None),
    ("v=STSv1; id=", "invalid", None),
    ("v=STSv1; id=012345678901234567890123456789012", "invalid", None),
    ("v=STSv1; id=test-123", "invalid", None),
    ("v=STSv1; id=a; more=", "invalid", None),
    ("v=STSv1; id=a; a12345678901234567890123456789012=1", "invalid", None),
    ("v=STSv1; id=a; 1%=a", "invalid", None),
    ("v=STSv1; id=a; test==", "invalid", None),
    ("v=STSv1; id=a;;", "invalid", None),
    ("v=STSv1; id=a ", "invalid", None),   # WSP after the last value needs a following ";"
    ("v=STSv1;id=a;-x=1", "invalid", None),  # mox: valid; sts-ext-name starts with ALPHA / DIGIT
]

# Several TXT strings at _mta-sts: RFC 8461 3.1's discard rule, applied literally.
RECORD_SETS = [
    # (TXT strings, selection status, id)
    (("v=spf1 -all", "v=STSv1; id=1"), "valid", "1"),                    # other strings are not records
    (("v=STSV1; id=2", "v=STSv1; id=1"), "valid", "1"),                  # a near miss beside a record: ignored
    (("v=STSv1; id=1", "v=STSv1; id=2"), "multiple", None),
    (("v=STSv1; id=1", "v=STSv1;id=bad-id"), "multiple", None),          # both begin with "v=STSv1;"
    (("v=STSv1; id=1", "v=STSv1 ; id=2"), "valid", "1"),                 # no "v=STSv1;": discarded
    (("v=STSv1; id=1", "v=STSv10; id=2"), "valid", "1"),
    (("v=spf1 -all", "v=STSv1 ; id=1"), "invalid", None),               # the only candidate discarded
    (("v=spf1 -all", "v=STSV1; id=1"), "missing", None),
]

POLICIES = [
    # (body, valid, mode, max_age, mx)
    ("version: STSv1\nmode: testing\nmx: mx1.example.com\nmx: mx2.example.com\nmx: mx.backup-example.com\n"
     "max_age: 1296000\n", True, "testing", 1296000, ("mx1.example.com", "mx2.example.com", "mx.backup-example.com")),
    ("version: STSv1\nmode: enforce\t\nmx: *.example.com \nmax_age: 0 \n", True, "enforce", 0, ("*.example.com",)),
    ("version:STSv1\r\nmode:\tenforce\r\nmx:  \t\t *.example.com\nmax_age: 1\nmore:ext e  ns ion",
     True, "enforce", 1, ("*.example.com",)),
    ("version: STSv1\nmode: enforce\nmx: mail.example.com\nmx: *.example.net\nmx: backupmx.example.com\n"
     "max_age: 604800", True, "enforce", 604800, ("mail.example.com", "*.example.net", "backupmx.example.com")),
    ("version:STSv1\nmode:none\nmax_age:0 ", True, "none", 0, ()),
    ("version:STSv1\nmode:none\nmax_age:0\next:abc ", True, "none", 0, ()),
    ("version:STSv1\nmode:none\nmax_age:0\next:a\t", True, "none", 0, ()),
    ("", False, None, None, ()),
    ("version:STSv0\nmode:none\nmax_age:0", False, "none", 0, ()),
    ("version:STSv10\nmode:none\nmax_age:0", False, "none", 0, ()),
    ("version:STSv2\nmode:none\nmax_age:0", False, "none", 0, ()),
    ("version:STSv1\nmax_age:0\nmx:example.com", False, None, 0, ("example.com",)),
    ("version:STSv1\nmode:none", False, "none", None, ()),
    ("version:STSv1\nmax_age:0\nmode:enforce", False, "enforce", 0, ()),
    ("version:STSv1\nmax_age:0\nmode:testing", False, "testing", 0, ()),
    ("max_age:0\nmode:none", False, "none", 0, ()),
    ("version:STSv1\nmode:none\nmax_age:01234567890", False, "none", None, ()),
    ("version:STSv1\nmode:bad\nmax_age:1", False, None, 1, ()),
    ("version:STSv1\nmode:none\nmax_age:a", False, "none", None, ()),
    ("version:STSv1\nmode:enforce\nmax_age:0\nmx:", False, "enforce", 0, ()),
    ("version:STSv1\nmode:enforce\nmax_age:0\nmx:*.*.example", False, "enforce", 0, ()),
    ("version:STSv1\nmode:enforce\nmax_age:0\nmx:**.example", False, "enforce", 0, ()),
    ("version:STSv1\nmode:enforce\nmax_age:0\nmx:**.example-", False, "enforce", 0, ()),
    ("version:STSv1\nmode:enforce\nmax_age:0\nmx:test.example-", False, "enforce", 0, ()),
    ("version:STSv1\nmode:none\nmax_age:0\next:", False, "none", 0, ()),
    ("version:STSv1\nmode:none\nmax_age:0\na12345678901234567890123456789012:123", False, "none", 0, ()),
    ("version:STSv1\nmode:none\nmax_age:0\n_bad:test", False, "none", 0, ()),
    ("version:STSv1\nmode:none\nmax_age:0\nmx: m\u00f8x.example", False, "none", 0, ()),
    ("version:STSv1\nmode:none\nmax_age:1\r", False, "none", None, ()),  # lone CR is no sts-policy-term
    ("version:STSv1\nmode:none\nmax_age:1\n-ext: a", False, "none", 1, ()),  # mox: valid; ext-name ABNF
    ("version:STSv1\nmode:none\nmax_age:31557601", False, "none", None, ()),  # mox: valid; 3.2 "maximum value"
    ("version:STSv1\nmode:enforce\nmax_age:1\nmx: " + "a" * 64 + ".example", False, "enforce", 1, ()),  # mox: valid
]

TLSRPT = [
    # (TXT string, valid, rua)
    ("v=TLSRPTv1;rua=mailto:reports@example.com", True, ("mailto:reports@example.com",)),     # RFC 8460 3.1.1
    ("v=TLSRPTv1; rua=https://reporting.example.com/v1/tlsrpt", True,
     ("https://reporting.example.com/v1/tlsrpt",)),                                           # RFC 8460 3.1.2
    ("v=TLSRPTv1; rua=mailto:tlsrpt@mox.example;", True, ("mailto:tlsrpt@mox.example",)),
    ("v=TLSRPTv1; rua=mailto:tlsrpt@mox.example; ext=yes", True, ("mailto:tlsrpt@mox.example",)),
    ("v=TLSRPTv1 ; rua=mailto:x@x.example; rua=mailto:y@x.example", True, ("mailto:x@x.example", "mailto:y@x.example")),
    ("v=TLSRPTv1; rua=mailto:tlsrpt@mox.example , \t\t https://mox.example/tlsrpt;", True,
     ("mailto:tlsrpt@mox.example", "https://mox.example/tlsrpt")),
    # mox: valid; the grammar allows WSP after a URI only before "," or as part of "; "
    ("v=TLSRPTv1; rua=mailto:tlsrpt@mox.example , \t\t https://mox.example/tlsrpt  ", False, None),
    ("v=TLSRPTv0", False, ()),
    ("v=TLSRPTv10", False, ()),
    ("v=TLSRPTv2", False, ()),
    ("v=TLSRPTv1", False, ()),
    ("v=TLSRPTv1;", False, ()),
    ("v=TLSRPTv1; ext=1", False, ()),
    ("v=TLSRPTv1; rua=", False, ()),
    ("v=TLSRPTv1; rua=noscheme", False, ()),
    ("v=TLSRPTv1; rua=,, ,", False, ()),
    ("v=TLSRPTv1; rua=mailto:x@x.example; more=", False, None),
    ("v=TLSRPTv1; rua=mailto:x@x.example; a12345678901234567890123456789012=1", False, None),
    ("v=TLSRPTv1; rua=mailto:x@x.example; 1%=a", False, None),
    ("v=TLSRPTv1; rua=mailto:x@x.example; test==", False, None),
    ("v=TLSRPTv1; rua=mailto:x@x.example;;", False, None),
    ("v=TLSRPTv1; rua=mailto:x@x.example other", False, None),
    ("v=TLSRPTv1; rua=http://bad/%", False, None),
    ("v=TLSRPTv1; rua=mailto:x@x.example!10m", False, None),  # RFC 8460 3: "!" MUST be encoded
    ("v=TLSRPTv1; rua=http://x.example/r", False, None),      # mox: valid; only mailto and https are supported
    # RFC 8460 3: at least one usable (mailto:/https:) URI; another scheme beside it is unusable, not an error
    ("v=TLSRPTv1; rua=mailto:x@x.example,http://x.example/r", True, ("mailto:x@x.example",)),
    ("v=TLSRPTv1; rua=ftp://x.example/r,https://x.example/r", True, ("https://x.example/r",)),
    ("v=TLSRPTv1; rua=ftp://x.example/r,http://x.example/r", False, ()),
    ("v=TLSRPTv1; rua=mailto:x@x.example,noscheme", False, None),  # malformed: still an error
]

# TXT strings at _smtp._tls: the same selection rule (RFC 8460 3), status of the section.
TLSRPT_SETS = [
    (("v=TLSRPTv1; rua=mailto:x@x.example",), "valid"),
    (("v=TLSRPTv10; rua=mailto:x@x.example",), "invalid"),           # a candidate the ABNF rejects
    (("v=TLSRPTv1",), "invalid"),
    (("v=tlsrptv1; rua=mailto:x@x.example",), "none"),               # other case: no record
    ((" v=TLSRPTv1; rua=mailto:x@x.example",), "none"),              # leading space: no record
    (("v=TLSRPTv2; rua=mailto:x@x.example",), "none"),               # another version: no record
    (("v=spf1 -all", "v=TLSRPTv1;rua=mailto:x@x.example"), "valid"),
    (("v=TLSRPTV1;rua=mailto:y@x.example", "v=TLSRPTv1;rua=mailto:x@x.example"), "valid"),
    (("v=TLSRPTv1;rua=mailto:x@x.example", "v=TLSRPTv1;rua=mailto:y@x.example"), "multiple"),
    (("v=TLSRPTv1;rua=mailto:x@x.example", "v=TLSRPTv1 ;rua=mailto:y@x.example"), "valid"),
    (("v=spf1 -all", "v=TLSRPTv1 ;rua=mailto:x@x.example"), "invalid"),  # the only candidate discarded
    (("v=TLSRPTv1; rua=mailto:x@x.example,gopher://x.example/",), "valid"),
]


@pytest.mark.parametrize("txt, status, ident", RECORDS)
def test_record_vectors(txt, status, ident):
    selection = select_record([txt])
    assert selection.status == status, selection.errors
    assert (selection.record.id if selection.record and selection.record.valid else None) == ident


@pytest.mark.parametrize("txts, status, ident", RECORD_SETS)
def test_record_set_vectors(txts, status, ident):
    selection = select_record(list(txts))
    assert selection.status == status, selection.errors
    assert (selection.record.id if selection.record and selection.record.valid else None) == ident


@pytest.mark.parametrize("txts, status", TLSRPT_SETS)
def test_tlsrpt_set_vectors(txts, status):
    answer = DnsAnswer(name="_smtp._tls.example.fi", rdtype="TXT", rcode="NOERROR", security="insecure",
                       records=txts, txt_strings=txts)
    result = evaluate_tls_rpt(TlsRptRetrieved("example.fi", "_smtp._tls.example.fi", answer))
    assert result.status == status, result.errors


@pytest.mark.parametrize("body, valid, mode, max_age, mx", POLICIES)
def test_policy_vectors(body, valid, mode, max_age, mx):
    policy = parse_policy(body.encode())
    assert policy.valid == valid, policy.errors
    assert (policy.mode, policy.max_age, policy.mx) == (mode, max_age, mx)


@pytest.mark.parametrize("txt, valid, rua", TLSRPT)
def test_tlsrpt_vectors(txt, valid, rua):
    record = parse_tlsrpt(txt)
    assert record.valid == valid, record.errors
    if rua is not None:
        assert record.rua == rua
