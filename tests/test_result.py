"""A result shares its parts with the compiled policy, never hands them out: an attribute
is the result's own copy, built on first access, and changing it changes that result
only (not the policy, not another result, not a result evaluated later)."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jknrules
from jknrules.engine import result as result_module
from jknrules.engine.result import Result, Shared, SharedList

from .conftest import POLICY_DIR
from .test_properties import cases, to_case

POLICIES = jknrules.load_policies(POLICY_DIR)

#: proceeds on a route with a channel, documents missing, a rule-free acceptance path,
#: trace entries from the memo and from the calendar
CASE: dict[str, Any] = {
    "regency": "karangasem", "submitted_at": "2026-02-03T20:00:00",
    "health": {"emergency": True}, "welfare": {"desil": 3}, "documents": ["kk"],
    "applicant": {"has_ktp": True}, "membership": {"status": "none", "segment": "none"}}
#: the same when both channels are closed: the calendar's answer (deadlines, the
#: channel.closed reason, its trace entries) is shared by every case of the stretch
CLOSED = CASE | {"submitted_at": "2026-02-03T23:00:00"}
PARTS = ("policy", "route", "required_documents", "missing_documents", "deadlines",
         "reasons", "trace")


def _scribble(value: Any) -> None:
    """Change every dict and list inside ``value``."""
    if isinstance(value, dict):
        for item in list(value.values()):
            _scribble(item)
        value["scribbled"] = True
    elif isinstance(value, list):
        for item in value:
            _scribble(item)
        value.append("scribbled")


def test_every_part_is_set(policies: jknrules.PolicySet) -> None:
    result = jknrules.evaluate(CASE, policies)
    for name in PARTS:
        assert getattr(result, name), name  # the case exercises every part


@pytest.mark.parametrize("case", [CASE, CLOSED])
@pytest.mark.parametrize("trace", [True, False])
def test_changing_a_result_changes_no_other(policies: jknrules.PolicySet, trace: bool,
                                            case: dict[str, Any]) -> None:
    want = jknrules.evaluate(case, policies, trace=trace).to_json()
    first = jknrules.evaluate(case, policies, trace=trace)
    second = jknrules.evaluate(case, policies, trace=trace)  # shares the memo's parts
    for name in PARTS:
        _scribble(getattr(first, name))
    _scribble(first.to_dict())
    assert second.to_json() == want
    assert second.to_json(indent=None) == json.dumps(json.loads(want), ensure_ascii=False)
    assert jknrules.evaluate(case, policies, trace=trace).to_json() == want
    # the changed result shows its own changes, as a dict of its own would
    assert "scribbled" in first.to_json()
    assert json.loads(first.to_json())["route"]["scribbled"] is True


def test_an_attribute_is_the_same_object_every_time(policies: jknrules.PolicySet) -> None:
    result = jknrules.evaluate(CASE, policies)
    for name in PARTS:
        assert getattr(result, name) is getattr(result, name)
        assert result.to_dict()[name] is getattr(result, name)
    assert list(result.to_dict()) == ["policy", "outcome", "target_segment", "route",
                                      "required_documents", "missing_documents",
                                      "deadlines", "reasons", "trace"]


def test_json_is_the_same_before_and_after_access(policies: jknrules.PolicySet) -> None:
    untouched = jknrules.evaluate(CASE, policies)
    read = jknrules.evaluate(CASE, policies)
    read.to_dict()
    assert untouched.to_json() == read.to_json()
    assert untouched.to_json(indent=None) == json.dumps(read.to_dict(), ensure_ascii=False)


def test_a_result_is_read_only_equal_and_picklable(policies: jknrules.PolicySet) -> None:
    result = jknrules.evaluate(CASE, policies)
    with pytest.raises(AttributeError):
        result.outcome = "accepted"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        result.route = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        hash(result)
    other = jknrules.evaluate(CASE, policies)
    assert result == other
    other.deadlines.clear()
    assert result != other
    copy = pickle.loads(pickle.dumps(result))
    assert isinstance(copy, Result)
    assert copy == result and copy.to_json() == result.to_json()
    assert repr(result).startswith("Result(policy={'regency': 'karangasem'")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases, st.booleans())
def test_json_is_what_json_dumps_writes(raw: dict[str, Any], trace: bool) -> None:
    """``to_json()`` writes the shared parts' kept texts; the bytes are those of
    ``json.dumps`` over the plain parts."""
    result = jknrules.evaluate(to_case(raw), POLICIES, trace=trace)
    fast = result.to_json()
    line = jknrules.evaluate(to_case(raw), POLICIES, trace=trace).to_json(indent=None)
    assert fast == json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
    assert line == json.dumps(result.to_dict(), ensure_ascii=False)
    assert jknrules.evaluate(to_case(raw), POLICIES, trace=trace).to_json() == fast


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text() | st.integers() | st.booleans() | st.none(), inner, max_size=3),
    max_leaves=12)


def _dumps_at(value: Any, level: int) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * level)


@settings(max_examples=300, deadline=None)
@given(json_values, st.integers(0, 4))
def test_the_writer_is_json_dumps(value: Any, level: int) -> None:
    text = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + "  " * level)
    assert result_module._dumps(value, "\n" + "  " * level) == text
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        shared = Shared(value)
        assert shared.json_text(level) == text
        assert shared.json_text(level) == text  # kept
        assert shared.json_text(level + 1) == _dumps_at(value, level + 1)
        assert Shared(value).json_line() == json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        items = SharedList(Shared(v) if type(v) is dict and all(isinstance(k, str) for k in v)
                           else v for v in value)
        assert result_module._dumps(items, "\n" + "  " * level) == text
        if value:  # a list ``level`` deep: its items at ``level + 1``
            assert items.json_text(level) == text
            assert items.json_text(level) == text  # kept
            assert items.json_text(level + 1) == _dumps_at(value, level + 1)
        assert items.json_line() == json.dumps(value, ensure_ascii=False)
        assert result_module._copy(items) == value and type(result_module._copy(items)) is list
