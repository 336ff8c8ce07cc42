"""Policy loading: every broken policy in fixtures/invalid/ gives its located diagnostic."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import jknrules
from jknrules.errors import PolicyError
from jknrules.load.loader import load_policy_file, load_policy_text

FIXTURES = Path(__file__).parent / "fixtures"
EXPECTED = yaml.safe_load((FIXTURES / "invalid" / "expected.yaml").read_text())


def test_every_invalid_fixture_has_an_expectation() -> None:
    files = {p.stem for p in (FIXTURES / "invalid").glob("*.yaml")} - {"expected"}
    assert files == set(EXPECTED)


def test_the_minimal_fixture_is_valid() -> None:
    loaded = load_policy_file(FIXTURES / "minimal.yaml")
    assert loaded.policy.regency == "batang"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_policy_is_located(name: str) -> None:
    want = EXPECTED[name]
    with pytest.raises(PolicyError) as info:
        load_policy_file(FIXTURES / "invalid" / f"{name}.yaml")
    found = [(d.code, d.span.line, d.span.column) for d in info.value.diagnostics if d.span]
    assert (want["code"], want["line"], want["column"]) in found, found
    [hit] = [d for d in info.value.diagnostics if d.span and (d.code, d.span.line,
             d.span.column) == (want["code"], want["line"], want["column"])]
    for key in ("message_id", "message_en", "hint_id", "hint_en"):
        assert want.get(key, "") in getattr(hit, key), (key, hit)
    for d in info.value.diagnostics:
        assert d.message_id and d.message_en, d
        assert d.span is not None and d.span.file.endswith(f"{name}.yaml")


def test_all_errors_of_a_file_are_collected_and_sorted() -> None:
    text = (FIXTURES / "minimal.yaml").read_text()
    text = text.replace("target_segment: pbi_apbd", "target_segment: kis_pbi")
    text = text.replace("office: dinkes", "office: dinsos").replace("- require: kk", "- require: x")
    with pytest.raises(PolicyError) as info:
        load_policy_text(text, "p.yaml")
    lines = [d.span.line for d in info.value.diagnostics if d.span]
    assert len(lines) >= 2
    assert lines == sorted(lines)


def test_duplicate_key_message_names_both_lines() -> None:
    text = "regency: batang\nregency: malinau\n"
    with pytest.raises(PolicyError) as info:
        load_policy_text(text, "dup.yaml")
    d = info.value.diagnostics[0]
    assert d.code == "JKN-Y002"
    assert "baris 1" in d.message_id and "line 1" in d.message_en
    assert (d.span.line, d.span.column) == (2, 1)


def test_error_text_shows_source_line_and_caret() -> None:
    text = (FIXTURES / "minimal.yaml").read_text().replace("office: dinkes", "office: dinsos")
    with pytest.raises(PolicyError) as info:
        load_policy_text(text, "p.yaml")
    rendered = info.value.diagnostics[0].format("id")
    assert rendered.startswith("p.yaml:24:9: JKN-P015")
    assert "office: dinsos" in rendered and rendered.rstrip().endswith("^")


def test_alias_bomb_is_refused_quickly() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    for i in range(1, 10):
        bomb += f"{chr(97 + i)}: &{chr(97 + i)} [*{chr(96 + i)}, *{chr(96 + i)}, *{chr(96 + i)}]\n"
    with pytest.raises(PolicyError) as info:
        load_policy_text(bomb, "bomb.yaml")
    assert {d.code for d in info.value.diagnostics} == {"JKN-Y003"}


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(PolicyError) as info:
        load_policy_text("[" * 500 + "]" * 500, "deep.yaml")
    assert info.value.diagnostics[0].code == "JKN-Y006"


def test_empty_file_is_refused() -> None:
    with pytest.raises(PolicyError) as info:
        load_policy_text("# only a comment\n", "empty.yaml")
    assert info.value.diagnostics[0].code == "JKN-Y007"


def test_policy_folder_with_two_files_for_one_regency(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text((FIXTURES / "minimal.yaml").read_text())
    with pytest.raises(PolicyError) as info:
        jknrules.load_policies(tmp_path)
    assert info.value.diagnostics[0].code == "JKN-P030"


def test_missing_policy_folder(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        jknrules.load_policies(tmp_path / "nope")
    assert info.value.diagnostics[0].code == "JKN-F001"


def test_shipped_policies_load(policies: jknrules.PolicySet) -> None:
    assert policies.regencies() == ["batang", "karangasem", "malinau"]
    karangasem = policies.get("5107")
    assert [v.effective_from.isoformat() for v in karangasem.versions] == [
        "2023-05-22", "2025-12-31"]


def test_versions_layer_services(policies: jknrules.PolicySet) -> None:
    v2023, v2025 = policies.get("karangasem").versions
    routes = [s.route for s in v2025.services]
    assert routes == ["regular_registration", "emergency_registration",
                      "transfer_from_mandiri", "reactivation"]
    by_route = {s.route: s for s in v2025.services}
    assert by_route["regular_registration"].defined_in.isoformat() == "2023-05-22"
    assert by_route["reactivation"].defined_in.isoformat() == "2023-05-22"
    assert by_route["emergency_registration"].defined_in.isoformat() == "2025-12-31"
    assert by_route["transfer_from_mandiri"].model.target_segment == "pbpu_bp_pemda"
    old = {s.route: s for s in v2023.services}
    assert old["transfer_from_mandiri"].model.target_segment == "pbi_apbd"
    assert v2023.sha256 != v2025.sha256


def test_huge_document_is_refused_within_bounds() -> None:
    with pytest.raises(PolicyError) as info:
        load_policy_text("[" + "1," * 200_000 + "]", "huge.yaml")
    assert info.value.diagnostics[0].code == "JKN-Y006"
    with pytest.raises(PolicyError) as info:
        load_policy_text("a: " + "x" * 1_000_001, "huge.yaml")
    assert info.value.diagnostics[0].code == "JKN-Y006"


def test_closing_time_past_midnight_is_refused() -> None:
    text = (FIXTURES / "minimal.yaml").read_text().replace('"07:30-10:30"', '"07:30-24:45"')
    with pytest.raises(PolicyError) as info:
        load_policy_text(text, "p.yaml")
    assert info.value.diagnostics[0].code == "JKN-P002"
    assert "07:30-24:45" in info.value.diagnostics[0].message_id
