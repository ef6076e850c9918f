"""The terminal summary: one line per criterion with ✓/✗ and where the evidence is."""

from __future__ import annotations

import re

from ..results import CriterionResult, GradeResult

PASS, FAIL, WARN = "✓", "✗", "!"


def _clean(text: str) -> str:
    """One printable line: names and quotes come from the user's files and may hold terminal escapes."""
    return "".join(ch if ch.isprintable() else "?" for ch in re.sub(r"\s+", " ", text).strip())


def _mark(c: CriterionResult) -> str:
    if c.passed:
        return PASS
    return WARN if c.severity == "warning" else FAIL


def render_text(result: GradeResult, style=lambda text, **kw: text, verbose: bool = True) -> str:
    """Render one result. ``style`` is click.style (or identity) so colour stays the CLI's business."""
    head = "PASS" if result.passed else "FAIL"
    method = {"pdf": "", "estimated": " (estimated)", "rendered": " (rendered)", "markup": " (estimated)"}
    lines = [
        style(_clean(result.file), bold=True)
        + f" · {result.pages} page(s){method.get(result.page_count_method, '')}"
        + f" · score {result.score:g}/100 · "
        + style(head, fg="green" if result.passed else "red", bold=True)
    ]
    width = max((len(c.title) for c in result.criteria), default=10)
    for c in result.criteria:
        mark = _mark(c)
        colour = "green" if c.passed else ("yellow" if c.severity == "warning" else "red")
        located = c.passed and c.evidence and (c.evidence[0].paragraph or "table" in c.evidence[0].where)
        where = c.evidence[0].where if located else ""  # a place to look, or else the message says it all
        detail = _clean(where if c.passed and where else c.message)
        lines.append(f"  {style(mark, fg=colour, bold=True)} {_clean(c.title):<{width}}  {detail}")
        if not c.passed and verbose and c.suggestion:
            lines.append(style(f"      → {_clean(c.suggestion)}", dim=True))
    for note in result.notes:
        lines.append(style(f"  note: {_clean(note)}", dim=True))
    return "\n".join(lines)
