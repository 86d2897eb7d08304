"""RFC 6125 name matching and WebPKI verification of recorded chains."""
from datetime import timedelta

import pytest

from checker.engine import net
from checker.engine.certs import pattern_matches, verify_webpki
from tests.pki_helpers import NOW, Pki, issue


@pytest.mark.parametrize("pattern, host, expected", [
    ("mx.example.test", "mx.example.test", True),
    ("MX.Example.Test.", "mx.example.test", True),
    ("*.example.test", "mx.example.test", True),
    ("*.example.test", "example.test", False),
    ("*.example.test", "a.mx.example.test", False),
    ("m*.example.test", "mx.example.test", False),
    ("*.test", "example.test", False),
    ("mx.*.test", "mx.example.test", False),
    ("", "mx.example.test", False),
])
def test_wildcard_pattern_matches_exactly_one_leftmost_label(pattern, host, expected):
    assert pattern_matches(pattern, host) is expected


@pytest.fixture(scope="module")
def pki_files(tmp_path_factory):
    pki = Pki("mx.example.test")
    return pki, pki.write(tmp_path_factory.mktemp("pki"))[2]


def test_chain_to_a_bundle_root_with_matching_name_is_valid(pki_files):
    pki, bundle = pki_files
    assert verify_webpki(pki.chain_der(), "mx.example.test", bundle) == (True, None)


def test_net_exports_the_same_verifier():
    assert net.verify_webpki is verify_webpki


def test_missing_intermediate_is_untrusted(pki_files):
    pki, bundle = pki_files
    valid, error = verify_webpki((pki.leaf.der,), "mx.example.test", bundle)
    assert not valid and error.startswith("untrusted")


def test_wrong_name_is_a_name_mismatch(pki_files):
    pki, bundle = pki_files
    valid, error = verify_webpki(pki.chain_der(), "mx2.example.test", bundle)
    assert not valid and error.startswith("name-mismatch")


def test_validity_is_judged_at_the_given_time(pki_files):
    pki, bundle = pki_files
    valid, error = verify_webpki(pki.chain_der(), "mx.example.test", bundle, at_time=NOW + timedelta(days=365))
    assert not valid and error.startswith("expired")


def test_self_signed_leaf_is_untrusted(pki_files):
    _, bundle = pki_files
    self_signed = issue("mx.example.test", names=("mx.example.test",))
    valid, error = verify_webpki((self_signed.der,), "mx.example.test", bundle)
    assert not valid and error.startswith("untrusted")


def test_garbage_and_empty_chains_are_reported(pki_files):
    _, bundle = pki_files
    assert verify_webpki((b"junk",), "mx.example.test", bundle)[1].startswith("malformed")
    assert verify_webpki((), "mx.example.test", bundle)[1].startswith("no-certificate")


def test_unreadable_bundle_is_reported(pki_files):
    pki, _ = pki_files
    assert verify_webpki(pki.chain_der(), "mx.example.test", "/nonexistent.pem")[1].startswith("no-trust-store")
