"""The hostile corpora, shared by the tests (``test_hostile.py``, ``test_hostile_cases.py``)
and ``bench/hostile.py`` (the figures in ``docs/reliability.md``).

- **Policies**: the files of ``tests/fixtures/hostile/`` with the code each must give
  (``expected.yaml``), run through the CLI's ``main()``: :func:`run_policy`.
- **Cases**: :func:`hostile_cases`, a hypothesis strategy over the whole case schema,
  generated from the catalogue of case fields (``language/fields.py``): every field free,
  the regency too, each value either one of its domain or a hostile one (digits of other
  scripts, NULs, huge and non-finite numbers, booleans for numbers, numbers for dates,
  dates at and past the calendar's ends with extreme offsets, …); and
  :func:`judge_case`, which says whether ``jknrules.evaluate`` kept its promise on one.
- **Case files**: ``tests/fixtures/hostile-cases/`` with ``expected.yaml``, run through
  ``evaluate`` and ``validate``: :func:`run_case_file`.

An outcome is ``clean`` (a valid result, or exit 2 / a ``JknrulesError`` with the expected
code), ``wrong`` (another code, or exit 0/1 where an error was due, or a result the result
schema refuses), ``crash`` (exit 3, an exception other than ``JknrulesError``, a traceback)
or ``hang`` (past the time limit).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import io
import json
import random
import re
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import jsonschema
import yaml
from hypothesis import strategies as st

import jknrules
from jknrules.cli.main import main
from jknrules.language.fields import FIELDS, PARTS, CaseField
from jknrules.language.vocab import REGENCIES

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
POLICY_CORPUS = FIXTURES / "hostile"
CASE_CORPUS = FIXTURES / "hostile-cases"
RESULT_SCHEMA = jsonschema.Draft202012Validator(
    json.loads((ROOT / "schemas" / "result.schema.json").read_text(encoding="utf-8")))
#: The commands every hostile policy goes through.
POLICY_COMMANDS = ("validate", "check", "evaluate", "render", "batch")
#: The commands every hostile case file goes through.
CASE_COMMANDS = ("evaluate", "validate")
#: A small valid case for the policy runs (Batang, after its first version).
SMALL_CASE = {"regency": "batang", "submitted_at": "2025-03-03T09:00:00+07:00"}

Outcome = Literal["clean", "wrong", "crash", "hang"]


@dataclass(frozen=True)
class Run:
    """One input through one command."""

    name: str
    command: str
    outcome: Outcome
    exit_code: int | None
    code: str | None
    expected: str | None
    seconds: float
    stderr: str = ""


# --- the corpora on disk -------------------------------------------------------------

def corpus(folder: Path) -> dict[str, dict[str, Any]]:
    """``expected.yaml`` of a corpus folder: file name -> expectation."""
    data = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def materialise(folder: Path, name: str, into: Path) -> Path:
    """The fixture as a file in ``into`` (a ``*.gz`` fixture decompressed, without the
    suffix), so that commands read it by its own name and suffix."""
    data = (folder / name).read_bytes()
    if name.endswith(".gz"):
        data, name = gzip.decompress(data), name.removesuffix(".gz")
    target = into / name
    target.write_bytes(data)
    return target


def expected_code(want: dict[str, Any], command: str) -> str | None:
    """The code ``command`` must give, or ``None`` when the input is valid."""
    code = want.get("codes", {}).get(command, want["code"])
    return None if code is None else str(code)


# --- running one command ---------------------------------------------------------------

class Hang(BaseException):
    """Raised by the alarm in :func:`time_limit` (a ``BaseException``, so no ``except
    Exception`` of the code under test swallows it)."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` after ``seconds`` (main thread, POSIX; elsewhere no limit)."""
    usable = hasattr(signal, "setitimer") and _main_thread()
    if not usable:
        yield
        return

    def alarm(signum: int, frame: Any) -> None:
        raise Hang()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


_CODE = re.compile(r"\bJKN-[A-Z][0-9]{3}\b")


def run_cli(argv: list[str], name: str, command: str, expected: str | None, *,
            limit: float = 60.0) -> Run:
    """``main(argv)`` judged: ``expected`` is the code of the first diagnostic when an
    error is due, ``None`` when the input is fine (exit 0 or 1)."""
    import time

    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    try:
        with time_limit(limit):
            exit_code: int | None = main(argv, out, err, io.StringIO())
    except Hang:
        return Run(name, command, "hang", None, None, expected, time.perf_counter() - start)
    except BaseException as exc:  # noqa: BLE001 - a traceback is the finding
        if isinstance(exc, KeyboardInterrupt):
            raise
        return Run(name, command, "crash", None, type(exc).__name__, expected,
                   time.perf_counter() - start, repr(exc))
    seconds = time.perf_counter() - start
    text = err.getvalue()
    found = _CODE.search(text)
    code = found.group() if found else None
    if exit_code == 3 or "Traceback" in text:
        outcome: Outcome = "crash"
    elif expected is None:
        outcome = "clean" if exit_code in (0, 1) else "wrong"
    else:
        outcome = "clean" if exit_code == 2 and code == expected else "wrong"
    return Run(name, command, outcome, exit_code, code, expected, seconds, text)


def policy_argv(command: str, policy: Path, work: Path) -> list[str]:
    """The command line that makes ``command`` read ``policy``."""
    case = work / "small-case.json"
    cases = work / "small-cases.jsonl"
    if not case.exists():
        case.write_text(json.dumps(SMALL_CASE), encoding="utf-8")
        cases.write_text(json.dumps(SMALL_CASE) + "\n", encoding="utf-8")
    return {
        "validate": ["validate", str(policy)],
        "check": ["check", str(policy)],
        "evaluate": ["evaluate", str(case), "--policies", str(policy)],
        "render": ["render", str(policy), "--as-of", "2025-03-03"],
        "batch": ["batch", str(cases), "--policies", str(policy), "--out",
                  str(work / "batch-out.jsonl")],
    }[command]


def run_policy(name: str, command: str, work: Path, *, limit: float = 60.0) -> Run:
    """One fixture of the hostile-policy corpus through one command."""
    want = corpus(POLICY_CORPUS)[name]
    policy = materialise(POLICY_CORPUS, name, work)
    return run_cli(policy_argv(command, policy, work), name, command,
                   expected_code(want, command), limit=limit)


def run_case_file(name: str, command: str, work: Path, policies: Path, *,
                  limit: float = 60.0) -> Run:
    """One fixture of the hostile-case corpus through ``evaluate`` or ``validate``."""
    want = corpus(CASE_CORPUS)[name]
    case = materialise(CASE_CORPUS, name, work)
    argv = [command, str(case), "--policies", str(policies)]
    return run_cli(argv, name, command, expected_code(want, command), limit=limit)


# --- generated hostile cases ---------------------------------------------------------
#
# One plain generator, ``random_case(rng)``, driven by the catalogue of case fields; the
# hypothesis strategy hands it a seeded ``random.Random`` (one draw per example), which
# makes 20 000 examples cost seconds instead of minutes. A failure prints the case.

#: Text that looks like digits, dates or numbers but is not what it seems, and text
#: that breaks naive code.
HOSTILE_TEXT = (
    "", " ", "\x00", "\ud800", "a\x00b", "\u202e", "٣٣٢٥", "３３２５", "३३२५",
    "٣٣٢٥٠١٢٣٤٥٦٧٨٩٠١", "３３２５０１２３４５６７８９０１", "33250123456789O1", "3325 0123 4567 8901",
    "1e309", "NaN", "Infinity", "-0", "0x1F", "1_000", "1:30", "030", "yes", "on", "null",
    "1700000000", "-62135596800", "253402300800", "1700000000.5", "２０２６-０２-０３",
    "2026-02-30", "0000-01-01", "9999-12-31T23:59:59.999999-23:59", "2026-02-03T25:00:00",
    "2026-02-03T09:00:00+24:00", "2026-02-03T09:00:00+99:99", "2026-W06-2", "2026-034",
    "10000-01-01", "+12026-02-03", "2026-02-03T09:00:00Z\x00", "x" * 10_000,
)
HUGE_INTS = (2**53 - 1, 2**53, -(2**53), 2**63, -(2**63) - 1, 2**64, 10**100, -(10**100),
             10**5000)
ODD_FLOATS = (float("nan"), float("inf"), float("-inf"), 1e308, -0.0, 0.5, 3.0, 1e-320)
#: Moments at and past the ends of Python's and the calendar's range.
EDGE_MOMENTS = (
    dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59, 999999),
    dt.datetime(1899, 12, 31, 23, 59), dt.datetime(1900, 1, 1), dt.datetime(1900, 1, 1, 8),
    dt.datetime(2100, 12, 31, 23, 59), dt.datetime(2101, 1, 1), dt.datetime(2100, 12, 31, 15),
)
#: The offsets of the end of the world: ±23:59, and the usual ones.
EDGE_OFFSETS = (-(23 * 60 + 59), 23 * 60 + 59, -12 * 60, 14 * 60, 0, 7 * 60, 8 * 60, 9 * 60)
_UNICODE_DIGITS = "0123456789٠١٢٣٤٥٦٧٨٩０１２３४५৬"
_REGENCY_LOOKALIKES = ("Batang", " batang ", "BATANG", "٣٣٢٥", "３３２５", "bat\x00ang", "jakarta",
                       "3325\n", "")
_PYTHON_DAYS = (dt.date.max - dt.date.min).days


def hostile_scalar(rng: random.Random) -> Any:
    """Anything a JSON parser (or a careless caller) could hand over."""
    pick = rng.randrange(11)
    if pick == 0:
        return rng.choice(HOSTILE_TEXT)
    if pick == 1:
        return rng.choice(HUGE_INTS)
    if pick == 2:
        return rng.choice(ODD_FLOATS)
    if pick == 3:
        return rng.random() < 0.5
    if pick == 4:
        return None
    if pick == 5:
        return rng.randint(-(2**70), 2**70)
    if pick == 6:
        return "".join(chr(rng.randrange(0x30000)) for _ in range(rng.randrange(8)))
    if pick == 7:
        return []
    if pick == 8:
        return {}
    if pick == 9:
        return [rng.randint(-5, 5) for _ in range(rng.randrange(4))]
    return {rng.choice(("a", "", "\x00")): rng.randint(-5, 5)}


def _offset(rng: random.Random) -> dt.timezone | None:
    pick = rng.randrange(4)
    if pick == 0:
        return None
    if pick == 1:
        return dt.timezone(dt.timedelta(minutes=rng.choice(EDGE_OFFSETS)))
    return dt.timezone(dt.timedelta(minutes=rng.randint(-(23 * 60 + 59), 23 * 60 + 59)))


def _moment_in(rng: random.Random, first: dt.datetime, last: dt.datetime) -> dt.datetime:
    seconds = int((last - first).total_seconds())
    return first + dt.timedelta(seconds=rng.randint(0, seconds),
                                microseconds=rng.choice((0, 0, rng.randrange(10**6))))


def edge_moment(rng: random.Random) -> Any:
    """A moment anywhere in Python's range, or at an edge, with any offset; as ISO text,
    a ``datetime``, a ``date``, a number or a hostile string."""
    pick = rng.randrange(8)
    if pick == 0:
        return rng.randint(-10**12, 10**12)  # a Unix timestamp, perhaps
    if pick == 1:
        return rng.choice(HOSTILE_TEXT)
    if pick == 2:
        return (dt.date.min + dt.timedelta(days=rng.randrange(_PYTHON_DAYS))).isoformat()
    if pick in (3, 4):
        moment = rng.choice(EDGE_MOMENTS)
    else:
        moment = _moment_in(rng, dt.datetime.min, dt.datetime.max - dt.timedelta(seconds=1))
    moment = moment.replace(tzinfo=_offset(rng))
    return moment if rng.random() < 0.2 else moment.isoformat()


def in_domain(f: CaseField, rng: random.Random) -> Any:
    """A value of one catalogue field within its domain (moments mostly after every
    regency's first version, with any offset)."""
    if f.nullable and rng.random() < 0.15:
        return None
    if f.kind == "enum":
        return rng.choice(f.values)
    if f.kind == "bool":
        return rng.random() < 0.5
    if f.kind == "int":
        low = f.minimum if f.minimum is not None else -(10**6)
        high = f.maximum if f.maximum is not None else 10**6
        return rng.randint(low, min(high, low + 60) if rng.random() < 0.7 else high)
    if f.kind == "date":
        return (dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(32_000))).isoformat()
    if f.kind == "datetime":
        first = dt.datetime(2023, 5, 23) if rng.random() < 0.8 else dt.datetime(2016, 1, 1)
        return _moment_in(rng, first, dt.datetime(2027, 12, 31)).replace(
            tzinfo=_offset(rng)).isoformat()
    if f.kind == "documents":
        return rng.sample(f.values, rng.randrange(min(5, len(f.values))))
    if f.kind == "regency":
        return rng.choice([*REGENCIES, *REGENCIES.values()])
    return "".join(rng.choice("0123456789") for _ in range(16))  # NIK, KK number


def out_of_domain(f: CaseField, rng: random.Random) -> Any:
    """A value of one catalogue field outside its domain, or at and past its edges."""
    if rng.random() < 0.3:
        return hostile_scalar(rng)
    if f.kind == "int":
        low = f.minimum if f.minimum is not None else -(2**53)
        high = f.maximum if f.maximum is not None else 2**53
        return rng.choice((low - 1, high + 1, high, low, True, False, 1.0, "3", 2**63))
    if f.kind in ("date", "datetime"):
        return edge_moment(rng)
    if f.kind == "documents":
        return [rng.choice((*f.values, *HOSTILE_TEXT)) for _ in range(rng.randrange(5))]
    if f.kind == "regency":
        return rng.choice(_REGENCY_LOOKALIKES)
    if f.kind == "text":
        return "".join(rng.choice(_UNICODE_DIGITS) for _ in range(rng.randint(15, 17)))
    return rng.choice(("true", "yes", 1, 0, "None", "REGISTER", f.values[0] if f.values else ""))


def random_case(rng: random.Random) -> Any:
    """A case over the whole schema, from the catalogue: every field and part present or
    absent, each value in its domain or hostile (one case in three in-domain throughout,
    so that evaluation, not only validation, meets the hostile edges: offsets of ±23:59,
    moments at the ends of the versions); now and then no object at all."""
    mode = rng.randrange(10)
    if mode == 0:
        return hostile_scalar(rng)
    hostile = mode >= 4
    # a hostile case: each present field hostile one time in four, so that one bad value
    # is often alone and reaches the check meant to catch it
    bad = 0.25 if hostile else 0.0

    def value(f: CaseField) -> Any:
        return out_of_domain(f, rng) if rng.random() < bad else in_domain(f, rng)

    case: dict[str, Any] = {}
    for f in FIELDS:
        if f.part is not None:
            continue
        if f.required and not (hostile and rng.random() < 0.05) or rng.random() < 0.5:
            case[f.name] = value(f)
    for part in PARTS:
        if rng.random() < 0.4:
            continue
        if hostile and rng.random() < 0.05:
            case[part] = hostile_scalar(rng)
            continue
        case[part] = {f.key: value(f) for f in FIELDS
                      if f.part == part and rng.random() < 0.6}
    if hostile and rng.random() < 0.1:
        target = case.get(rng.choice(PARTS)) if rng.random() < 0.5 else case
        if isinstance(target, dict):
            target[rng.choice(("unknown", "NIK", "nik ", "desil", ""))] = hostile_scalar(rng)
    return case


def hostile_cases() -> st.SearchStrategy[Any]:
    """The hypothesis strategy: :func:`random_case` of a seeded ``random.Random``."""
    return st.randoms(use_true_random=True).map(random_case)


def judge_case(case: Any, policies: jknrules.PolicySet) -> tuple[Outcome, str]:
    """Whether ``evaluate`` kept its promise on ``case``: a result valid against the result
    schema (``clean``), or a ``JknrulesError`` (``clean``); a result the schema refuses is
    ``wrong``; any other exception is a ``crash``."""
    try:
        result = jknrules.evaluate(case, policies, trace=False)
    except jknrules.JknrulesError as exc:
        if not exc.diagnostics or not all(d.message_id and d.message_en
                                          for d in exc.diagnostics):
            return "wrong", f"an error without a bilingual diagnostic: {exc!r}"
        exc.report()  # formatting every diagnostic must not fail either
        return "clean", exc.diagnostics[0].code
    except Exception as exc:  # noqa: BLE001 - the finding
        return "crash", f"{type(exc).__name__}: {exc}"[:300]
    try:
        data = json.loads(result.to_json())
    except Exception as exc:  # noqa: BLE001 - the finding
        return "crash", f"to_json: {type(exc).__name__}: {exc}"[:300]
    error = jsonschema.exceptions.best_match(RESULT_SCHEMA.iter_errors(data))
    if error is not None:
        return "wrong", f"result schema: {error.message[:200]} at {list(error.absolute_path)}"
    return "clean", data["outcome"]


def describe(case: Any) -> str:
    """A case in one line, for a failure message (a huge integer shown by its size)."""
    return json.dumps(_printable(case), ensure_ascii=True)[:2000]


def _printable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _printable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value if abs(value) < 10**30 else f"<int of {value.bit_length()} bits>"
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else repr(value)
    return repr(value)


if __name__ == "__main__":  # pragma: no cover - a quick look at a few generated cases
    for example in [hostile_cases().example() for _ in range(5)]:
        sys.stdout.write(describe(example) + "\n")
