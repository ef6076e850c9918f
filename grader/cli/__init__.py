"""The command line: a thin click shell over grader's Python API."""

from __future__ import annotations

import json
import os
import re
import sys
import traceback
from pathlib import Path

import click

from .. import __version__
from ..errors import EXIT_FAIL, EXIT_PASS, EXIT_UNGRADABLE, EXIT_USAGE, GraderError, RubricError

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _colour() -> bool | None:
    return False if os.environ.get("NO_COLOR") else None


def one_line(text: str) -> str:
    """``text`` on one printable line: a file name or message can hold newlines or terminal escapes."""
    text = re.sub(r"\s+", " ", str(text)).strip()
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _say_error(line: str) -> None:
    click.secho(f"grader: {one_line(line)}", fg="red", err=True, color=_colour())


def _describe(exc: BaseException) -> tuple[int, str]:
    """The exit status and the one line for a file that could not be graded."""
    if isinstance(exc, GraderError):
        return exc.exit_code, exc.line()
    name = type(exc).__name__
    return EXIT_UNGRADABLE, (f"could not be graded (internal {name}: {str(exc)[:120]}); "
                             "re-export the file as PDF or DOCX, and report this if it persists")


def _error(path: str, exc: BaseException, debug: bool) -> tuple[int, str]:
    """Print one line for a file that could not be graded; return its exit status and that line."""
    if debug and not isinstance(exc, GraderError):
        traceback.print_exception(exc)
    code, line = _describe(exc)
    _say_error(f"{path}: {line}")
    return code, one_line(line)


def _load(rubric: str | None):
    from ..rubric import load_rubric

    try:
        return load_rubric(rubric)
    except RubricError as exc:
        _say_error(exc.line())
        sys.exit(EXIT_USAGE)


def _discover(files: tuple[str, ...]) -> tuple[list[str], int]:
    """The files to grade (folders expanded); report folders holding no draft."""
    from ..discover import SUFFIXES, discover

    found = discover(files)
    for folder in found.empty_folders:
        _say_error(f"{folder}: no {' or '.join(SUFFIXES)} files in this folder; name a draft or another folder")
    return list(found.files), EXIT_UNGRADABLE if found.empty_folders else EXIT_PASS


def _grade_all(files, rubric, debug):
    """Yield (path, result or None, exit status, error line) for each file; one bad file never stops a batch."""
    from ..grading import grade

    for path in files:
        try:
            yield path, grade(path, rubric), EXIT_PASS, ""
        except Exception as exc:  # noqa: BLE001 - one bad file never takes down a batch
            code, line = _error(path, exc, debug)
            yield path, None, code, line


class Group(click.Group):
    """A click group whose usage errors exit with 3: click's own 2 means "cannot be graded" here."""

    def make_context(self, *args, **kwargs):
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            exc.exit_code = EXIT_USAGE
            raise

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            exc.exit_code = EXIT_USAGE
            raise


rubric_option = click.option(
    "--rubric", "-r", metavar="NAME|PATH", default=None,
    help="Rubric name (see rubrics/) or path to a .toml file. Default: klarna-take-home.",
)
debug_option = click.option("--debug", is_flag=True, hidden=True, help="Show tracebacks for internal errors.")
files_argument = click.argument("files", nargs=-1, required=True, metavar="FILES_OR_FOLDERS...",
                                type=click.Path(path_type=str))


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="grader")
def main() -> None:
    """Grade case-study take-homes (PDF, DOCX or Markdown) the way a hiring reviewer does.

    A folder stands for every .pdf and .docx file under it, in sorted order; name .md drafts directly.

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
    """Grade FILES (or the drafts in FOLDERS) and print the verdicts; the exit status says pass or fail."""
    from ..report.text import render_text

    rub = _load(rubric)
    paths, status = _discover(files)
    objects = []
    for path, result, code, line in _grade_all(paths, rub, debug):
        if result is None:
            status = max(status, code)
            if fmt == "json":
                objects.append({"schema": 1, "file": path, "error": True, "message": line, "passed": False})
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
    """Grade FILES (or the drafts in FOLDERS) and write an HTML feedback report for each into OUTPUT."""
    from ..report.html import report_names, write_report

    rub = _load(rubric)
    paths, status = _discover(files)
    names = report_names(paths)
    for path, result, code, _ in _grade_all(paths, rub, debug):
        if result is None:
            status = max(status, code)
            continue
        try:
            target = write_report(result, out_dir, name=names[path])
        except OSError as exc:
            _say_error(f"{out_dir}: cannot write the report for {path} ({exc.strerror or exc}); "
                       "choose a folder you can write to with --output")
            status = max(status, EXIT_USAGE)
            continue
        mark = "✓" if result.passed else "✗"
        click.echo(f"{mark} {one_line(path)}: {result.score:g}/100 → {one_line(str(target))}")
        if not result.passed:
            status = max(status, EXIT_FAIL)
    sys.exit(status)


@main.command("eval")
@click.argument("folders", nargs=-1, type=click.Path(exists=True, file_okay=False, path_type=Path))
@rubric_option
@click.option("--target", default=0.97, show_default=True, type=click.FloatRange(0, 1),
              help="Agreement every criterion must reach; below it the exit status is 1.")
def evaluate_command(folders: tuple[Path, ...], rubric: str | None, target: float) -> None:
    """Measure agreement with human labels on labelled case FOLDERS (default: tests/eval/*/).

    Prints agreement, precision and recall per criterion ("fail" is the positive class: how well
    the grader catches what a reviewer marks down) for each folder and for all of them together,
    then every disagreement with its evidence. The exit status is 1 when a criterion's combined
    agreement is below --target.
    """
    from ..evaluate import combine, evaluate, format_table

    rub = _load(rubric)
    if not folders:
        root = Path("tests") / "eval"
        folders = tuple(sorted(p for p in root.iterdir() if p.is_dir() and any(p.glob("*.toml")))) if root.is_dir() else ()
    if not folders:
        _say_error("no labelled case folders found; name one (a folder of <criterion-id>.toml files)")
        sys.exit(EXIT_USAGE)
    groups = []
    for folder in folders:
        scores = evaluate(folder, rub)
        groups.append(scores)
        click.echo(f"\n{folder}\n")
        click.echo(format_table(scores))
        for s in scores:
            for m in s.misses:
                hard = " (hard)" if m.hard else ""
                click.echo(f"\n✗ {m.criterion} / {m.case}{hard}: labelled {m.label}, graded {m.got}")
                click.echo(f"    why labelled: {m.note}")
                click.echo(f"    grader said: {m.message}")
                if m.evidence:
                    click.echo(f"    evidence: {m.evidence[:300]}")
    total = combine(groups)
    if len(groups) > 1:
        click.echo(f"\nAll {len(groups)} sets together\n")
        click.echo(format_table(total))
    sys.exit(EXIT_FAIL if any(s.agreement < target for s in total) else EXIT_PASS)

from .batch import batch  # noqa: E402 - registered after main is defined

main.add_command(batch)
