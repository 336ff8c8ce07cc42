"""The catalogue of case fields is the one declaration: the case model, the condition
vocabulary, the batch columns and codes, and the contract all say the same."""

from __future__ import annotations

import re
import typing
from typing import Any, get_args

import pydantic
import pytest

import jknrules
from jknrules.batch import schema as batch_schema
from jknrules.batch.coding import Coder
from jknrules.errors import CaseError
from jknrules.language import case as case_model
from jknrules.language.case import PART_MODELS, Case
from jknrules.language.fields import BY_NAME, CASE_FIELDS, FIELDS, PARTS, RECAP_ONLY, CaseField

from .conftest import POLICY_DIR, SHARED

GOOD = {"regency": "batang", "submitted_at": "2026-02-03T09:00:00"}


def _model_field(f: CaseField) -> pydantic.fields.FieldInfo:
    model = PART_MODELS[f.part] if f.part else Case
    return model.model_fields[f.key]


def _case(f: CaseField, value: Any) -> dict[str, Any]:
    return {**GOOD, **({f.part: {f.key: value}} if f.part else {f.key: value})}


def test_the_model_has_exactly_the_catalogue_fields() -> None:
    names = set()
    for name, info in Case.model_fields.items():
        if name in PART_MODELS:
            assert info.annotation is PART_MODELS[name]
            names |= {f"{name}.{sub}" for sub in PART_MODELS[name].model_fields}
        else:
            names.add(name)
    assert names == set(BY_NAME)
    assert tuple(PART_MODELS) == PARTS


@pytest.mark.parametrize("f", FIELDS, ids=[f.name for f in FIELDS])
def test_each_field_of_the_model_follows_its_catalogue_entry(f: CaseField) -> None:
    info = _model_field(f)
    assert info.is_required() == f.required
    assert info.title and info.description and f.description_en in info.description
    if f.kind in ("enum", "documents"):
        for value in f.values:
            Case.model_validate(_case(f, value if f.kind == "enum" else [value]))
        with pytest.raises(CaseError):
            Case.model_validate(_case(f, "not_a_value" if f.kind == "enum" else ["x"]))
    if f.kind == "int":
        low = f.minimum if f.minimum is not None else 0
        Case.model_validate(_case(f, low))
        if f.minimum is not None:
            with pytest.raises(CaseError):
                Case.model_validate(_case(f, f.minimum - 1))
        if f.maximum is not None:
            Case.model_validate(_case(f, f.maximum))
            with pytest.raises(CaseError):
                Case.model_validate(_case(f, f.maximum + 1))
    if not f.required:
        if f.nullable:
            Case.model_validate(_case(f, None))
        else:
            with pytest.raises(CaseError):
                Case.model_validate(_case(f, None))
    if f.default is not None:
        assert getattr(Case.model_validate(GOOD), f.name) == f.default


def test_the_typed_view_of_a_case_matches_the_generated_model() -> None:
    """``Case`` is generated; typed code sees ``case._Typed``'s annotations instead."""
    hints = typing.get_type_hints(case_model._Typed)
    assert hints
    for name, hint in hints.items():
        field = BY_NAME[name]
        assert field.part is None
        generated = Case.model_fields[name].annotation
        assert generated == hint or (set(get_args(generated)) == set(get_args(hint))), name


def test_conditions_may_read_the_catalogue_fields_marked_so() -> None:
    assert list(CASE_FIELDS) == [f.name for f in FIELDS if f.condition]
    assert not {"regency", "submitted_at", "documents"} & set(CASE_FIELDS)


def test_batch_columns_are_the_catalogue_fields() -> None:
    assert list(batch_schema.FIELDS) == [f.name for f in FIELDS]
    assert batch_schema.PARTS == PARTS
    assert batch_schema.NULLABLE == "welfare.desil"
    kinds = {f.name: f.kind for f in FIELDS}
    for name, column in batch_schema.FIELDS.items():
        assert column == {"bool": "bool", "int": "int", "documents": "docs"}.get(
            kinds[name], "str")


def test_the_batch_plan_expresses_every_shipped_version_and_codes_every_field() -> None:
    from jknrules.batch.vectorised import Decider

    policies = jknrules.load_policies(POLICY_DIR)
    decider = Decider(policies)
    assert all(decider.plans[pi * decider.max_versions + vi] is not None
               for pi, policy in enumerate(policies) for vi in range(len(policy.versions)))
    coder = Coder(list(policies))
    for name in CASE_FIELDS:  # every code of every field stands for facts of that field
        for code in range(coder.code_count(name)):
            assert set(coder.facts_of(name, code)) <= {name}


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared contract is beside the checkout")
def test_the_catalogue_is_the_contracts_case_table() -> None:
    text = (SHARED / "spec" / "CONTRACT.md").read_text(encoding="utf-8")
    table = text.split("## Case (input)", 1)[1].split("## Vocabulary", 1)[0]
    names = re.findall(r"^\| `([a-z_.]+)` \|", table, flags=re.MULTILINE)
    # the recap's particulars (name, address, …) are optional fields beyond the contract
    assert names == [f.name for f in FIELDS if f.name not in RECAP_ONLY]
    assert set(RECAP_ONLY) <= {f.name for f in FIELDS}
