"""The batch readers accept and refuse exactly the rows ``jknrules.evaluate`` does.

NIK, KK numbers, BPS codes and numbers are ASCII digits only (``str.isdigit`` also takes
Arabic-Indic ``٣``, fullwidth ``３``, superscript ``³`` …), and a date is never read from
an integer or a Unix timestamp. The batch path reads rows three ways — JSON objects
(JSON Lines, lists of dicts), Arrow tables (Parquet, ``evaluate_table``) and CSV text —
and each must refuse a row with the same codes as the scalar case model, or decide it
with the same outcome. For CSV, whose cells are all text, the scalar side is given the
JSON value the cell spells, read by Python's ``json`` module: ``3`` is the number 3,
``true`` a yes, ``null`` a null; anything else (``03``, ``+3``, `` 3``, ``٣``) is text.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import jknrules
from jknrules.batch.cases import from_arrow, from_dicts
from jknrules.batch.csvcolumns import from_csv
from jknrules.batch.runner import decide_chunk
from jknrules.batch.schema import FIELDS
from jknrules.batch.vectorised import Decider

from .conftest import POLICY_DIR

POLICIES = jknrules.load_policies(POLICY_DIR)
DECIDER = Decider(POLICIES)

#: digits of other scripts that ``str.isdigit`` (and ``int``) accept
FOREIGN = "٣３۳߃०৩๓³¹"
digits = st.text(alphabet=st.sampled_from("0123456789" + FOREIGN), min_size=15, max_size=17)
numbers = st.one_of(
    st.integers(-3, 400), st.integers(-2**63, 2**63), st.booleans(), st.none(),
    st.sampled_from([3.0, 1e3]),
    st.sampled_from(["3", "03", "+3", " 3", "3 ", "-0", "1_0", "٣", "３", "³", "1e3", ""]))
dates = st.one_of(
    st.sampled_from(["2000-01-01", "1999-12-31", "２０００-01-01", "2000-٠1-01", "20000101",
                     "946684800", "2000-1-1", "2000-01-01T00:00:00", "1899-12-31", ""]),
    st.integers(0, 2**40))
moments = st.one_of(
    st.sampled_from(["2026-02-03T09:00:00", "2026-02-03T09:00:00+08:00",
                     "2026-02-21T23:59:59Z", "２026-02-03T09:00:00", "2026-02-0３T09:00:00",
                     "1770080400", "2100-12-31T23:59:59-12:00", "1900-01-01T00:00:00+14:00"]),
    st.integers(0, 2**35))
regencies = st.sampled_from(["karangasem", "5107", "batang", "3325", "malinau", "6502",
                             "５１０７", "٥١٠٧", "5107 ", "KARANGASEM", 5107])


@st.composite
def rows(draw: st.DrawFn) -> dict[str, Any]:
    row: dict[str, Any] = {"regency": draw(regencies), "submitted_at": draw(moments)}
    applicant: dict[str, Any] = {}
    for name in ("nik", "kk_number"):
        if draw(st.booleans()):
            applicant[name] = draw(st.one_of(digits, st.integers(10**15, 10**16 - 1)))
    if draw(st.booleans()):
        applicant["birth_date"] = draw(dates)
    if draw(st.booleans()):
        applicant["domicile_regency"] = draw(regencies)
    if draw(st.booleans()):
        applicant["has_ktp"] = draw(st.sampled_from([True, False, "true", 1]))
    if applicant:
        row["applicant"] = applicant
    if draw(st.booleans()):
        row["welfare"] = {"desil": draw(numbers)}
    if draw(st.booleans()):
        row["newborn"] = {"age_days": draw(numbers), "parents_registered": True}
    if draw(st.booleans()):
        row["health"] = {"emergency": draw(st.booleans())}
    if draw(st.booleans()):
        row["request"] = draw(st.sampled_from(["register", "transfer", "reactivate", "٣"]))
    if draw(st.booleans()):
        row["documents"] = draw(st.lists(st.sampled_from(["kk", "ktp", "sktm", "٣"]),
                                         max_size=3))
    return row


def scalar(case: Any) -> tuple[str, ...]:
    """``("ok", outcome)``, or ``("error", code, code, …)``."""
    try:
        return ("ok", jknrules.evaluate(case, POLICIES).outcome)
    except jknrules.JknrulesError as exc:
        return ("error", *sorted(d.code for d in exc.diagnostics))


def batch(chunk: Any) -> list[tuple[str, ...]]:
    done = decide_chunk(DECIDER, chunk, False, False)
    errors = {e.row: e for e in done.errors}
    out: list[tuple[str, ...]] = []
    for i, row in enumerate(done.table.to_pylist()):
        error = errors.get(chunk.first_row + i)
        out.append(("error", *sorted(e["code"] for e in error.errors)) if error
                   else ("ok", row["outcome"]))
    return out


# --- JSON objects and Arrow tables: the same values as the case -------------------------

@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rows(), min_size=1, max_size=6))
def test_json_rows_are_judged_as_evaluate_judges_them(cases: list[dict[str, Any]]) -> None:
    want = [scalar(c) for c in cases]
    assert batch(from_dicts(cases, 1)) == want, cases


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows())
def test_arrow_rows_are_judged_as_evaluate_judges_them(case: dict[str, Any]) -> None:
    """One row per table: Arrow gives each column the type of its value (an integer NIK
    is an int64 column, a number given as text a string column). A null cell is a field
    not given (only ``welfare.desil`` has null as a value: desil not found), so the case
    evaluate sees is the row without its other nulls."""
    try:
        table = pa.Table.from_pylist([case])
    except (pa.ArrowException, OverflowError):  # a value Arrow cannot type: not a table
        return
    assert batch(from_arrow(table, 1)) == [scalar(without_nulls(case))], case


def without_nulls(case: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in case.items():
        if isinstance(value, dict):
            out[key] = {k: v for k, v in value.items()
                        if v is not None or f"{key}.{k}" == "welfare.desil"}
        elif value is not None:
            out[key] = value
    return out


def test_typed_date_columns_are_never_read_as_numbers() -> None:
    """A Parquet file may hold a date as an integer column (a Unix time, 20000101): the
    row is refused as evaluate refuses the integer; a real date or timestamp column is
    the date it holds."""
    import datetime as dt

    base = {"regency": ["karangasem"], "submitted_at": ["2026-02-03T09:00:00"]}
    for column in (pa.array([946684800], pa.int64()), pa.array([20000101], pa.int32())):
        table = pa.table(base | {"applicant": pa.StructArray.from_arrays(
            [column], ["birth_date"])})
        assert batch(from_arrow(table, 1)) == [
            scalar({"regency": "karangasem", "submitted_at": "2026-02-03T09:00:00",
                    "applicant": {"birth_date": column[0].as_py()}})]
        assert batch(from_arrow(table, 1))[0][:2] == ("error", "JKN-C002")
    table = pa.table({"regency": ["karangasem"],
                      "submitted_at": pa.array([1770080400], pa.int64())})
    assert batch(from_arrow(table, 1))[0][:2] == ("error", "JKN-C002")
    day = pa.array([dt.date(2000, 1, 1)], pa.date32())
    table = pa.table(base | {"applicant": pa.StructArray.from_arrays([day], ["birth_date"])})
    assert batch(from_arrow(table, 1)) == [scalar(
        {"regency": "karangasem", "submitted_at": "2026-02-03T09:00:00",
         "applicant": {"birth_date": dt.date(2000, 1, 1)}})]


# --- CSV: every cell is text ---------------------------------------------------------

def cell(value: Any) -> str:
    """How a CSV file writes a value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def spelled(name: str, text: str) -> Any:
    """The JSON value a CSV cell spells, read by Python's json module (the oracle)."""
    kind = FIELDS[name]
    if text == "null":
        return None
    if kind == "docs":
        return json.loads(text) if text.startswith("[") else \
            [d.strip() for d in text.split(";") if d.strip()]
    if kind in ("int", "bool") and text == text.strip():
        try:
            value = json.loads(text)
        except ValueError:
            return text
        if kind == "int" and type(value) is int or kind == "bool" and type(value) is bool:
            return value
    return text


def flat(case: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in case.items():
        if isinstance(value, dict):
            out |= {f"{key}.{sub}": cell(v) for sub, v in value.items()}
        else:
            out[key] = cell(value)
    return out


def from_cells(cells: dict[str, str]) -> dict[str, Any]:
    case: dict[str, Any] = {}
    for name, text in cells.items():
        if text == "":
            continue  # an empty cell: not given
        part, _, sub = name.partition(".")
        value = spelled(name, text)
        if sub:
            case.setdefault(part, {})[sub] = value
        else:
            case[name] = value
    return case


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rows(), min_size=1, max_size=6))
def test_csv_rows_are_judged_as_evaluate_judges_what_they_spell(
        cases: list[dict[str, Any]]) -> None:
    cells = [flat(c) for c in cases]
    names = sorted({n for c in cells for n in c})
    table = pa.table({n: pa.array([c.get(n, "") for c in cells], pa.string())
                      for n in names})
    want = [scalar(from_cells(c)) for c in cells]
    assert batch(from_csv(table, 1)) == want, cells


def test_csv_numbers_in_other_scripts_are_text() -> None:
    """Regression: ``str.isdigit`` made ``٣`` the desil 3 and ``03`` a number in CSV
    files, while ``evaluate`` refuses both; ``³`` ended the row as unreadable (JKN-X005)
    instead of the case model's JKN-C002."""
    for text in ("٣", "３", "³", "03", "+3", " 3", "1_0", "99999999999999999999"):
        table = pa.table({"regency": ["karangasem"], "submitted_at": ["2026-02-03T09:00:00"],
                          "welfare.desil": [text]})
        [got] = batch(from_csv(table, 1))
        assert got == ("error", "JKN-C002"), text


def test_regression_a_birth_date_out_of_range_in_a_later_chunk_is_refused() -> None:
    """The vectorised path codes a birth date only by whether it is given: a row with
    1899-12-31 whose group an earlier chunk had decided was accepted without the scalar
    path ever seeing it (found by the property above)."""
    decider = Decider(POLICIES)

    def row(day: str) -> dict[str, Any]:
        return {"regency": "batang", "submitted_at": "2026-02-03T09:00:00",
                "applicant": {"birth_date": day}}

    assert decide_chunk(decider, from_dicts([row("2000-01-01")], 1), False, False).table \
        .column("outcome").to_pylist() == ["needs_review"]
    for first, day in enumerate(["1899-12-31", "2101-01-01", "1900-02-29"], start=2):
        for chunk in (from_dicts([row(day)], first),
                      from_arrow(pa.Table.from_pylist([row(day)]), first),
                      from_csv(pa.table({"regency": ["batang"],
                                         "submitted_at": ["2026-02-03T09:00:00"],
                                         "applicant.birth_date": [day]}), first)):
            done = decide_chunk(decider, chunk, False, False)
            assert [e.errors[0]["code"] for e in done.errors] == ["JKN-C002"], day


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rows(), min_size=2, max_size=8), st.data())
def test_csv_columns_of_a_slice_are_those_of_its_rows_alone(
        cases: list[dict[str, Any]], data: st.DataObject) -> None:
    """CSV text columns are read over their offsets and bytes: a slice of a block (as
    ``csvinput`` cuts chunks) gives what the same rows copied out give."""
    cells = [flat(c) for c in cases]
    names = sorted({n for c in cells for n in c})
    table = pa.table({n: pa.array([c.get(n, "") for c in cells], pa.string()) for n in names})
    start = data.draw(st.integers(0, len(cells) - 1))
    part = table.slice(start, data.draw(st.integers(1, len(cells) - start)))
    copied = pa.table({n: pa.array(part.column(n).to_pylist(), pa.string()) for n in names})
    got, want = from_csv(part, 1), from_csv(copied, 1)
    assert (got.fallback == want.fallback).all() and (got.desil_null == want.desil_null).all()
    assert got.columns.keys() == want.columns.keys()
    for name, column in want.columns.items():
        assert got.columns[name].equals(column), name
    assert got.cases(range(part.num_rows)) == want.cases(range(part.num_rows))
