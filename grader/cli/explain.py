"""``grader explain [CRITERION]``: what reviewers look for, how much it weighs, and examples."""

from __future__ import annotations

import sys
import textwrap

import click

from ..errors import GraderError
from . import _colour, _say_error, _style, rubric_option
from .options import CriterionId, colour_option, resolve_settings


def _overview(rub) -> str:
    from ..criteria import REGISTRY

    by_id = {c.id: c for c in rub.criteria}
    total = sum(c.weight for c in rub.criteria) or 1
    width = max(len(cid) for cid in REGISTRY)
    lines = [f"Criteria of rubric {rub.name} (grader explain CRITERION for one):", "",
             f"  {'criterion':<{width}}  {'points':>6}  {'severity':<7}  title"]
    for cid, module in REGISTRY.items():
        c = by_id.get(cid)
        if c is None:
            lines.append(f"  {cid:<{width}}  {'off':>6}  {'':<7}  {module.TITLE} (disabled in this rubric)")
        else:
            lines.append(f"  {cid:<{width}}  {100 * c.weight / total:>6.1f}  {c.severity:<7}  {c.title}")
    return "\n".join(lines)


def _page(e, rub) -> str:
    style = _style()

    def wrap(text: str, first: str = "  ", rest: str = "  ") -> str:
        return textwrap.fill(" ".join(text.replace("\n\n", " ¶ ").split()), 96, initial_indent=first, subsequent_indent=rest)

    lines = [style(f"{e.id} · {e.title}", bold=True), e.summary, ""]
    if e.config is None:
        lines.append(f"Not graded by rubric {rub.name}: it is disabled there.")
    else:
        c = e.config
        from ..rubric_tools import settings_text

        lines.append(f"In rubric {rub.name}: weight {c.weight:g} ({e.points:.1f} of 100 points), severity {c.severity}"
                     + (" (a warning informs, it never fails the draft)" if c.severity == "warning" else ""))
        if c.settings:
            lines.append(f"Thresholds: {settings_text(c)}")
    lines += ["", style("What reviewers look for", bold=True)]
    lines += [wrap(p) for p in e.looks_for.split("\n\n") if p.strip()]
    lines += ["", style("Passes", fg="green", bold=True)]
    lines += [wrap(x, "  ✓ ", "    ") for x in e.passing]
    lines += ["", style("Fails", fg="red", bold=True)]
    lines += [wrap(x, "  ✗ ", "    ") for x in e.failing]
    return "\n".join(lines)


@click.command("explain")
@click.argument("criterion", required=False, type=CriterionId(), metavar="[CRITERION]")
@rubric_option
@colour_option
@click.pass_context
def explain_command(ctx: click.Context, criterion: str | None, rubric: str | None) -> None:
    """Say what reviewers look for under CRITERION, its weight and severity in the rubric, and
    examples that pass and fail. With no CRITERION, list every criterion."""
    from ..rubric import load_rubric
    from ..rubric_tools import explain

    try:
        rub = load_rubric(resolve_settings(ctx)["rubric"])  # the whole rubric: explain ignores only/skip
    except GraderError as exc:
        _say_error(exc.line())
        sys.exit(exc.exit_code)
    if criterion is None:
        click.echo(_overview(rub))
        return
    try:
        e = explain(criterion, rub)
    except GraderError as exc:
        _say_error(exc.line())
        sys.exit(exc.exit_code)
    click.echo(_page(e, rub), color=_colour())
