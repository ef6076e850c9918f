"""The terminal summary: one line per criterion with ✓/✗ and where the evidence is."""

from __future__ import annotations

from ..results import CriterionResult, GradeResult

PASS, FAIL, WARN = "✓", "✗", "!"


def _mark(c: CriterionResult) -> str:
    if c.passed:
        return PASS
    return WARN if c.severity == "warning" else FAIL


def render_text(result: GradeResult, style=lambda text, **kw: text, verbose: bool = True) -> str:
    """Render one result. ``style`` is click.style (or identity) so colour stays the CLI's business."""
    head = "PASS" if result.passed else "FAIL"
    method = {"pdf": "", "estimated": " (estimated)", "rendered": " (rendered)", "markup": " (estimated)"}
    lines = [
        style(f"{result.file}", bold=True)
        + f" · {result.pages} page(s){method.get(result.page_count_method, '')}"
        + f" · score {result.score:g}/100 · "
        + style(head, fg="green" if result.passed else "red", bold=True)
    ]
    width = max((len(c.title) for c in result.criteria), default=10)
    for c in result.criteria:
        mark = _mark(c)
        colour = "green" if c.passed else ("yellow" if c.severity == "warning" else "red")
        where = c.evidence[0].where if c.passed and c.evidence and c.evidence[0].where else ""
        detail = where if c.passed and where else c.message
        lines.append(f"  {style(mark, fg=colour, bold=True)} {c.title:<{width}}  {detail}")
        if not c.passed and verbose and c.suggestion:
            lines.append(style(f"      → {c.suggestion}", dim=True))
    for note in result.notes:
        lines.append(style(f"  note: {note}", dim=True))
    return "\n".join(lines)
