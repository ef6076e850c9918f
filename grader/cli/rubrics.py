"""``grader rubrics``: list, show, validate and scaffold rubrics."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import EXIT_PASS, GraderError
from . import CONTEXT, Group, _say_error, one_line
from .options import colour_option


def _fail(exc: GraderError) -> None:
    _say_error(exc.line())
    sys.exit(exc.exit_code)


@click.group("rubrics", cls=Group, context_settings=CONTEXT)
@colour_option
def rubrics() -> None:
    """List, show, validate and scaffold rubrics (the TOML files holding weights, thresholds and words)."""


@rubrics.command("list")
def list_command() -> None:
    """List the named rubrics: name, title, number of criteria and path."""
    from ..rubric_tools import list_rubrics

    entries = list_rubrics()
    if not entries:
        click.echo("no named rubrics found")
        return
    name_w = max(len(e.name) for e in entries)
    title_w = max(len(e.title) for e in entries)
    for e in entries:
        if e.error:
            click.echo(f"{e.name:<{name_w}}  (does not load: {one_line(e.error)})  {e.path}")
        else:
            click.echo(f"{e.name:<{name_w}}  {e.title:<{title_w}}  {e.criteria:>2} criteria  {e.path}")


@rubrics.command("show")
@click.argument("name", metavar="NAME|PATH")
def show_command(name: str) -> None:
    """Show a rubric's criteria with their weights, points, severities and thresholds."""
    from ..rubric import load_rubric
    from ..rubric_tools import describe_rubric

    try:
        click.echo(describe_rubric(load_rubric(name)))
    except GraderError as exc:
        _fail(exc)


@rubrics.command("validate")
@click.argument("path", metavar="PATH")
def validate_command(path: str) -> None:
    """Load PATH as the grader would: print "valid" (exit 0) or the one line saying what to fix (exit 3)."""
    from ..rubric import load_rubric

    try:
        rub = load_rubric(path)
    except GraderError as exc:
        _fail(exc)
    total = sum(c.weight for c in rub.criteria)
    click.echo(f"{one_line(path)}: valid (rubric {rub.name!r}, {len(rub.criteria)} criteria, total weight {total:g})")
    sys.exit(EXIT_PASS)


@rubrics.command("new")
@click.argument("name")
@click.option("--from", "base", metavar="NAME|PATH", default=None,
              help="The rubric to build on (its `extends`). Default: klarna-take-home.")
@click.option("--output", "-o", "out_dir", default=".", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder to write NAME.toml into.")
def new_command(name: str, base: str | None, out_dir: Path) -> None:
    """Write NAME.toml, a rubric that extends another and changes nothing yet, with commented examples
    of what to change. Never overwrites a file."""
    from ..rubric_tools import scaffold

    try:
        target = scaffold(name, base, out_dir)
    except GraderError as exc:
        _fail(exc)
    except OSError as exc:
        _say_error(f"{out_dir}: cannot write the rubric ({exc.strerror or exc}); choose a folder with --output")
        sys.exit(3)
    click.echo(f"wrote {target}; edit it, then check it with: grader rubrics validate {target}")
