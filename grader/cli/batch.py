"""``grader batch``: grade a study group's drafts in parallel into a dashboard, a gradebook and reports."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from ..errors import EXIT_USAGE, GraderError
from . import _load, _say_error, files_argument, one_line, rubric_option

EXIT_INTERRUPTED = 130  # the shell's convention for a run stopped by Ctrl-C


def _stop_on_sigterm(signum, frame):
    raise KeyboardInterrupt  # stop like Ctrl-C: the outputs are written with what finished


class _Progress:
    """A progress bar on stderr, shown only when stderr is a terminal."""

    def __init__(self) -> None:
        self.bar = None
        self.stream = sys.stderr

    def __call__(self, done: int, total: int, row) -> None:
        if self.bar is None and self.stream.isatty():
            self.bar = click.progressbar(length=total, label="grading", file=self.stream, show_pos=True)
            self.bar.__enter__()
        if self.bar is not None and row is not None:
            self.bar.update(1)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@click.command()
@files_argument
@rubric_option
@click.option("--output", "-o", "out_dir", default="reports", show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the reports, index.html, results.csv and results.json.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Files graded at once, each in its own worker process. Default: one per core.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
              help="Seconds a file may take before its worker is stopped and the file reported.")
@click.option("--max-memory-mb", type=click.IntRange(min=0), default=1024, show_default=True,
              help="Address-space cap per worker, in MB (0: no cap).")
@click.option("--cache-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where graded results are cached. Default: OUTPUT/.grader-cache.")
@click.option("--no-cache", is_flag=True, help="Grade every file again (the cache is refreshed, not read).")
@click.option("--quiet", "-q", is_flag=True, help="Print only failures and errors.")
def batch(files: tuple[str, ...], rubric: str | None, out_dir: Path, jobs: int | None, timeout: float,
          max_memory_mb: int, cache_dir: Path | None, no_cache: bool, quiet: bool) -> None:
    """Grade FILES (or the drafts in FOLDERS) in parallel into OUTPUT: a report per file,
    index.html (a dashboard), and the gradebook results.csv and results.json.

    Each file is graded in a worker process with a time limit and a memory cap; a file that
    crashes, hangs or cannot be read becomes an error row and the others carry on. Unchanged files
    are not graded again (the cache is keyed by content, rubric and grader version). When a file
    was graded before, its report and the dashboard show what changed since that draft.

    Exit status: 0 every file graded and passed, 1 a criterion failed, 2 a file could not be
    graded, 3 bad usage, 130 stopped by Ctrl-C (the outputs hold what finished).
    """
    from ..batch import run_batch

    rub = _load(rubric)
    progress = _Progress()
    previous = signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        result = run_batch(files, out_dir, rub, jobs=jobs, timeout=timeout, max_memory_mb=max_memory_mb,
                           cache_dir=cache_dir, use_cache=not no_cache, progress=progress)
    except GraderError as exc:
        _say_error(exc.line())
        sys.exit(exc.exit_code)
    except OSError as exc:
        _say_error(f"{out_dir}: cannot write the batch outputs ({exc.strerror or exc}); "
                   "choose a folder you can write to with --output")
        sys.exit(EXIT_USAGE)
    finally:
        signal.signal(signal.SIGTERM, previous)
        progress.close()
    _print(result, quiet)
    sys.exit(EXIT_INTERRUPTED if result.interrupted else result.exit_code)


def _print(result, quiet: bool) -> None:
    for folder in result.empty_folders:
        _say_error(f"{folder}: no .pdf or .docx files in this folder; name a draft or another folder")
    for row in result.rows:
        if row.status == "error":
            _say_error(f"{row.path}: {row.error}")
        elif row.result is not None and not (quiet and row.status == "pass"):
            mark = "✓" if row.status == "pass" else "✗"
            change = f" ({row.change.score_text()})" if row.change else ""
            click.echo(f"{mark} {one_line(row.path)}: {row.result.score:g}/100{change} → "
                       f"{one_line(str(result.out_dir / row.report))}")
    rows = result.rows
    count = {s: sum(r.status == s for r in rows) for s in ("pass", "fail", "error", "not graded")}
    parts = [f"{count['pass']} pass", f"{count['fail']} fail", f"{count['error']} could not be graded"]
    if count["not graded"]:
        parts.append(f"{count['not graded']} not graded (stopped)")
        _say_error(f"stopped before {count['not graded']} file(s) were graded; they are marked not graded in "
                   "the gradebook. Run the same command again: what finished is cached")
    click.echo(f"grader: {len(rows)} file{'' if len(rows) == 1 else 's'}: {', '.join(parts)}; "
               f"{result.graded} graded, {result.from_cache} from cache, in {result.seconds:.1f} s "
               f"→ {one_line(str(result.dashboard))}", err=True)
