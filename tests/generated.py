"""Hypothesis strategies from the catalogue of case fields: cases that give any field of
the catalogue (now and then a value the case model refuses), and small policies whose
conditions read random catalogue fields, with random requirements, hours, windows,
cut-offs and durations. Used by the differential tests (scalar vs vectorised)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml
from hypothesis import strategies as st

import jknrules
from jknrules.engine.compiler import compile_policy
from jknrules.language.fields import CASE_FIELDS, FIELDS, PARTS, CaseField
from jknrules.language.vocab import DOCUMENTS, REGENCIES, ROUTES, SEGMENTS
from jknrules.load.loader import load_policy_text

ZONES = {"karangasem": "Asia/Makassar", "batang": "Asia/Jakarta", "malinau": "Asia/Makassar"}
DOC_IDS = sorted(DOCUMENTS)
FIRST = dt.date(2024, 1, 1)


def _edge_days() -> list[dt.date]:
    """Days where the calendar arithmetic turns: national holidays and cuti bersama and the
    days around them, the first and last days of months (window and cut-off edges), and
    the weekends next to them."""
    from jknrules.engine.calendar import ServiceCalendar

    cal = ServiceCalendar("Asia/Makassar", [])
    out: set[dt.date] = set()
    for year in (2024, 2025, 2026, 2027):
        for day in cal.holidays_of(year):
            out.update(day + dt.timedelta(days=k) for k in (-1, 0, 1))
        for month in range(1, 13):
            first = dt.date(year, month, 1)
            out.update(first + dt.timedelta(days=k) for k in (-3, -2, -1, 0, 1))
            out.update(dt.date(year, month, d) for d in (10, 15, 20))
    return sorted(d for d in out if FIRST <= d <= dt.date(2027, 12, 31))


EDGE_DAYS = _edge_days()
#: times of day at and around the openings and closings of the generated hours
_EDGE_TIMES = [dt.time(h, m, s, us) for h, m, s, us in (
    (0, 0, 0, 0), (7, 29, 59, 999999), (7, 30, 0, 0), (8, 0, 0, 0), (9, 30, 0, 0),
    (12, 0, 0, 0), (12, 30, 0, 0), (14, 30, 0, 0), (14, 30, 0, 1), (16, 0, 0, 0),
    (17, 0, 0, 0), (21, 59, 59, 0), (22, 0, 0, 0), (23, 59, 59, 999999))]


# --- cases ---------------------------------------------------------------------------

def _good_value(f: CaseField) -> st.SearchStrategy[Any]:
    if f.kind == "enum":
        return st.sampled_from(f.values)
    if f.kind == "bool":
        return st.booleans()
    if f.kind == "int":
        lo = f.minimum if f.minimum is not None else 0
        hi = f.maximum if f.maximum is not None else lo + 60
        values: st.SearchStrategy[Any] = st.integers(lo, hi)
        return st.one_of(values, st.none()) if f.nullable else values
    if f.kind == "text":
        return st.from_regex(r"[0-9]{16}", fullmatch=True)
    if f.kind == "date":
        return st.dates(dt.date(1940, 1, 1), dt.date(2030, 12, 31)).map(dt.date.isoformat)
    if f.kind == "regency":
        return st.sampled_from([*REGENCIES, *REGENCIES.values(), "bangli"])
    raise AssertionError(f.kind)


#: values the case model refuses (the scalar path must judge those rows)
_BAD: dict[str, list[Any]] = {
    "enum": ["nope"], "bool": ["true", 1], "int": [-5, 10_000, "3"], "text": ["123"],
    "date": ["2020-02-30", "20200101"], "regency": ["Bangli!", 3325],
}


def field_value(f: CaseField, bad: bool = True) -> st.SearchStrategy[Any]:
    """A value of the field, and with ``bad`` now and then one the model refuses."""
    good = _good_value(f)
    if not bad:
        return good
    return st.one_of(good, good, good, good, good, good, good, good, good,
                     st.sampled_from(_BAD[f.kind]))


def _part(fields: list[CaseField], bad: bool, complete: bool = False
          ) -> st.SearchStrategy[dict[str, Any] | None]:
    if complete:
        return st.fixed_dictionaries({f.key: field_value(f, bad) for f in fields})
    items = {f.key: st.one_of(st.none(), field_value(f, bad).map(lambda v: (v,)))
             for f in fields}
    built = st.fixed_dictionaries(items).map(
        lambda d: {k: v[0] for k, v in d.items() if v is not None})
    return st.one_of(st.none(), built)


def _cases(regencies: list[str], first: dt.date, last: dt.date, bad: bool,
           complete: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    parts = {p: _part([f for f in FIELDS if f.part == p], bad, complete) for p in PARTS}
    if complete:
        parts["membership"] = st.builds(
            lambda s, g: {"status": s, "segment": "none" if s == "none" else g},
            st.sampled_from(["none", "active", "inactive"]),
            st.sampled_from([s for s in SEGMENTS if s != "none"]))
    elif not bad:  # a status and a segment that agree (a case may give either alone)
        parts["membership"] = st.one_of(
            st.none(), st.just({"status": "none", "segment": "none"}),
            st.builds(lambda s, g: {"status": s, "segment": g},
                      st.sampled_from(["active", "inactive"]),
                      st.sampled_from([s for s in SEGMENTS if s != "none"])),
            st.sampled_from(["none", "active", "inactive"]).map(lambda s: {"status": s}),
            st.sampled_from(SEGMENTS).map(lambda s: {"segment": s}))
    anywhen = st.datetimes(dt.datetime.combine(first, dt.time()),
                           dt.datetime.combine(last, dt.time(23, 59)))
    edges = [d for d in EDGE_DAYS if first <= d <= last]
    at_edge = st.builds(dt.datetime.combine, st.sampled_from(edges),
                        st.sampled_from(_EDGE_TIMES)) if edges else anywhen
    moments = st.one_of(anywhen, at_edge)
    top = {
        "regency": st.sampled_from(regencies),
        "submitted_at": moments.map(lambda m: m.isoformat()),
        "request": st.one_of(st.none(), field_value(CASE_FIELDS["request"], bad)),
        "documents": st.one_of(st.none(), st.lists(st.sampled_from(DOC_IDS), unique=True,
                                                   max_size=5)),
        **parts,
    }
    return st.fixed_dictionaries(top).map(
        lambda d: {k: v for k, v in d.items() if v is not None})


def catalogue_cases(regencies: list[str], first: dt.date = FIRST,
                    last: dt.date = dt.date(2027, 12, 31), bad: bool = True
                    ) -> st.SearchStrategy[dict[str, Any]]:
    """Case objects over every field of the catalogue: some give every field, others leave
    fields out; with ``bad``, some have values the case model refuses."""
    sparse = _cases(regencies, first, last, False)
    complete = _cases(regencies, first, last, False, complete=True)
    if not bad:
        return st.one_of(sparse, complete)
    return st.one_of(sparse, complete, complete, _cases(regencies, first, last, True))


# --- policies ------------------------------------------------------------------------

def _operands(f: CaseField) -> list[st.SearchStrategy[dict[str, Any]]]:
    """The tests a condition may apply to the field (what ``jknrules validate`` accepts)."""
    out: list[st.SearchStrategy[dict[str, Any]]] = [
        st.booleans().map(lambda b: {"is_missing": b}),
        (st.booleans() if f.nullable else st.just(False)).map(lambda b: {"is_null": b}),
    ]
    if f.kind in ("enum", "regency"):
        values = list(f.values) if f.kind == "enum" else sorted(REGENCIES)
        out += [st.sampled_from(values).map(lambda v: {"equals": v}),
                st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True)
                .map(lambda v: {"in": v})]
    elif f.kind == "bool":
        out.append(st.booleans().map(lambda v: {"equals": v}))
    elif f.kind == "int":
        lo = f.minimum if f.minimum is not None else 0
        hi = f.maximum if f.maximum is not None else lo + 60
        number = st.integers(lo, hi)
        out += [number.map(lambda v: {"equals": v}),
                st.lists(number, min_size=1, max_size=3, unique=True).map(lambda v: {"in": v}),
                st.tuples(number, number).map(lambda p: {"between": sorted(p)}),
                number.map(lambda v: {"below": v}), number.map(lambda v: {"at_least": v})]
    return out


@st.composite
def _test(draw: st.DrawFn) -> dict[str, Any]:
    f = draw(st.sampled_from(list(CASE_FIELDS.values())))
    cond = {"field": f.name, **draw(st.one_of(*_operands(f)))}
    if "is_missing" not in cond and draw(st.booleans()):
        cond["if_missing"] = draw(st.booleans())
    return cond


conditions = st.recursive(
    _test(),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda c: {"all": c}),
        st.lists(inner, min_size=1, max_size=3).map(lambda c: {"any": c}),
        inner.map(lambda c: {"not": c})),
    max_leaves=4)

_RANGES = [["07:30-14:30"], ["08:00-12:00", "13:00-16:00"], ["00:00-24:00"],
           ["17:00-22:00"], ["09:00-09:30"]]
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "holiday")
hours = st.one_of(
    st.none(),
    st.dictionaries(st.sampled_from(_DAYS), st.sampled_from(_RANGES), min_size=1, max_size=8))
durations = st.fixed_dictionaries({}, optional={
    "months": st.integers(0, 2), "days": st.integers(0, 20),
    "working_days": st.integers(0, 10), "hours": st.integers(0, 30),
    "minutes": st.integers(0, 600)})
_SOURCE = {"clause": "uji"}


@st.composite
def _requirement(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        out: dict[str, Any] = {"require": draw(st.sampled_from(DOC_IDS))}
    else:
        out = {"any_of": draw(st.lists(st.sampled_from(DOC_IDS), min_size=2, max_size=3,
                                       unique=True))}
    if draw(st.booleans()):
        out["when"] = draw(conditions)
    return {**out, "source": _SOURCE}


@st.composite
def _rule(draw: st.DrawFn, i: int) -> dict[str, Any]:
    outcome = draw(st.sampled_from(["needs_review", "ineligible", "already_registered",
                                    "redirected", "incomplete"]))
    out: dict[str, Any] = {"id": f"r{i}", "when": draw(conditions), "outcome": outcome,
                           "message": {"id": "aturan", "en": "rule"}, "source": _SOURCE}
    if outcome == "redirected":
        out["target_segment"] = draw(st.sampled_from(SEGMENTS[:-1]))
    elif draw(st.booleans()):
        out["target_segment"] = draw(st.sampled_from([*SEGMENTS[:-1], "current"]))
    return out


@st.composite
def _service(draw: st.DrawFn, route: str) -> dict[str, Any]:
    request = {"field": "request", "equals": draw(st.sampled_from(
        ["register", "register", "transfer", "reactivate"]))}
    applies = {"all": [request, draw(conditions)]} if draw(st.booleans()) else request
    out: dict[str, Any] = {
        "title": route, "document": "sop", "applies_when": applies, "source": _SOURCE,
        "target_segment": draw(st.sampled_from([*SEGMENTS[:-1], "current"])),
        "office": "kantor",
        "rules": [draw(_rule(i)) for i in range(draw(st.integers(0, 3)))],
        "documents": draw(st.lists(_requirement(), max_size=3)),
        "channels": [],
    }
    for channel in draw(st.sampled_from([["counter"], ["counter", "online_group"]])):
        item: dict[str, Any] = {"id": channel, "name": channel, "source": _SOURCE}
        opening = draw(hours)
        if opening is not None:
            item["hours"] = opening
        out["channels"].append(item)
    window = None
    if draw(st.booleans()):
        a, b = sorted(draw(st.tuples(st.integers(1, 31), st.integers(1, 31))))
        window = b
        out["intake_window"] = {"from_day": a, "to_day": b, "source": _SOURCE}
    if draw(st.booleans()):
        out["cutoff"] = {"day": draw(st.integers(window or 1, 31)), "source": _SOURCE}
    if draw(st.booleans()):
        out["response_time"] = {**draw(durations), "source": _SOURCE}
    if draw(st.booleans()):
        start = draw(st.sampled_from(["service_start", "cutoff"] if "cutoff" in out
                                     else ["service_start"]))
        activation = {**draw(durations), "from": start, "source": _SOURCE}
        if draw(st.booleans()):
            activation["align"] = "end_of_month"
        out["expected_activation"] = activation
    return out


@st.composite
def _version(draw: st.DrawFn, effective: dt.date, first: bool) -> dict[str, Any]:
    routes = draw(st.lists(st.sampled_from(ROUTES), min_size=1 if first else 0, max_size=2,
                           unique=True))
    return {
        "effective_from": effective,
        "documents": {"sop": {"title": "SOP uji", "kind": "SOP",
                              "signed_by": {"name": "Kepala", "position": "Kepala Dinas"}}},
        "services": {route: draw(_service(route)) for route in routes},
    }


@st.composite
def policies(draw: st.DrawFn) -> dict[str, Any]:
    """A small policy (one or two versions) for a random regency, as YAML data."""
    regency = draw(st.sampled_from(sorted(REGENCIES)))
    versions = [draw(_version(FIRST, True))]
    if draw(st.booleans()):
        later = FIRST + dt.timedelta(days=draw(st.integers(1, 700)))
        versions.append(draw(_version(later, False)))
    closed = draw(st.lists(st.one_of(st.dates(FIRST, dt.date(2027, 12, 31)),
                                     st.sampled_from(EDGE_DAYS)), max_size=3, unique=True))
    return {
        "regency": regency, "name": f"Kabupaten {regency}", "bps_code": REGENCIES[regency],
        "time_zone": ZONES[regency], "offices": {"kantor": {"name": "Kantor uji"}},
        "closed_days": [{"date": d, "reason": "tutup", "source": "uji"} for d in closed],
        "versions": versions,
    }


class _NoAliases(yaml.SafeDumper):
    """Policies refuse YAML aliases: write shared values out every time."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def policy_set(data: dict[str, Any]) -> jknrules.PolicySet:
    """The policy set of one generated policy (raises ``PolicyError`` if it is invalid)."""
    text = yaml.dump(data, Dumper=_NoAliases, sort_keys=False, allow_unicode=True)
    return jknrules.PolicySet([compile_policy(load_policy_text(text, "generated.yaml"))])
