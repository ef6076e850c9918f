"""The command line: a thin click shell over grader's Python API."""

from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path

import click

from . import __version__
from .errors import EXIT_FAIL, EXIT_PASS, EXIT_UNGRADABLE, EXIT_USAGE, GraderError, RubricError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _colour() -> bool | None:
    return False if os.environ.get("NO_COLOR") else None


def _error(path: str, exc: BaseException, debug: bool) -> int:
    """Print one line for a file that could not be graded; return its exit status."""
    if isinstance(exc, GraderError):
        click.secho(f"grader: {path}: {exc.line()}", fg="red", err=True, color=_colour())
        return exc.exit_code
    if debug:
        traceback.print_exception(exc)
    name = type(exc).__name__
    click.secho(
        f"grader: {path}: could not be graded (internal {name}: {str(exc)[:120]}); "
        "re-export the file as PDF or DOCX, and report this if it persists",
        fg="red", err=True, color=_colour(),
    )
    return EXIT_UNGRADABLE


def _load(rubric: str | None):
    from .rubric import load_rubric

    try:
        return load_rubric(rubric)
    except RubricError as exc:
        click.secho(f"grader: {exc.line()}", fg="red", err=True, color=_colour())
        sys.exit(EXIT_USAGE)


def _grade_all(files, rubric, debug):
    from .grading import grade

    for path in files:
        try:
            yield path, grade(path, rubric), EXIT_PASS
        except (GraderError, Exception) as exc:  # noqa: BLE001 - one bad file never takes down a batch
            yield path, None, _error(path, exc, debug)


rubric_option = click.option(
    "--rubric", "-r", metavar="NAME|PATH", default=None,
    help="Rubric name (see rubrics/) or path to a .toml file. Default: klarna-take-home.",
)
debug_option = click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks for internal errors.")
files_argument = click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="grader")
def main() -> None:
    """Grade case-study take-homes (PDF, DOCX or Markdown) the way a hiring reviewer does.

    Exit status: 0 every criterion passes, 1 a criterion fails, 2 a file cannot be graded,
    3 bad usage or a broken rubric.
    """


@main.command()
@files_argument
@rubric_option
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Terminal summary or one JSON object per document.")
@click.option("--quiet", "-q", is_flag=True, help="Print only failures and errors.")
@debug_option
def check(files: tuple[str, ...], rubric: str | None, fmt: str, quiet: bool, debug: bool) -> None:
    """Grade FILES and print the verdicts; the exit status says pass or fail."""
    from .report.text import render_text

    rub = _load(rubric)
    status = EXIT_PASS
    objects = []
    for path, result, code in _grade_all(files, rub, debug):
        if result is None:
            status = max(status, code)
            if fmt == "json":
                objects.append({"schema": 1, "file": path, "error": True, "passed": False})
            continue
        if not result.passed:
            status = max(status, EXIT_FAIL)
        if fmt == "json":
            objects.append(result.to_json())
        elif not (quiet and result.passed):
            style = click.style if _colour() is not False else (lambda t, **k: t)
            click.echo(render_text(result, style=style, verbose=not quiet), color=_colour())
    if fmt == "json":
        payload = objects[0] if len(objects) == 1 else objects
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    sys.exit(status)


@main.command()
@files_argument
@rubric_option
@click.option("--output", "-o", "out_dir", default="reports", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder to write the HTML reports into.")
@debug_option
def report(files: tuple[str, ...], rubric: str | None, out_dir: Path, debug: bool) -> None:
    """Grade FILES and write an HTML feedback report for each into OUTPUT."""
    from .report.html import write_report

    rub = _load(rubric)
    status = EXIT_PASS
    for path, result, code in _grade_all(files, rub, debug):
        if result is None:
            status = max(status, code)
            continue
        target = write_report(result, out_dir)
        mark = "✓" if result.passed else "✗"
        click.echo(f"{mark} {path}: {result.score:g}/100 → {target}")
        if not result.passed:
            status = max(status, EXIT_FAIL)
    sys.exit(status)
