"""RFC 8461 3.1: the _mta-sts TXT record grammar."""
import pytest
from hypothesis import given, settings, strategies as st

from checker.engine.mta_sts.record import is_sts_record, parse_record, select_record
from tests.grammar_strategies import sts_records

VALID = [
    # (record, id) -- the first two are RFC 8461's own examples
    ("v=STSv1; id=20160831085700Z;", "20160831085700Z"),
    ("v=STSv1; id=20160831085700Z", "20160831085700Z"),
    ("v=STSv1;id=1", "1"),
    ("v=STSv1;id=" + "a" * 32, "a" * 32),
    ("v=STSv1;\tid=abc\t;\t", "abc"),
    ("v=STSv1 ; id=abc", "abc"),
    ("v=STSv1;id=abc;ext=value", "abc"),
    ("v=STSv1;ext.name-x_y=!\"#$%&'()*+,-./:<>?@[]^_`{|}~;id=Z9", "Z9"),
    ("v=STSv1;id=a;id=b", "a"),                      # first id counts
    ("v=STSv1;id=abc;ID=xyz", "abc"),                # ID is an extension, not the id
    ("v=STSv1;id=abc;v=STSv2", "abc"),               # "v" again is just an extension
    ("v=STSv1;id=abc;" + "e" * 32 + "=1", "abc"),    # 32-character extension name
]

INVALID = [
    # (record, fragment of the expected error)
    ("v=STSv1", "id is missing"),
    ("v=STSv1;", "id is missing"),
    ("v=STSv1; ", "id is missing"),
    ("v=STSv1;ID=abc", "case-sensitive"),
    ("v=STSv1;id=", "empty value"),
    ("v=STSv1;id=2019-01-01", "1 to 32 letters and digits"),
    ("v=STSv1;id=" + "a" * 33, "1 to 32 letters and digits"),
    ("v=STSv1;id=abc_def", "1 to 32 letters and digits"),
    ("v=STSv1;id=äö", "1 to 32 letters and digits"),
    ("v=STSv1;id=1 ", "whitespace after the value"),
    ("v=STSv1;id=1;;", "empty field"),
    ("v=STSv1;;id=1", "empty field"),
    ("v=STSv1;id=1;x", "has no '='"),
    ("v=STSv1;id=1;_x=1", "field name"),
    ("v=STSv1;id=1;-x=1", "field name"),
    ("v=STSv1;id=1;" + "e" * 33 + "=1", "field name"),
    ("v=STSv1;id=1;x=a b", "values may not contain"),
    ("v=STSv1;id=1;x=a=b", "values may not contain"),
    ("v=STSv1;id=1;x=\x01", "values may not contain"),
    ("v=STSv1;id=1;x=", "empty value"),
    ("v=STSv1 id=1", "expected ';'"),
    ("v=STSv1 x;id=1", "expected ';'"),
]

# RFC 8461 3.1: strings that do not begin with "v=STSv1" *WSP ";" are discarded.
NOT_STS = ["", "v=spf1 -all", "v=STSv10;id=1", "V=STSv1;id=1", "v=STSV1;id=1", " v=STSv1;id=1", "v=STSv1id=1",
           "v=STSv1", "v=STSv1 ", "v=STSv1 id=1"]


@pytest.mark.parametrize("text, ident", VALID)
def test_valid_record_vectors_parse_with_their_id(text, ident):
    record = parse_record(text)
    assert record.errors == ()
    assert record.valid and record.id == ident


@pytest.mark.parametrize("text, fragment", INVALID)
def test_invalid_record_vectors_report_a_specific_error(text, fragment):
    record = parse_record(text)
    assert not record.valid
    assert any(fragment in error for error in record.errors), record.errors


@pytest.mark.parametrize("text", NOT_STS)
def test_strings_not_starting_with_exactly_v_stsv1_are_not_sts_records(text):
    assert not is_sts_record(text)


def test_whitespace_before_the_first_semicolon_is_valid_but_warned_about():
    record = parse_record("v=STSv1 ;id=1")
    assert record.valid and any("literal prefix" in w for w in record.warnings)


def test_duplicate_id_warns_that_the_first_counts():
    assert any("first (a) counts" in w for w in parse_record("v=STSv1;id=a;id=b").warnings)


def test_selection_ignores_other_txt_records():
    selection = select_record(["v=spf1 -all", "v=STSv1; id=1", "google-site-verification=x"])
    assert selection.status == "valid" and selection.record.id == "1"


def test_selection_reports_multiple_when_two_sts_records_exist():
    selection = select_record(["v=STSv1; id=1", "v=STSv1; id=2"])
    assert selection.status == "multiple" and selection.record is None and len(selection.sts_records) == 2


def test_selection_counts_an_invalid_second_record_as_multiple():
    assert select_record(["v=STSv1; id=1", "v=STSv1; id=2019-01-01"]).status == "multiple"


@pytest.mark.parametrize("other", ["v=STSv1", "v=STSv1 id=2", "V=STSv1; id=2", "v=STSv10; id=2"])
def test_selection_discards_strings_not_beginning_with_v_stsv1_semicolon(other):
    # RFC 8461 3.1: "records that do not begin with "v=STSv1;" are discarded"
    selection = select_record(["v=STSv1; id=1", other])
    assert selection.status == "valid" and selection.record.id == "1" and selection.sts_records == ("v=STSv1; id=1",)


def test_a_lone_version_tag_is_reported_invalid_not_missing():
    selection = select_record(["v=STSv1"])
    assert selection.status == "invalid" and "id is missing" in selection.errors[0]


def test_selection_reports_missing_when_no_sts_record_exists():
    assert select_record([]).status == "missing"
    assert select_record(["v=spf1 -all"]).status == "missing"


@pytest.mark.parametrize("other_version", ["v=STSv0", "v=STSv2", "v=STSv2; id=1"])
def test_other_versions_are_not_records(other_version):
    selection = select_record([other_version])
    assert selection.status == "missing" and selection.ignored == ()


@pytest.mark.parametrize("text", ["v=STSv10", "v=STSv10; id=1", "v=STSv1x; id=1"])
def test_a_string_beginning_with_v_stsv1_then_more_characters_is_an_invalid_record(text):
    selection = select_record([text])
    assert selection.status == "invalid" and "expected ';'" in selection.errors[0]


@pytest.mark.parametrize("text", ["v=STSV1; id=1", "V=STSv1; id=1", " v=STSv1; id=1"])
def test_a_wrongly_cased_or_indented_version_is_no_record_but_is_named(text):
    selection = select_record([text])
    assert selection.status == "missing" and len(selection.ignored) == 1
    assert "not a record" in selection.ignored[0]


def test_beside_other_records_a_candidate_without_the_exact_prefix_is_discarded():
    selection = select_record(["v=spf1 -all", "v=STSv1 ;id=1"])
    assert selection.status == "invalid" and "is discarded" in selection.errors[0]


def test_selection_reports_invalid_for_a_single_broken_record():
    selection = select_record(["v=STSv1; id=2019-01-01"])
    assert selection.status == "invalid" and selection.record.errors


@given(st.text(max_size=300))
@settings(max_examples=300)
def test_record_parser_never_raises_on_arbitrary_text(text):
    parse_record(text)
    parse_record("v=STSv1;" + text)
    select_record([text, "v=STSv1" + text])


@given(sts_records())
@settings(max_examples=300)
def test_records_generated_from_the_grammar_parse_as_valid(case):
    text, ident = case
    record = parse_record(text)
    assert record.errors == (), text
    assert record.id == ident
