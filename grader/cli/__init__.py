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
from ..errors import EXIT_FAIL, EXIT_PASS, EXIT_UNGRADABLE, EXIT_USAGE, GraderError, RubricError, describe
from .options import (
    COLOUR_KEY,
    accepted,
    colour_option,
    fail_under_option,
    load_selected,
    only_option,
    renderer_for,
    resolve_settings,
    skip_option,
)

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _colour() -> bool | None:
    """True or False when --color/--no-color was given; else False under NO_COLOR; else None (a terminal decides)."""
    ctx = click.get_current_context(silent=True)
    forced = ctx.meta.get(COLOUR_KEY) if ctx is not None else None
    if forced is not None:
        return forced
    return False if os.environ.get("NO_COLOR") else None


def one_line(text: str) -> str:
    """``text`` on one printable line: a file name or message can hold newlines or terminal escapes."""
    text = re.sub(r"\s+", " ", str(text)).strip()
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def _say_error(line: str) -> None:
    click.secho(f"grader: {one_line(line)}", fg="red", err=True, color=_colour())


def _error(path: str, exc: BaseException, debug: bool) -> tuple[int, str]:
    """Print one line for a file that could not be graded; return its exit status and that line."""
    if debug and not isinstance(exc, GraderError):
        traceback.print_exception(exc)
    code, line = describe(exc)
    name = os.path.basename(path)
    # Reader messages often start with the file's name: say it once ("grader: x/a.pdf is not a PDF …").
    _say_error(f"{path}{line[len(name):]}" if name and line.startswith(name) else f"{path}: {line}")
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


def _grade_all(files, rubric, debug, renderer=None):
    """Yield (path, result or None, exit status, error line) for each file; one bad file never stops a batch."""
    from ..grading import grade

    for path in files:
        try:
            yield path, grade(path, rubric, **({"renderer": renderer} if renderer else {})), EXIT_PASS, ""
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


def _renderer_present(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--renderer libreoffice`` without LibreOffice is bad usage (exit 3), said once, before any grading."""
    from ..render import find_soffice

    if value == "libreoffice" and find_soffice() is None:
        raise click.BadParameter("LibreOffice (soffice) is not installed; install it "
                                 "(apt-get install libreoffice-writer-nogui) or use --renderer auto", ctx, param)
    return value


renderer_option = click.option(
    "--renderer", type=click.Choice(["auto", "libreoffice", "none"]), default=None, callback=_renderer_present,
    help="How a DOCX's pages are counted: auto (rendered by LibreOffice when it is installed, else estimated), "
         "libreoffice (rendered, or exit 3 when it is missing), none (always estimated). Default: auto, "
         "or $GRADER_RENDERER.",
)
files_argument = click.argument("files", nargs=-1, required=True, metavar="FILES_OR_FOLDERS...",
                                type=click.Path(path_type=str))


@click.group(cls=Group, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="grader")
@colour_option
def main() -> None:
    """Grade case-study take-homes (PDF, DOCX or Markdown) the way a hiring reviewer does.

    A folder stands for every .pdf and .docx file under it, in sorted order; name .md drafts directly.

    Settings can live in [tool.grader] of the nearest pyproject.toml or in a grader.toml (see
    `grader config`); flags on the command line win.

    Exit status: 0 every criterion passes, 1 a criterion fails, 2 a file cannot be graded,
    3 bad usage or a broken rubric.
    """
    from ..nlp import freeze_after_load

    freeze_after_load()  # this process is the grader's own (see grader.nlp.freeze_after_load)


def _style():
    return click.style if _colour() is not False else (lambda t, **k: t)


def _gate_line(result, fail_under: float) -> str:
    """The line saying how the score fared against --fail-under."""
    if accepted(result, fail_under):
        note = "" if result.passed else "; the score decides, so the failures above are advice"
        return _style()(f"  ✓ score {result.score:g}/100 meets the fail-under score of {fail_under:g}{note}",
                        fg="green")
    return _style()(f"  ✗ score {result.score:g}/100 is below the fail-under score of {fail_under:g}",
                    fg="red", bold=True)


@main.command()
@files_argument
@rubric_option
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json", "html", "junit"]), default="text",
              show_default=True,
              help="Terminal summary, one JSON object per document, the HTML report of one document, "
                   "or JUnit XML for CI (one testsuite per document, one testcase per criterion).")
@click.option("--quiet", "-q", is_flag=True, help="Print only failures and errors.")
@fail_under_option
@only_option
@skip_option
@click.option("--watch", "-w", is_flag=True,
              help="Grade FILE again every time it is saved and print what changed, until Ctrl-C.")
@click.option("--profile", is_flag=True,
              help="Time one FILE's grading and print, on stderr, how the time splits across read, layout, "
                   "analysis, checks and report.")
@renderer_option
@colour_option
@debug_option
@click.pass_context
def check(ctx: click.Context, files: tuple[str, ...], rubric: str | None, fmt: str, quiet: bool,
          fail_under: float | None, only: tuple[str, ...], skip: tuple[str, ...], watch: bool, profile: bool,
          debug: bool, **_: object) -> None:
    """Grade FILES (or the drafts in FOLDERS) and print the verdicts; the exit status says pass or fail."""
    from ..profile import stage, start
    from ..report.text import render_text

    if profile and (watch or len(files) != 1 or os.path.isdir(files[0])):
        raise click.UsageError("--profile times one file (not a folder, not with --watch)")
    timer = start() if profile else None
    found = resolve_settings(ctx)
    fail_under = found["fail-under"]
    with stage("start-up"):
        rub = load_selected(found)
        if timer is not None:
            from ..grading import warm_up

            warm_up(files[0], rub)
    renderer = renderer_for(found)
    if watch:
        from .watch import watch_command

        watch_command(files, rub, fmt=fmt, quiet=quiet, renderer=renderer, debug=debug)
        return
    paths, status = _discover(files)
    if fmt == "html" and len(paths) > 1:
        raise click.UsageError("--format html prints the report of one document; "
                               "use `grader report` for several files")
    objects = []
    for path, result, code, line in _grade_all(paths, rub, debug, renderer):
        if result is None:
            status = max(status, code)
            if fmt == "json":
                objects.append({"schema": 1, "file": path, "error": True, "message": line, "passed": False})
            elif fmt == "junit":
                from ..report.junit import Ungraded

                objects.append(Ungraded(path, line))
            continue
        ok = accepted(result, fail_under)
        if not ok:
            status = max(status, EXIT_FAIL)
        with stage("report"):
            if fmt == "json":
                objects.append(result.to_json())
            elif fmt == "junit":
                objects.append(result)
            elif fmt == "html":
                from ..report.html import render_html

                click.echo(render_html(result), nl=False)
            elif not (quiet and ok):
                text = render_text(result, style=_style(), verbose=not quiet)
                if fail_under is not None:
                    text += "\n" + _gate_line(result, fail_under)
                click.echo(text, color=_colour())
    with stage("report"):
        if fmt == "json":
            payload = objects[0] if len(objects) == 1 else objects
            click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        elif fmt == "junit":
            from ..report.junit import render_junit

            click.echo(render_junit(objects, fail_under), nl=False)
    if timer is not None:
        click.echo(timer.stop().table(f"grader: where the time went for {one_line(files[0])}"), err=True)
    sys.exit(status)


@main.command()
@files_argument
@rubric_option
@click.option("--output", "-o", "out_dir", default="reports", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder to write the HTML reports into.")
@fail_under_option
@only_option
@skip_option
@renderer_option
@colour_option
@debug_option
@click.pass_context
def report(ctx: click.Context, files: tuple[str, ...], rubric: str | None, out_dir: Path,
           fail_under: float | None, only: tuple[str, ...], skip: tuple[str, ...], debug: bool,
           **_: object) -> None:
    """Grade FILES (or the drafts in FOLDERS) and write an HTML feedback report for each into OUTPUT."""
    from ..report.html import report_names, write_report

    found = resolve_settings(ctx)
    fail_under, out_dir = found["fail-under"], Path(found["output"])
    rub = load_selected(found)
    paths, status = _discover(files)
    names = report_names(paths)
    for path, result, code, _ in _grade_all(paths, rub, debug, renderer_for(found)):
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
        ok = accepted(result, fail_under)
        mark = "✓" if ok else "✗"
        click.echo(f"{mark} {one_line(path)}: {result.score:g}/100 → {one_line(str(target))}")
        if not ok:
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
from .config_cmd import config_command  # noqa: E402
from .explain import explain_command  # noqa: E402
from .rubrics import rubrics  # noqa: E402

main.add_command(batch)
main.add_command(rubrics)
main.add_command(explain_command)
main.add_command(config_command)
