"""One type for bilingual text: jknrules.language.text.Bilingual, as a value and in models."""

from __future__ import annotations

import dataclasses
import json
from typing import Annotated

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict, ValidationError

import jknrules
from jknrules.engine import result as typed
from jknrules.language.schemas import schema
from jknrules.language.text import Bilingual, BilingualSchema, BilingualText
from jknrules.language.vocab import DOCUMENTS, OUTCOME_LABELS
from jknrules.load.loader import load_policy_text

from .conftest import POLICY_DIR

texts = st.builds(Bilingual, st.text(), st.text())


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    plain: Bilingual
    strict: Annotated[Bilingual, BilingualSchema("Strict", min_length=1)] | None = None


def test_a_value_picks_its_language_and_concatenates() -> None:
    text = Bilingual("Diterima", "Accepted")
    assert (text.pick("id"), text.pick("en")) == ("Diterima", "Accepted")
    assert text + Bilingual.same(" (accepted)") == Bilingual("Diterima (accepted)",
                                                            "Accepted (accepted)")
    assert Bilingual(" atau ", " or ").join([DOCUMENTS["kk"], DOCUMENTS["ktp"]]).en == \
        "Copy of the family card (KK) or Copy of the identity card (KTP)"
    assert text.as_dict() == {"id": "Diterima", "en": "Accepted"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        text.id = "x"  # type: ignore[misc]
    assert {text, Bilingual("Diterima", "Accepted")} == {text}


@given(texts)
def test_a_model_reads_and_writes_the_json_form(text: Bilingual) -> None:
    """In a pydantic model the value is the mapping {"id", "en"}, both ways, and an
    instance is taken as it is."""
    model = _Model.model_validate({"plain": text.as_dict()})
    assert model.plain == text and isinstance(model.plain, Bilingual)
    assert json.loads(model.model_dump_json())["plain"] == text.as_dict()
    assert model.model_dump(mode="json")["plain"] == text.as_dict()
    assert _Model(plain=text).plain is text


@pytest.mark.parametrize(("value", "error"), [
    ("x", "dict_type"), ({"id": "a"}, "missing"), ({"id": "a", "en": "b", "fr": "c"},
                                                   "extra_forbidden"),
    ({"id": 1, "en": "b"}, "string_type"),
])
def test_a_model_refuses_what_is_not_a_text_in_both_languages(value: object, error: str) -> None:
    with pytest.raises(ValidationError) as exc:
        _Model.model_validate({"plain": value})
    assert error in {e["type"] for e in exc.value.errors()}


def test_a_schema_form_adds_its_constraints_without_another_type() -> None:
    with pytest.raises(ValidationError) as exc:
        _Model.model_validate({"plain": {"id": "", "en": ""}, "strict": {"id": "", "en": "x"}})
    assert [e["loc"] for e in exc.value.errors()] == [("strict", "id")]
    defs = _Model.model_json_schema()["$defs"]
    assert defs["Strict"]["properties"]["id"]["minLength"] == 1
    assert "minLength" not in defs["Bilingual"]["properties"]["id"]


def test_the_json_form_is_declared_once() -> None:
    """The TypedDict integrators type-check against, the value's fields and the schemas'
    definitions agree."""
    assert typed.BilingualText is BilingualText
    keys = [f.name for f in dataclasses.fields(Bilingual)]
    assert list(BilingualText.__annotations__) == keys
    assert set(BilingualText.__required_keys__) == set(keys)
    for name, definition in (("result", "Bilingual"), ("diff", "Bilingual"),
                             ("record", "Bilingual"), ("policy", "Text")):
        body = schema(name)["$defs"][definition]
        assert body["required"] == keys and body["additionalProperties"] is False, name


def test_every_bilingual_text_of_the_library_is_one_type() -> None:
    """Vocabulary, policy models, compiled rules and diagnostics hold Bilingual values."""
    assert all(isinstance(v, Bilingual) for v in DOCUMENTS.values())
    assert all(isinstance(v, Bilingual) for v in OUTCOME_LABELS.values())
    policy = jknrules.load_policies(POLICY_DIR).get("karangasem")
    rule = next(r for v in policy.versions for s in v.services for r in s.rules)
    assert isinstance(rule.message, Bilingual)
    requirement = policy.versions[0].services[0].requirements[0]
    assert isinstance(requirement.name_text, Bilingual)
    assert isinstance(requirement.why_text, Bilingual)
    with pytest.raises(jknrules.PolicyError) as exc:
        load_policy_text("regency: [", "broken.yaml")
    diagnostic = exc.value.diagnostics[0]
    assert isinstance(diagnostic.message, Bilingual) and isinstance(diagnostic.hint, Bilingual)
    assert (diagnostic.message_id, diagnostic.hint_en) == (diagnostic.message.id,
                                                          diagnostic.hint.en)
