"""The HTML feedback report: plain view data first, then a logic-free Jinja2 template.

One self-contained file (inline CSS, no scripts or fonts fetched), autoescaped, written
atomically so a report is never half-written.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from markupsafe import Markup, escape

from ..paths import write_atomic
from ..results import CriterionResult, GradeResult, Opening

FIX_FIRST = 3
RING = 326.7  # the score ring's circumference in the SVG's units: 2π × 52


@dataclass(frozen=True)
class Verdict:
    """How a status is shown: a colour class, an icon and a word, so colour is never the only cue."""

    css: str
    icon: str
    word: str


VERDICTS = {
    "pass": Verdict("pass", "✓", "Pass"),
    "fail": Verdict("fail", "✗", "Fail"),
    "warn": Verdict("warn", "!", "Warning"),
}


@dataclass(frozen=True)
class Ref:
    """A criterion that relied on a highlighted sentence, shown beside it."""

    title: str
    verdict: Verdict


@dataclass(frozen=True)
class Segment:
    text: str
    marked: bool
    refs: tuple[Ref, ...] = ()
    css: str = ""


@dataclass(frozen=True)
class ParagraphView:
    label: str
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class QuoteView:
    html: Markup
    where: str


@dataclass(frozen=True)
class CriterionView:
    id: str
    title: str
    verdict: Verdict
    points: str
    message: str
    quotes: tuple[QuoteView, ...]
    looked: str
    suggestion: str


@dataclass(frozen=True)
class FixView:
    title: str
    points: str
    suggestion: str


@dataclass(frozen=True)
class Tally:
    verdict: Verdict
    text: str


@dataclass(frozen=True)
class PageView:
    title: str
    name: str
    passed: bool
    headline: str
    score: str
    ring_dash: str
    ring_css: str
    tallies: tuple[Tally, ...]
    facts: str
    fix_first: tuple[FixView, ...]
    criteria: tuple[CriterionView, ...]
    opening: tuple[ParagraphView, ...]
    notes: tuple[str, ...]
    footer: str
    version: str
    generated: str


def status_word(c: CriterionResult) -> str:
    if c.passed:
        return "pass"
    return "warn" if c.severity == "warning" else "fail"


def _num(x: float) -> str:
    return f"{x:g}"


def _plural(n: int, word: str, plural: str = "") -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _refs(result: GradeResult) -> dict[str, tuple[Ref, ...]]:
    """For each quoted sentence, the criteria that quoted it, in rubric order."""
    refs: dict[str, list[Ref]] = {}
    for c in result.criteria:
        ref = Ref(c.title, VERDICTS[status_word(c)])
        for e in c.evidence:
            if e.text and ref not in refs.setdefault(e.text, []):
                refs[e.text].append(ref)
    return {text: tuple(r) for text, r in refs.items()}


def _occurrences(text: str, marks: list[str]) -> list[tuple[int, str]]:
    """Where ``marks`` occur in ``text``, left to right and not overlapping; at one place the earliest
    mark in ``marks`` wins (as a regex alternation of them would match, without compiling one per draft)."""
    found, pos = [], 0
    while True:
        best, first = None, len(text) + 1
        for mark in marks:
            i = text.find(mark, pos)
            if 0 <= i < first:
                best, first = mark, i
        if best is None:
            return found
        found.append((first, best))
        pos = first + len(best)


def _segments(op: Opening, refs: dict[str, tuple[Ref, ...]] | None = None) -> tuple[Segment, ...]:
    refs = refs or {}
    marks = sorted({h for h in op.highlights if h}, key=len, reverse=True)
    if not marks:
        return (Segment(op.text, False),)
    out, pos = [], 0
    for start, mark in _occurrences(op.text, marks):
        if start > pos:
            out.append(Segment(op.text[pos:start], False))
        found = refs.get(mark, ())
        css = "fail" if any(r.verdict.css != "pass" for r in found) else "found"
        out.append(Segment(mark, True, found, css))
        pos = start + len(mark)
    if pos < len(op.text):
        out.append(Segment(op.text[pos:], False))
    return tuple(out)


def _highlight(text: str, part: str) -> Markup:
    """Escape ``text`` and wrap the first occurrence of ``part`` in <mark>."""
    if part and part != text and part in text:
        i = text.index(part)
        return escape(text[:i]) + Markup("<mark>") + escape(part) + Markup("</mark>") + escape(text[i + len(part):])
    return escape(text)


def _criterion(c: CriterionResult) -> CriterionView:
    quotes = tuple(QuoteView(_highlight(e.text, e.highlight), e.where or f"page {e.page}") for e in c.evidence)
    return CriterionView(
        id=c.id, title=c.title, verdict=VERDICTS[status_word(c)], points=f"{_num(c.weight)} pts",
        message=c.message, quotes=quotes, looked="" if c.passed else c.looked, suggestion=c.suggestion,
    )


def _tallies(result: GradeResult) -> tuple[Tally, ...]:
    counts = {"pass": 0, "fail": 0, "warn": 0}
    for c in result.criteria:
        counts[status_word(c)] += 1
    words = {"pass": "passed", "fail": "failed", "warn": "warning" if counts["warn"] == 1 else "warnings"}
    return tuple(Tally(VERDICTS[k], f"{n} {words[k]}") for k, n in counts.items() if n)


def _facts(r: GradeResult) -> str:
    method = "counted" if r.page_count_method == "pdf" else r.page_count_method
    return " · ".join((
        f"{_plural(r.pages, 'page')} ({method})" if method else _plural(r.pages, "page"),
        _plural(r.word_count, "word"),
        _plural(r.figure_count, "figure"),
        _plural(r.table_count, "table"),
        f"rubric: {r.rubric_title}",
    ))


def _headline(result: GradeResult) -> str:
    n_failed = len(result.failed)
    if result.passed:
        return "Ready to send: every criterion passes"
    if n_failed:
        total = _plural(len(result.criteria), "criterion", "criteria")
        return f"Not ready: {n_failed} of {total} {'fails' if n_failed == 1 else 'fail'}"
    return "Not ready: the score is below the pass mark"


def _view(result: GradeResult, generated: str) -> dict:
    """The template's one variable, ``p``: everything the page shows, worded and ordered."""
    failed = sorted((c for c in result.criteria if not c.passed), key=lambda c: (c.severity != "error", -c.weight))
    name = Path(result.file).name
    score = _num(result.score)
    refs = _refs(result)
    earned = sum(c.weight for c in result.criteria if c.passed)
    total = sum(c.weight for c in result.criteria)
    page = PageView(
        title=f"{name} · {score}/100 · grader feedback",
        name=name,
        passed=result.passed,
        headline=_headline(result),
        score=score,
        ring_dash=f"{max(0.0, min(result.score, 100.0)) * RING / 100:.1f} {RING + 10:g}",
        ring_css=("pass" if result.passed else "fail") if result.score > 0 else "none",
        tallies=_tallies(result),
        facts=_facts(result),
        fix_first=tuple(FixView(c.title, f"{_num(c.weight)} pts", c.suggestion) for c in failed[:FIX_FIRST]),
        criteria=tuple(_criterion(c) for c in result.criteria),
        opening=tuple(ParagraphView(f"¶{op.paragraph} · page {op.page}", _segments(op, refs))
                      for op in result.opening),
        notes=result.notes,
        footer=f"Score {_num(earned)} of {_num(total)} points",
        version=result.version,
        generated=generated,
    )
    return {"p": page}


@functools.cache
def _env():
    """One environment a process: it compiles each template once, not on every page."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    return Environment(
        loader=PackageLoader("grader", "templates"),
        autoescape=select_autoescape(("html", "j2"), default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(result: GradeResult, generated: str | None = None) -> str:
    """The report page for one result, as a string."""
    when = generated or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return _env().get_template("report.html.j2").render(**_view(result, when))


def safe_name(source: str) -> str:
    """An output file name derived from the input's, safe whatever the input is called.

    Letters and digits of any script are kept; everything else (slashes, quotes, angle brackets,
    control and bidi characters, spaces) becomes "-", and the stem is capped at 120 UTF-8 bytes.
    """
    path = Path(source)
    stem = unicodedata.normalize("NFC", path.stem)
    stem = re.sub(r"[^\w.-]+", "-", stem).strip("._-")
    stem = stem.encode("utf-8")[:120].decode("utf-8", "ignore").strip("._-") or "report"
    suffix = path.suffix.lower().lstrip(".")
    return f"{stem}.{suffix}.html" if suffix in ("pdf", "docx", "md", "txt") else f"{stem}.html"


_NAME_TAIL = re.compile(r"(.*?)((?:\.(?:pdf|docx|md|txt))?\.html)")


def report_names(sources: Iterable[str]) -> dict[str, str]:
    """A distinct report file name for each source: ``a/draft.md`` and ``b/draft.md`` must not collide."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for source in sources:
        if source in names:
            continue
        name = safe_name(source)
        stem, tail = _NAME_TAIL.fullmatch(name).groups()
        n = 1
        while name.casefold() in taken:  # casefold: macOS and Windows folders ignore case
            n += 1
            name = f"{stem}-{n}{tail}"
        taken.add(name.casefold())
        names[source] = name
    return names


def write_report(result: GradeResult, out_dir: str | os.PathLike[str], generated: str | None = None,
                 name: str | None = None) -> Path:
    """Write the report into ``out_dir`` and return its path. Never overwrites the input file.

    ``name`` is the file name to use (see ``report_names``); by default it is derived from the input's.
    """
    target = Path(out_dir) / (name or safe_name(result.file))
    if target.resolve() == Path(result.file).resolve():
        target = target.with_name(target.stem + ".report.html")
    write_atomic(target, render_html(result, generated))
    return target
