"""Policy and case diagnostics are the project's own words, in Indonesian and English,
with hints an officer can act on (``load/validation.py``, ``load/source.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

import jknrules
from jknrules.errors import Diagnostic, PolicyError
from jknrules.language.policy import Policy
from jknrules.load.loader import load_policy_text
from jknrules.load.source import parse
from jknrules.load.validation import _MESSAGES

FIXTURES = Path(__file__).parent / "fixtures"
MINIMAL = (FIXTURES / "minimal.yaml").read_text(encoding="utf-8")
WINDOW = "office: dinkes\n        intake_window: {from_day: 1, to_day: 10, source: {clause: A}}"
#: Phrases of pydantic's English messages, which must never reach an officer.
PYDANTIC_WORDS = ("Input should", "String should", "Field required", "Extra inputs",
                  "should have at", "Value error", "Assertion failed", "valid dictionary",
                  "List should", "Tuple should", "Dictionary should")

# pydantic error type -> a change to tests/fixtures/minimal.yaml that causes it
MUTATIONS: dict[str, tuple[str, str]] = {
    "missing": ("name: Kabupaten Batang\n", ""),
    "extra_forbidden": ("title: Pendaftaran", "title: Pendaftaran\n        titel: x"),
    "literal_error": ("target_segment: pbi_apbd", "target_segment: kis_pbi"),
    "string_pattern_mismatch": ('"07:30-10:30"', '"07.30-10.30"'),
    "string_type": ('bps_code: "3325"', "bps_code: 3325"),
    "string_too_short": ("name: Loket", 'name: ""'),
    "string_too_long": ("id: tidak_dtks", "id: " + "a" * 70),
    # integers are strict: "awal", 1.5 and true are all ``int_type`` (no ``int_parsing`` or
    # ``int_from_float``), and ``.inf`` never reaches pydantic (JKN-Y008 while composing)
    "int_type": ("office: dinkes", WINDOW.replace("from_day: 1", "from_day: [1]")),
    "greater_than_equal": ("office: dinkes", WINDOW.replace("from_day: 1", "from_day: 0")),
    "less_than_equal": ("office: dinkes", WINDOW.replace("to_day: 10", "to_day: 32")),
    "bool_parsing": ("equals: register}", "equals: register, if_missing: mungkin}"),
    "bool_type": ("equals: register}", "equals: register, if_missing: [true]}"),
    "date_from_datetime_parsing": ("effective_from: 2022-09-28",
                                   "effective_from: 2022-13-28"),
    "date_from_datetime_inexact": ("effective_from: 2022-09-28",
                                   "effective_from: 2022-09-28 10:00:00"),
    "list_type": ("documents:\n          - require: kk\n            source: {clause: \"Persyaratan 2\"}",
                  "documents: {}"),
    "dict_type": ("offices:\n  dinkes:\n    name: Dinas Kesehatan", "offices: [dinkes]"),
    "model_type": ('source: {clause: "A"}', 'source: "A"'),
    "too_short": ("channels:\n          - id: counter\n            name: Loket\n"
                  "            hours: {mon: [\"07:30-14:30\"], fri: [\"07:30-10:30\"]}\n"
                  "            source: {clause: \"Waktu\"}",
                  "channels: []"),
    "tuple_type": ("when: {field: welfare.dtks, equals: none}",
                   "when: {field: welfare.desil, between: 3}"),
    "too_long": ("when: {field: welfare.dtks, equals: none}",
                 "when: {field: welfare.desil, between: [1, 2, 3]}"),
    "jknrules_invalid": ("when: {field: welfare.dtks, equals: none}",
                         "when: {field: welfare.dtks}"),
}


def broken(kind: str) -> str:
    old, new = MUTATIONS[kind]
    assert old in MINIMAL, kind
    return MINIMAL.replace(old, new, 1)


def diagnostics(text: str, file: str = "p.yaml") -> tuple[Diagnostic, ...]:
    with pytest.raises(PolicyError) as info:
        load_policy_text(text, file)
    return info.value.diagnostics


@pytest.mark.parametrize("kind", sorted(MUTATIONS))
def test_every_pydantic_error_is_said_in_the_projects_words(kind: str) -> None:
    data = parse(broken(kind), "p.yaml", PolicyError).data
    with pytest.raises(ValidationError) as raw:
        Policy.model_validate(data)
    raw_messages = {e["msg"] for e in raw.value.errors()}
    assert kind in {e["type"] for e in raw.value.errors()}, raw.value.errors()
    for d in diagnostics(broken(kind)):
        assert d.code == "JKN-P002"
        if kind != "jknrules_invalid":  # a validator of ours: its English is ours already
            assert d.message_en not in raw_messages, d
        assert not any(w in d.message_en for w in PYDANTIC_WORDS), d
        assert d.message_id and d.message_id != d.message_en, d


def test_the_templates_cover_both_languages() -> None:
    for kind, text in _MESSAGES.items():
        assert text.id and text.en and text.id != text.en, kind


def test_dotted_hours_say_how_to_write_them() -> None:
    [d] = diagnostics(broken("string_pattern_mismatch"))
    assert "tulis jam sebagai HH:MM-HH:MM, mis. 07:30-10:30" in d.message_id
    assert "write hours as HH:MM-HH:MM, e.g. 07:30-10:30" in d.message_en
    assert "titik" in d.hint_id and "'07:30-10:30'" in d.hint_id
    assert "dot" in d.hint_en and "'07:30-10:30'" in d.hint_en


@pytest.mark.parametrize(("written", "fixed"), [
    ("7.30-10.30", "07:30-10:30"), ("7:30-10:30", "07:30-10:30"),
    ("07.30 - 14.00", "07:30-14:00"), ("08.00–12.00", "08:00-12:00"),
])
def test_hours_written_loosely_get_the_policy_form(written: str, fixed: str) -> None:
    [d] = diagnostics(MINIMAL.replace('"07:30-10:30"', f'"{written}"'))
    assert f"'{fixed}'" in d.hint_id and f"'{fixed}'" in d.hint_en


def test_hours_that_are_not_hours_get_no_guess() -> None:
    [d] = diagnostics(MINIMAL.replace('"07:30-10:30"', '"pagi"'))
    assert "HH:MM-HH:MM" in d.message_id and not d.hint_id


def test_unquoted_bps_code_is_told_to_quote_it() -> None:
    [d] = diagnostics(broken("string_type"))
    assert d.yaml_path == "$.bps_code"
    assert 'bps_code: "3325"' in d.hint_id and 'bps_code: "3325"' in d.hint_en
    assert "angka" in d.hint_id and "number" in d.hint_en


@pytest.mark.parametrize(("written", "meant"), [
    ("ktpp", "ktp"), ("kartu_keluarga", "kk"), ("surat_rujuk", "surat_rujukan"),
    ("surat_keterangan_tidak_mampu", "sktm"),
])
def test_unknown_document_id_gets_did_you_mean(written: str, meant: str) -> None:
    [d] = diagnostics(MINIMAL.replace("- require: kk", f"- require: {written}"))
    assert d.hint_id == f"maksud Anda '{meant}'?" and d.hint_en == f"did you mean '{meant}'?"


def test_unknown_value_of_any_fixed_list_gets_did_you_mean() -> None:
    [d] = diagnostics(MINIMAL.replace("target_segment: pbi_apbd", "target_segment: pbi_apdb"))
    assert d.hint_en == "did you mean 'pbi_apbd'?"
    assert "'pbi_apbn', 'pbi_apbd'" in d.message_id and " atau " in d.message_id
    assert " or " in d.message_en


def test_condition_errors_are_bilingual() -> None:
    [d] = diagnostics(broken("jknrules_invalid"))
    assert "perlu tepat satu uji" in d.message_id
    assert "needs exactly one test" in d.message_en


def test_long_values_are_shortened_in_messages() -> None:
    [d] = diagnostics(MINIMAL.replace("name: Loket", "name: {a: 1}"))
    assert "sebuah pemetaan" in d.message_id and "a mapping" in d.message_en


def test_case_messages_use_the_same_words(policies: jknrules.PolicySet) -> None:
    case = {"regency": "batang", "submitted_at": "2026-02-03T08:00:00", "documents": ["ktpp"],
            "applicant": {"nik": 3325016504880002}}
    with pytest.raises(jknrules.CaseError) as info:
        jknrules.evaluate(case, policies)
    by_path = {d.yaml_path: d for d in info.value.diagnostics}
    assert by_path["$.documents[0]"].hint_en == "did you mean 'ktp'?"
    assert '"3325016504880002"' in by_path["$.applicant.nik"].hint_en
    for d in info.value.diagnostics:
        assert not any(w in d.message_en for w in PYDANTIC_WORDS), d


# --- YAML syntax -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "words_id", "words_en"), [
    ("a:\n  b: 1\n c: 2\n", "indentasi", "indentation"),
    ("a: b: c\n", "tanda kutip", "quotes"),
    ("a:\n\tb: 1\n", "tab", "tabs"),
    ('a: "abc\nb: 2\n', "tanda kutip", "quote"),
    ("a: [1, 2\nb: 3\n", "[ ]", "[ ]"),
])
def test_yaml_syntax_errors_are_said_in_words(text: str, words_id: str, words_en: str) -> None:
    [d] = diagnostics(text)
    assert d.code == "JKN-Y001"
    assert words_id in d.message_id and words_en in d.message_en
    assert "(pengurai: " in d.message_id and "(parser: " in d.message_en
