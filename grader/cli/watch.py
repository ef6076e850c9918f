"""``grader check --watch FILE``: print the grade, then what changed at every save, until Ctrl-C."""

from __future__ import annotations

import os
import sys
import time
import traceback

import click

from ..errors import EXIT_PASS

# Tests replace these to drive the loop without waiting.
sleep = time.sleep
max_polls: int | None = None


def _print(event, path: str, quiet: bool) -> None:
    from ..report.text import render_text
    from . import _colour, _say_error, _style, one_line

    stamp = time.strftime("%H:%M:%S")
    if event.result is None:
        _say_error(f"{path}: {event.error}")
        return
    result = event.result
    if event.change is None:
        click.echo(render_text(result, style=_style(), verbose=not quiet), color=_colour())
        return
    change = event.change
    verdicts = "; verdicts unchanged" if not change.criteria else ""
    colour = "green" if change.delta > 0 else "red" if change.delta < 0 else None
    line = f"{stamp} {one_line(path)} saved · {_style()(change.score_text(), fg=colour, bold=True)}{verdicts}"
    click.echo(line, color=_colour())
    messages = {c.id: c for c in result.criteria}
    for flip in change.criteria:
        now = messages.get(flip.id)
        detail = f"  {one_line(now.message)}" if now is not None else ""
        click.echo(f"  {flip.text()}{detail}", color=_colour())
    if not change.criteria and result.failed and not quiet:
        click.echo(f"  still failing: {', '.join(c.id for c in result.failed)}", color=_colour())


def watch_command(files: tuple[str, ...], rubric, *, fmt: str, quiet: bool, renderer: str | None, debug: bool) -> None:
    """Watch the one FILE in ``files``; exits 0 on Ctrl-C."""
    from ..errors import GraderError, describe
    from ..grading import grade
    from ..watch import INTERVAL, watch

    def explain_error(exc: BaseException) -> str:
        if debug and not isinstance(exc, GraderError):
            traceback.print_exception(exc)
        return describe(exc)[1]

    if len(files) != 1 or os.path.isdir(files[0]):
        raise click.UsageError("--watch takes one file (not a folder)")
    if fmt != "text":
        raise click.UsageError("--watch prints a terminal summary; leave out --format")
    path = files[0]
    if not os.path.isfile(path):
        raise click.UsageError(f"--watch: {path} is not a file")
    kwargs = {"renderer": renderer} if renderer else {}
    click.echo(f"watching {path} (checked every {INTERVAL:g} s; Ctrl-C to stop)", err=True)
    try:
        watch(path, lambda p: grade(p, rubric, **kwargs), lambda e: _print(e, path, quiet),
              sleep=sleep, max_polls=max_polls, describe_error=explain_error)
    except KeyboardInterrupt:
        click.echo("stopped watching", err=True)
    sys.exit(EXIT_PASS)
