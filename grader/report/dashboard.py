"""The batch dashboard (``index.html``) and the per-file report with its draft history.

Plain view dataclasses first (chart geometry included), then a logic-free, autoescaped template.
The page is self-contained: inline CSS and SVG, and one inline script (table sorting) allowed by
its hash in the Content-Security-Policy, so nothing is fetched when the page is opened.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import re
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import quote

from markupsafe import Markup

from .html import render_html, status_word

if TYPE_CHECKING:  # pragma: no cover
    from ..batch import BatchResult, BatchRow
    from ..batch_history import Change
    from ..results import GradeResult

DASHBOARD_NAME = "index.html"
WORDS = {"pass": "pass", "fail": "fail", "warn": "warning", "": "not graded"}
SYMBOLS = {"pass": "✓", "fail": "✗", "warn": "!", "": "–"}
LABEL_MAX = 42  # characters of a criterion title that fit left of its pass-rate bar
BINS = tuple((lo, lo + 9 if lo < 90 else 100) for lo in range(0, 100, 10))


@dataclass(frozen=True)
class Verdict:
    symbol: str
    word: str
    css: str
    sort: int


@dataclass(frozen=True)
class Column:
    id: str
    title: str


@dataclass(frozen=True)
class RowView:
    number: int
    name: str
    href: str  # "" when there is no report
    score: str
    score_sort: float
    outcome: Verdict  # pass, fail, error or not graded
    cells: tuple[Verdict, ...]  # one per criterion column
    pages: str
    pages_sort: int
    change: str
    change_css: str  # "up", "down", "same" or "first"
    change_sort: float
    error: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # under (histogram) or left of (pass rates) the bar
    label_x: float
    label_y: float
    value: str  # printed next to the bar
    value_x: float
    value_y: float


@dataclass(frozen=True)
class Tick:
    x1: float
    x2: float
    y: float
    label: str
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    description: str  # the numbers in words, for screen readers
    width: int
    height: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...] = ()
    label_anchor: str = "middle"  # SVG text-anchor of the bar labels and values
    value_anchor: str = "middle"
    label_css: str = "axis"
    axis: str = ""  # the axis title under the chart
    axis_x: float = 0
    axis_y: float = 0


@dataclass(frozen=True)
class Stat:
    label: str
    value: str
    css: str = ""


@dataclass(frozen=True)
class Dashboard:
    title: str
    folder: str
    rubric_title: str
    generated: str
    version: str
    stats: tuple[Stat, ...]
    columns: tuple[Column, ...]
    rows: tuple[RowView, ...]
    charts: tuple[Chart, ...]  # score distribution, pass rate per criterion
    interrupted: str  # the banner text when the run was stopped early


def _verdict(status: str) -> Verdict:
    return Verdict(SYMBOLS[status], WORDS[status], status or "none", {"pass": 2, "warn": 1, "fail": 0}.get(status, -1))


OUTCOMES = {
    "pass": Verdict("✓", "Pass", "pass", 3), "fail": Verdict("✗", "Fail", "fail", 2),
    "error": Verdict("⚠", "Error", "error", 1), "not graded": Verdict("–", "Not graded", "none", 0),
}


def _folder(paths: list[str]) -> str:
    """The deepest folder holding every input, so the table can show shorter names."""
    if not paths:
        return ""
    try:
        return os.path.commonpath([os.path.dirname(os.path.abspath(p)) for p in paths])
    except ValueError:  # pragma: no cover - different drives on Windows
        return ""


def _row(row: BatchRow, columns: tuple[Column, ...], folder: str) -> RowView:
    r = row.result
    verdicts = {c.id: status_word(c) for c in r.criteria} if r else {}
    name = os.path.relpath(os.path.abspath(row.path), folder) if folder else row.path
    change = row.change
    return RowView(
        number=row.index + 1,
        name=name,
        href=quote(row.report) if row.report else "",
        score=f"{r.score:g}" if r else "–",
        score_sort=r.score if r else -1,
        outcome=OUTCOMES[row.status],
        cells=tuple(_verdict(verdicts.get(c.id, "")) for c in columns),
        pages=str(r.pages) if r else "–",
        pages_sort=r.pages if r else -1,
        change=change.summary() if change else ("first draft" if r else ""),
        change_css=change.direction if change else "first",
        change_sort=change.delta if change else 0,
        error=row.error,
    )


def _nice_max(n: int) -> int:
    """The top of the count axis: a round even number at or above ``n``, so its half is whole too."""
    step = 1
    while True:
        for m in (2, 4, 6, 8, 10):
            if m * step >= n:
                return m * step
        step *= 10


def histogram(scores: list[float], width: int = 600, height: int = 250) -> Chart:
    left, right, top, bottom = 40, 10, 22, 44
    counts = [0] * len(BINS)
    for s in scores:
        counts[min(max(int(s // 10), 0), len(BINS) - 1)] += 1
    top_count = _nice_max(max(counts, default=0))
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / len(BINS)
    bars = []
    for i, ((lo, hi), n) in enumerate(zip(BINS, counts, strict=True)):
        h = plot_h * n / top_count
        x = left + slot * i
        y = top + plot_h - h
        bars.append(Bar(round(x + 4, 1), round(y, 1), round(slot - 8, 1), round(h, 1),
                        f"{lo}–{hi}", round(x + slot / 2, 1), height - bottom + 18,
                        str(n) if n else "", round(x + slot / 2, 1), round(y - 6, 1)))
    ticks = []
    for v in sorted({0, top_count // 2, top_count}):
        y = round(top + plot_h * (1 - v / top_count), 1)
        ticks.append(Tick(left, width - right, y, str(v), left - 6, y + 4))
    words = ", ".join(f"{b.label}: {n}" for b, n in zip(bars, counts, strict=True))
    return Chart("hist", "Score distribution", f"Number of submissions per score band. {words}.",
                 width, height, tuple(bars), tuple(ticks), axis="score out of 100", axis_x=width / 2,
                 axis_y=height - 6)


def pass_rates(columns: tuple[Column, ...], rows: tuple[BatchRow, ...], width: int = 600) -> Chart:
    label_w, right, top, row_h = 272, 112, 8, 26
    graded = [r.result for r in rows if r.result]
    height = top * 2 + row_h * len(columns)
    bars, words = [], []
    for i, col in enumerate(columns):
        passed = sum(c.passed for r in graded for c in r.criteria if c.id == col.id)
        rate = passed / len(graded) if graded else 0.0
        y = top + i * row_h
        w = (width - label_w - right) * rate
        value = f"{rate:.0%} ({passed}/{len(graded)})"
        label = col.title if len(col.title) <= LABEL_MAX else col.title[:LABEL_MAX - 1].rstrip() + "…"
        bars.append(Bar(label_w, y + 4, round(w, 1), row_h - 8, label, label_w - 8, y + row_h / 2 + 4,
                        value, round(label_w + w + 6, 1), y + row_h / 2 + 4))
        words.append(f"{col.title}: {value}")
    return Chart("rates", "Pass rate per criterion", "Share of graded submissions passing each criterion. "
                 + "; ".join(words) + ".", width, height, tuple(bars), label_anchor="end", value_anchor="start",
                 label_css="label")


def dashboard_view(batch: BatchResult, generated: str) -> Dashboard:
    rows = batch.rows
    columns = tuple(Column(c.id, c.title) for c in batch.rubric.criteria)
    folder = _folder([r.path for r in rows])
    scores = [r.result.score for r in rows if r.result]
    count = {s: sum(r.status == s for r in rows) for s in OUTCOMES}
    stats = [Stat("Submissions", str(len(rows))), Stat("Pass", str(count["pass"]), "pass"),
             Stat("Fail", str(count["fail"]), "fail"), Stat("Could not be graded", str(count["error"]), "error")]
    if count["not graded"]:
        stats.append(Stat("Not graded", str(count["not graded"]), "none"))
    stats.append(Stat("Median score", f"{statistics.median(scores):g}" if scores else "–"))
    stats.append(Stat("From cache", str(batch.from_cache)))
    banner = (f"The run was stopped before every file was graded: {count['not graded']} file(s) are marked "
              "not graded. Run the batch again to grade them." if batch.interrupted else "")
    shown = os.path.relpath(folder) if folder else ""
    if shown.startswith(".."):
        shown = folder
    return Dashboard(
        title=f"Grading dashboard · {len(rows)} submission{'' if len(rows) == 1 else 's'}",
        folder="" if shown == "." else shown,
        rubric_title=batch.rubric.title, generated=generated, version=batch.version, stats=tuple(stats),
        columns=columns, rows=tuple(_row(r, columns, folder) for r in rows),
        charts=(histogram(scores), pass_rates(columns, rows)), interrupted=banner,
    )


def _csp_hash(script: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(str(script).encode()).digest()).decode()


@functools.cache
def _env():
    """One environment a process: it compiles each template once, not on every page."""
    from jinja2 import Environment, PackageLoader, select_autoescape

    env = Environment(loader=PackageLoader("grader", "templates"), trim_blocks=True, lstrip_blocks=True,
                      autoescape=select_autoescape(("html", "j2"), default_for_string=True, default=True))
    env.filters["csp_hash"] = _csp_hash
    return env


def render_dashboard(batch: BatchResult, generated: str | None = None) -> str:
    """The dashboard page for a batch, as a string."""
    when = generated or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return _env().get_template("dashboard.html.j2").render(d=dashboard_view(batch, when))


_MAIN = re.compile(r"<main\b[^>]*>")


# The per-file report: report.html.j2 has no place for history yet, so a self-contained section is
# inserted right after <main>, built from escaped parts and styled with the report's own classes.

def history_section(change: Change) -> Markup:
    items = Markup("").join(
        Markup('<li><strong>{title}</strong>: <span class="tag {b}">{bs} {bw}</span> → '
               '<span class="tag {a}">{as_} {aw}</span></li>\n')
        .format(b=c.before, bs=SYMBOLS[c.before], bw=WORDS[c.before], a=c.after,
                as_=SYMBOLS[c.after], aw=WORDS[c.after], title=c.title)
        for c in change.criteria
    )
    listing = Markup('<ul class="history-list">\n{}</ul>\n').format(items) if items else Markup(
        "<p>No criterion changed its verdict.</p>\n")
    return Markup(
        '<section class="card history" aria-labelledby="history-h">\n'
        '<h2 id="history-h">Since your previous draft</h2>\n'
        '<p>Score <strong>{before:g} → {after:g}</strong> ({delta:+g} points) since the draft graded {since}.</p>\n'
        "{listing}</section>\n"
    ).format(before=change.before, after=change.after, delta=change.delta, since=change.since, listing=listing)


def render_report(result: GradeResult, change: Change | None = None, generated: str | None = None) -> str:
    """The usual report page, with a "Since your previous draft" section when there is one."""
    return with_history(render_html(result, generated), change)


def with_history(page: str, change: Change | None) -> str:
    """A rendered report page with the history section inserted right after its <main> tag."""
    main = _MAIN.search(page)
    if change is None or main is None:
        return page
    return f"{page[:main.end()]}\n{history_section(change)}{page[main.end():]}"
