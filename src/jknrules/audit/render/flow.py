"""The flowchart of a route: rules in the order they bind, the document check, the
intake window, then the steps — one lane per channel that has its own steps (the
service's steps for the others). Built once as data, drawn as Mermaid (Markdown)
or as boxes (HTML, no script needed)."""

from __future__ import annotations

from dataclasses import dataclass

from jknrules.audit import wording as w
from jknrules.engine.ir import CService
from jknrules.language.text import Bilingual
from jknrules.language.vocab import OUTCOME_PRECEDENCE

_RANK = {name: i for i, name in enumerate(OUTCOME_PRECEDENCE)}


@dataclass(frozen=True, slots=True)
class Decision:
    """A question; on "yes" the case ends with ``outcome`` (on "no" it goes on)."""

    question: Bilingual
    outcome: Bilingual
    yes_ends: bool = True  # False: "no" ends the case (documents, window)


@dataclass(frozen=True, slots=True)
class Lane:
    """Steps in order; ``label`` names the channels they serve (None: every channel)."""

    label: Bilingual | None
    steps: tuple[Bilingual, ...]


@dataclass(frozen=True, slots=True)
class Flow:
    start: Bilingual
    decisions: tuple[Decision, ...]
    lanes: tuple[Lane, ...]
    end: Bilingual


CHANNEL_QUESTION = Bilingual("Kanal pelayanan?", "Service channel?")


def build_flow(service: CService) -> Flow:
    model = service.model
    rules = sorted(model.rules, key=lambda r: _RANK[r.outcome])  # stable: file order on ties
    decisions = [Decision(w.condition(r.when) + Bilingual.same(" ?"), _ending(r.outcome, r.target_segment))
                 for r in rules]
    if model.documents:
        decisions.append(Decision(
            Bilingual(f"Berkas lengkap? ({len(model.documents)} persyaratan)",
                      f"File complete? ({len(model.documents)} requirements)"),
            w.outcome("incomplete") + Bilingual(": dikembalikan ke pemohon",
                                                ": returned to the applicant"), yes_ends=False))
    if model.intake_window is not None:
        decisions.append(Decision(
            Bilingual("Diajukan ", "Submitted on ") + w.window(model.intake_window) + Bilingual.same(" ?"),
            w.outcome("outside_intake_window"), yes_ends=False))
    segment = Bilingual.same(", ") + w.segment("current") if model.target_segment == "current" \
        else Bilingual(", segmen ", ", segment ") + w.segment(model.target_segment)
    return Flow(
        start=Bilingual("Permohonan: ", "Request: ") + Bilingual.same(model.title),
        decisions=tuple(decisions),
        lanes=_lanes(service),
        end=Bilingual("Selesai: ", "Done: ") + w.outcome("accepted") + segment,
    )


def _lanes(service: CService) -> tuple[Lane, ...]:
    steps = tuple(w.step(s, i) for i, s in enumerate(service.model.steps, 1))
    own = [c for c in service.channels if c.steps is not None]
    if not own:
        return (Lane(None, steps),)
    others = [c.name for c in service.channels if c.steps is None]
    lanes = [Lane(Bilingual.same(" / ".join(others)), steps)] if others else []
    return tuple(lanes + [Lane(Bilingual.same(c.name), tuple(w.step(s, i) for i, s in
                                                      enumerate(c.steps or (), 1)))
                          for c in own])


def _ending(outcome: str, segment: str | None) -> Bilingual:
    text = w.outcome(outcome)
    if segment is not None:
        text += Bilingual.same(" → ") + w.segment(segment)
    return text


def mermaid(flow: Flow, lang: str) -> str:
    yes, no = ("ya", "tidak") if lang == "id" else ("yes", "no")
    lines = ["flowchart TD", f'  start(["{_m(flow.start.pick(lang))}"])']
    prev, edge = "start", ""
    for i, d in enumerate(flow.decisions, 1):
        node = f"d{i}"
        lines.append(f'  {node}{{"{_m(d.question.pick(lang))}"}}')
        lines.append(f"  {prev} {edge}--> {node}")
        lines.append(f'  {node} -- {yes if d.yes_ends else no} --> e{i}["{_m(d.outcome.pick(lang))}"]')
        prev, edge = node, f"-- {no if d.yes_ends else yes} "
    if len(flow.lanes) == 1:
        ends = [_steps(lines, "s", flow.lanes[0].steps, prev, edge, lang)]
    else:
        lines.append(f'  ch{{"{_m(CHANNEL_QUESTION.pick(lang))}"}}')
        lines.append(f"  {prev} {edge}--> ch")
        ends = [_steps(lines, f"c{k}s", lane.steps, "ch",
                       f'-- "{_m((lane.label or Bilingual.same("-")).pick(lang))}" ', lang)
                for k, lane in enumerate(flow.lanes, 1)]
    lines.append(f'  done(["{_m(flow.end.pick(lang))}"])')
    lines += [f"  {prev} {edge}--> done" for prev, edge in ends]
    return "\n".join(lines) + "\n"


def _steps(lines: list[str], prefix: str, steps: tuple[Bilingual, ...], prev: str,
           edge: str, lang: str) -> tuple[str, str]:
    """Chain ``steps`` after node ``prev``; the last node and the edge label out of it."""
    for i, step in enumerate(steps, 1):
        lines.append(f'  {prefix}{i}["{_m(step.pick(lang))}"]')
        lines.append(f"  {prev} {edge}--> {prefix}{i}")
        prev, edge = f"{prefix}{i}", ""
    return prev, edge


def _m(text: str) -> str:
    """Text safe inside a quoted Mermaid label, inside a Markdown code fence (no quote, tag
    or backtick; ``#`` itself is written as an entity, so text cannot forge one)."""
    return (" ".join(text.split()).replace("#", "#35;").replace('"', "#quot;")
            .replace("<", "#lt;").replace(">", "#gt;").replace("`", "#96;"))
