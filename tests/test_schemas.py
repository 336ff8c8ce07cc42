"""The checked-in JSON Schemas are current, and the shipped files validate against them."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

import jknrules
from jknrules.language.schemas import MODELS, schema_text

from .conftest import POLICY_DIR, ROOT

SCHEMAS = ROOT / "schemas"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_checked_in_schema_is_current(name: str) -> None:
    path = SCHEMAS / f"{name}.schema.json"
    assert path.read_text(encoding="utf-8") == schema_text(name), (
        f"{path} is stale: run `python -m jknrules.language.schemas schemas`"
    )


@pytest.mark.parametrize("path", sorted(POLICY_DIR.glob("*.yaml")), ids=lambda p: p.name)
def test_policy_files_validate_against_schema_and_name_it(path) -> None:  # type: ignore[no-untyped-def]
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../schemas/policy.schema.json")
    data = json.loads(json.dumps(yaml.safe_load(text), default=str))
    jsonschema.validate(data, json.loads((SCHEMAS / "policy.schema.json").read_text()))


def test_every_policy_field_has_an_indonesian_title_and_a_description() -> None:
    schema = json.loads((SCHEMAS / "policy.schema.json").read_text())
    missing = []
    for name, definition in [*schema["$defs"].items(), ("Policy", schema)]:
        for prop, spec in definition.get("properties", {}).items():
            if "title" not in spec or "description" not in spec:
                missing.append(f"{name}.{prop}")
    assert not missing, missing


def test_results_validate_against_result_schema(policies: jknrules.PolicySet) -> None:
    validator = jsonschema.Draft202012Validator(
        json.loads((SCHEMAS / "result.schema.json").read_text()))
    case = {"regency": "malinau", "submitted_at": "2026-02-23T09:00:00",
            "health": {"emergency": False}, "documents": ["kk"]}
    validator.validate(jknrules.evaluate(case, policies).to_dict())
