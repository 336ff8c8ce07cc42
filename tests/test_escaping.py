"""Officer-written text in Markdown output (``render --format md``, ``history``) is shown,
never interpreted: a ``<script>`` in a policy name or NIP does not reach a Markdown viewer
as HTML, and Markdown control characters do not make headings, links or emphasis."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from jknrules.audit.render.flow import _m
from jknrules.audit.wording import md_escape
from jknrules.cli.main import main

SCRIPT = "<script>alert(1)</script>"
HOSTILE_NAME = f"Kabupaten {SCRIPT} *Batang* [klik](javascript:alert(1)) _x_ `kode` | ~~y~~"
HOSTILE_NIP = f"{SCRIPT}#1\n# Judul palsu"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture()
def hostile(tmp_path: Path) -> Path:
    text = (Path(__file__).parent / "fixtures" / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace("name: Kabupaten Batang", f"name: {_yaml(HOSTILE_NAME)}")
    text = text.replace(
        "signed_by: {name: Kepala Dinas, position: Kepala Dinas Kesehatan}",
        f"signed_by: {{name: {_yaml('**Kepala** ' + SCRIPT)}, position: {_yaml('# Kepala')}, "
        f"nip: {_yaml(HOSTILE_NIP)}}}")
    text = text.replace("title: SOP uji", f"title: {_yaml('SOP ' + SCRIPT)}")
    folder = tmp_path / "policies"
    folder.mkdir()
    (folder / "batang.yaml").write_text(text, encoding="utf-8")
    return folder


def _yaml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _unsafe(markdown: str) -> list[str]:
    """What would be interpreted: a raw tag, an unescaped link, emphasis or heading made of
    the officer's text."""
    found = []
    if re.search(r"<script", markdown, re.IGNORECASE):
        found.append("raw <script>")
    if re.search(r"(?<!\\)\]\(javascript", markdown):
        found.append("a link")
    if re.search(r"(?<!\\)\*Batang(?<!\\)\*", markdown.replace("\\*Batang\\*", "")):
        found.append("emphasis")
    if re.search(r"^#+ Judul palsu", markdown, re.MULTILINE):
        found.append("a forged heading")
    if re.search(r"^# Kepala", markdown, re.MULTILINE):
        found.append("a heading from the position")
    return found


def test_render_markdown_escapes_the_policy_name_and_nip(hostile: Path) -> None:
    code, out, err = run("render", "batang", "--policies", str(hostile), "--as-of",
                         "2026-01-15")
    assert code == 0, err
    assert _unsafe(out) == []
    assert "&lt;script>alert(1)&lt;/script>" in out
    assert "NIP &lt;script>alert(1)&lt;/script>#1 # Judul palsu" in out
    assert "\\*Batang\\*" in out and "\\`kode\\` \\| \\~\\~y\\~\\~" in out
    assert "\\# Kepala" in out


def test_history_escapes_the_policy_name_and_signatory(hostile: Path) -> None:
    code, out, err = run("history", "batang", "--policies", str(hostile))
    assert code == 0, err
    assert _unsafe(out) == []
    assert "NIP &lt;script>alert(1)&lt;/script>#1 # Judul palsu" in out
    assert "### SOP &lt;script>" in out


def test_render_html_still_escapes(hostile: Path) -> None:
    code, out, err = run("render", "batang", "--policies", str(hostile), "--as-of",
                         "2026-01-15", "--format", "html")
    assert code == 0, err
    assert SCRIPT not in out and "&lt;script&gt;" in out


@pytest.mark.parametrize(("text", "inline", "at_line_start"), [
    ("# x", "# x", "\\# x"),
    ("> x", "> x", "\\> x"),
    ("- x", "- x", "\\- x"),
    ("12. x", "12. x", "12\\. x"),
    ("2024 x", "2024 x", "2024 x"),
    ("a\nb", "a b", "a b"),
    ("[a](b) [c]", "[a\\](b) [c]", "[a\\](b) [c]"),
    ("snake_case _em_", "snake_case \\_em\\_", "snake_case \\_em\\_"),
    ("x < 28, <b>", "x < 28, &lt;b>", "x < 28, &lt;b>"),
])
def test_md_escape(text: str, inline: str, at_line_start: str) -> None:
    assert md_escape(text) == inline
    assert md_escape(text, line_start=True) == at_line_start


def test_mermaid_labels_cannot_close_the_code_fence() -> None:
    assert "`" not in _m("```\n<script>") and "<" not in _m("<script>")
    assert _m('a "b" #quot;') == "a #quot;b#quot; #35;quot;"
