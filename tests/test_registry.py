"""The protocol registry: every layer's list comes from it, and a gap is named."""
import sys
import types

import pytest

from checker import grading, presenter, registry_check
from checker.engine import registry
from checker.engine.protocol import GOOD, Evaluated, Protocol


def test_every_registered_protocol_is_complete():
    assert registry_check.problems() == []


def test_the_registry_lists_the_report_sections_in_order():
    assert registry.NAMES == ("dnssec", "mx", "starttls", "dane", "mta_sts", "tls_rpt")
    assert [p.name for p in registry.PROTOCOLS] == list(registry.NAMES)


def test_a_protocol_without_a_module_is_reported_by_name():
    assert registry_check.problems(("smtp_nope",)) == ["protocol smtp_nope: there is no module checker.engine.smtp_nope"]


def test_a_module_without_a_descriptor_is_reported_by_name(monkeypatch):
    monkeypatch.setitem(sys.modules, "checker.engine.bare", types.ModuleType("checker.engine.bare"))
    (problem,) = registry_check.problems(("bare",))
    assert problem.startswith("protocol bare: module checker.engine.bare exports no PROTOCOL")


def _fake_protocol(monkeypatch, name):
    module = types.ModuleType(f"checker.engine.{name}")
    module.PROTOCOL = Protocol(
        name=name, label="Fake", statuses={"ok": GOOD}, finding_codes={f"{name}.ok": "fine"}, references=(),
        error_section=lambda: {"status": "error"}, evaluate=lambda check, results: Evaluated(None, ()))
    monkeypatch.setitem(sys.modules, module.__name__, module)


def test_a_protocol_missing_its_template_catalogue_and_grading_rule_is_reported_by_name(monkeypatch):
    _fake_protocol(monkeypatch, "fakeproto")
    problems = registry_check.problems(("fakeproto",))
    assert problems == [
        "protocol fakeproto: no template part templates/check/part_fakeproto.html",
        "protocol fakeproto: no catalogue entry (checker/remediation_texts.py) for fakeproto.ok, "
        "fakeproto.incomplete, fakeproto.check_failed",
        "protocol fakeproto: no grading rule (checker/grading.py RULES)",
    ]


def test_a_protocol_with_every_part_is_complete(monkeypatch, tmp_path):
    _fake_protocol(monkeypatch, "fakeproto")
    (tmp_path / "check").mkdir()
    (tmp_path / "check" / "part_fakeproto.html").write_text("")
    monkeypatch.setattr(registry_check, "TEMPLATES", tmp_path)
    from checker import remediation_texts

    for code in ("fakeproto.ok", "fakeproto.incomplete", "fakeproto.check_failed"):
        monkeypatch.setitem(remediation_texts.CATALOGUE, code, remediation_texts.GENERIC)
    monkeypatch.setitem(grading.RULES, "fakeproto", lambda section, facts: {})
    assert registry_check.problems(("fakeproto",)) == []


def test_a_broken_protocol_module_fails_the_import_loudly(monkeypatch):
    def broken(name, *args, **kwargs):
        raise ImportError("cannot import name 'x' from 'somewhere'")

    monkeypatch.setattr(registry.importlib, "import_module", broken)
    with pytest.raises(ImportError, match="cannot import name"):
        registry.load("dane")


def test_the_web_layers_take_labels_and_tones_from_the_registry():
    assert presenter.PARTS == tuple((p.name, p.label) for p in registry.PROTOCOLS)
    assert presenter.tone("starttls", "ok") == "good" and presenter.tone("dane", "not-applicable") == "neutral"
    assert list(grading.RULES) == list(registry.NAMES)
