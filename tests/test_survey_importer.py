"""The survey importer: zone files and plain lists, bad lines with their numbers, IDNs, duplicates."""
from checker.survey.importer import detect_format, matches_opt_out, parse, parse_list, parse_zone

ZONE = """\
; a registry zone as the thesis read it
$ORIGIN fi.
$TTL 3600
@   IN SOA a.nic.fi. hostmaster.fi. ( 2024060101 ; serial
        3600 600 86400 60 )
@       NS a.nic.fi.
example NS ns1.example
example NS ns2.example
ns1.example A 192.0.2.1
example DS 12345 13 2 ABCD
signed.fi. 300 IN DS 1 13 2 ab
signed.fi. 300 IN NS ns.hoster.fi.
xn--kknen-fraa0m NS ns.hoster.fi.
under_score NS ns.hoster.fi.
continued.fi. NS ns.hoster.fi.
        DS 1 13 2 ff
garbage without a type
dsonly DS 1 13 2 00
$INCLUDE other.zone
EXAMPLE.fi. NS ns3.example.fi.
"""


def test_a_zone_yields_each_delegation_once_with_its_ds_presence():
    result = parse(ZONE.splitlines())
    assert result.format == "zone" and result.apex == "fi"
    assert [(d, ds) for d, _, ds in result.domains] == [
        ("example.fi", True), ("signed.fi", True), ("xn--kknen-fraa0m.fi", False), ("continued.fi", True)]
    assert result.domains[0][1] == 7   # the line of its first record


def test_bad_zone_lines_are_reported_with_their_line_numbers_and_the_import_carries_on():
    result = parse_zone(ZONE.splitlines())
    bad = dict(result.bad)
    assert "underscore" in bad[14]
    assert "no record type" in bad[17]
    assert "not supported" in bad[19]
    assert "DS record but no NS" in bad[18]
    assert result.bad_count == 4 and len(result.domains) == 4


def test_an_unclosed_parenthesis_is_a_bad_line_not_a_crash():
    result = parse_zone(["$ORIGIN fi.", "a NS ns.b.fi.", "c NS ( ns.d.fi."])
    assert [d for d, _, _ in result.domains] == ["a.fi"]
    assert result.bad == [(3, "parenthesis opened here is never closed")]


def test_relative_names_before_any_origin_are_refused():
    result = parse_zone(["example NS ns.example.fi."])
    assert result.domains == [] and "before any $ORIGIN" in result.bad[0][1]


def test_a_zone_with_u_labels_gets_the_a_label():
    result = parse_zone(["$ORIGIN fi.", "ääkkönen NS ns.hoster.fi."])
    assert result.domains == [("xn--kknen-fraa0m.fi", 2, False)]


LIST = """\
# domains to survey
Example.FI
https://foo.fi/contact
user@bar.fi
example.fi.
not a domain
ääkkönen.fi
xn--kknen-fraa0m.fi
192.0.2.1
"""


def test_a_plain_list_is_normalised_deduplicated_and_bad_lines_are_numbered():
    result = parse(LIST.splitlines())
    assert result.format == "list"
    assert [(d, line) for d, line, _ in result.domains] == [
        ("example.fi", 2), ("foo.fi", 3), ("bar.fi", 4), ("xn--kknen-fraa0m.fi", 7)]
    assert result.duplicates == 2
    assert [line for line, _ in result.bad] == [6, 9]
    assert all(ds is None for _, _, ds in result.domains)


def test_a_list_line_with_record_type_words_is_still_a_list():
    assert detect_format(["not a domain", "example.fi"]) == "list"
    assert detect_format(["example.fi. 3600 IN NS ns1.example.fi."]) == "zone"


def test_only_the_first_bad_lines_are_kept_but_all_are_counted():
    result = parse_list([f"bad line {i}" for i in range(80)])
    assert result.bad_count == 80 and len(result.bad) == 50


def test_an_opt_out_covers_the_domain_and_the_names_below_it():
    listed = {"optout.fi"}
    assert matches_opt_out("optout.fi", listed)
    assert matches_opt_out("mail.optout.fi", listed)
    assert not matches_opt_out("notoptout.fi", listed)
