"""Batch grading for a study group: many drafts in parallel, isolated, cached, with a dashboard and a gradebook.

    from grader.batch import run_batch
    batch = run_batch(["drafts/"], "reports/", jobs=4)
    batch.exit_code, [row.status for row in batch.rows]

The cache is checked in this process first, so a re-run on unchanged drafts starts no worker and
never loads spaCy. The rest is graded by ``batch_pool.WorkerPool`` (time limit and memory cap per
file). When the workers take every core, the worker that grades a file also caches its result and
writes its report (``deliver``), so that this process, which takes every file in turn, only hands
out files and records rows; when a core is left over, this process writes them there, beside the
workers (``workers_write``). Whatever a worker could not write, this process writes as the result
arrives. Whatever happens to a file (graded, unreadable, crashed, hung, or not reached because of
Ctrl-C), it gets a row, in input order.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import stat
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from . import __version__
from .batch_cache import CACHE_DIR_NAME, Cache, Entry, cache_key, file_sha256, remove_partial, result_from_json
from .batch_history import HISTORY_FILE, Change, Draft, History, compare, draft_of
from .batch_pool import GradeFn, Outcome, Stats, WorkerPool
from .discover import discover
from .errors import (
    EXIT_FAIL,
    EXIT_PASS,
    EXIT_UNGRADABLE,
    EXIT_USAGE,
    GraderError,
    UnreadableDocument,
    UnsupportedFormat,
)
from .paths import write_atomic
from .readers import MAX_FILE_BYTES
from .report.dashboard import DASHBOARD_NAME, render_dashboard, render_report, with_history
from .report.gradebook import CSV_NAME, JSON_NAME, previous_report_keys, write_gradebook
from .report.html import render_html, report_names
from .results import GradeResult
from .rubric import Rubric, load_rubric

__all__ = ["BatchResult", "BatchRow", "default_jobs", "result_from_json", "run_batch"]

NOT_GRADED = "not graded: the run was stopped (Ctrl-C) before this file was graded; run the batch again"
_RESERVED = "\0reserved/index"  # a source no real file can have, so no report is named index.html

Progress = Callable[[int, int, "BatchRow | None"], None]  # (done, total, the row just finished; None at the start)


class BatchError(GraderError):
    """The batch itself cannot run as asked (not one file's problem)."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True)
class BatchRow:
    """One input file's line in the gradebook."""

    index: int
    path: str
    status: str  # "pass", "fail", "error" or "not graded"
    result: GradeResult | None = None
    error: str = ""  # one line, for "error" and "not graded"
    code: int = EXIT_PASS  # this file's exit status
    sha256: str = ""
    report: str = ""  # file name of its report in the output folder
    report_key: str = ""  # what the report shows; an unchanged report is not rendered again
    cached: bool = False
    change: Change | None = None  # since the previous draft at the same path


@dataclass(frozen=True)
class BatchResult:
    rows: tuple[BatchRow, ...]
    out_dir: Path
    rubric: Rubric
    interrupted: bool = False
    empty_folders: tuple[str, ...] = ()
    graded: int = 0  # graded in this run (by a worker)
    from_cache: int = 0
    jobs: int = 1
    seconds: float = 0.0
    stats: Stats = field(default_factory=Stats)
    version: str = __version__

    @property
    def exit_code(self) -> int:
        """0 every file graded and passed, 1 a criterion failed, 2 a file could not be graded."""
        codes = [r.code for r in self.rows] + [EXIT_UNGRADABLE if self.empty_folders else EXIT_PASS]
        return max(codes)

    @property
    def dashboard(self) -> Path:
        return self.out_dir / DASHBOARD_NAME


def default_jobs() -> int:
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def _unreadable(path: str, exc: OSError) -> str:
    """The one line for a file this process cannot even open, in the reader's words."""
    if isinstance(exc, FileNotFoundError):
        return UnreadableDocument(f"{path} does not exist", "check the path").line()
    return UnreadableDocument(f"{path} cannot be read ({exc.strerror or exc})", "check its permissions").line()


@functools.cache
def _template_digest() -> str:
    """The report template's digest: a report is rendered again when the template changes."""
    try:
        source = (resources.files("grader") / "templates" / "report.html.j2").read_bytes()
    except OSError:
        return ""
    return hashlib.sha256(source).hexdigest()


def _check_outputs(files: Sequence[str], out: Path) -> None:
    fixed = {(out / n).resolve() for n in (DASHBOARD_NAME, CSV_NAME, JSON_NAME, HISTORY_FILE)}
    for path in files:
        if Path(path).resolve() in fixed:
            raise BatchError(f"{path} is one of the files the batch writes into {out}",
                             "choose another folder with --output")


def report_key(result: GradeResult, path: str, name: str, change: Change | None) -> str:
    """The key of what a report shows: a report whose key is unchanged is not written again."""
    shown = json.dumps([_template_digest(), result.to_json(), path, name, change.summary() if change else ""],
                       ensure_ascii=False, default=str)
    return hashlib.sha256(shown.encode()).hexdigest()[:32]


def _beside_input(name: str) -> str:
    return Path(name).stem + ".report.html"


def report_target(out: Path, name: str, path: str) -> Path:
    """Where the report on ``path`` goes: ``out/name``, unless that is the input itself (never overwritten)."""
    target = out / name
    if target.resolve() == Path(path).resolve():
        target = target.with_name(_beside_input(name))
    return target


def report_plan(out: Path, name: str, path: str, result: GradeResult, change: Change | None, cache_key: str,
                old_keys: Mapping[str, str]) -> tuple[Path, str, bool]:
    """Where the report on ``path`` goes, the key of what it shows, and whether the file there shows that
    already (its key in the last run's gradebook is the same), so that it is not written again. A file
    that was not hashed (no ``cache_key``) always gets its report written."""
    key = report_key(result, path, name, change)
    target = report_target(out, name, path)
    return target, key, bool(cache_key) and old_keys.get(target.name) == key and target.is_file()


@dataclass(frozen=True)
class Job:
    """What a worker needs to cache one file's result and write its report (pickled when workers spawn)."""

    path: str
    sha256: str
    cache_key: str  # "" when the file was not hashed: nothing is cached, the report is always written
    cache_dir: str
    out_dir: str
    report: str  # the report's file name (before it moves aside from the input, see ``report_target``)
    old_keys: Mapping[str, str]  # report file name -> the key of what it shows now, from the last run
    previous: Draft | None  # the draft at this path the history compares this one with
    generated: str
    write: bool = True  # False: the worker only renders the page, and the batch process writes both


def deliver(job: Job, outcome: Outcome) -> Outcome:
    """In the worker that graded a file: write its report, then its cache entry, as ``_Run.finish`` would.

    The report shows the same change since the previous draft as ``History.record`` returns in the batch
    process. What cannot be done here is left to the batch process, which does it as it does for a
    cached result: a page that cannot be rendered or written (``report_key`` stays empty; ``html``
    holds the page if it was rendered), an entry that cannot be written (``stored`` stays False).
    """
    if not job.write:
        return _render_only(job, outcome)
    if outcome.result is not None:
        outcome = _deliver_report(job, outcome)
    if job.cache_key and (outcome.result is not None or outcome.cacheable):
        entry = Entry(outcome.result, outcome.error, outcome.code)
        outcome = replace(outcome, stored=Cache(job.cache_dir).put(job.cache_key, entry))
    return outcome


def _render_only(job: Job, outcome: Outcome) -> Outcome:
    """The page for the batch process to write (it adds the history), rendered here so that rendering runs
    in parallel; nothing when it cannot be rendered (the batch process renders it and says what is wrong)."""
    if outcome.result is None:
        return outcome
    try:
        return replace(outcome, html=render_html(replace(outcome.result, file=job.path), job.generated))
    except Exception:  # noqa: BLE001
        return outcome


def _deliver_report(job: Job, outcome: Outcome) -> Outcome:
    result = replace(outcome.result, file=job.path)
    change = compare(job.previous, draft_of(result, job.sha256, job.generated)) if job.previous else None
    target, key, unchanged = report_plan(Path(job.out_dir), job.report, job.path, result, change, job.cache_key,
                                         job.old_keys)
    if not unchanged:
        try:
            page = render_html(result, job.generated)
        except Exception:  # noqa: BLE001 - the batch process renders it again and says what is wrong
            return outcome
        try:
            write_atomic(target, with_history(page, change))
        except OSError:
            return replace(outcome, html=page)  # the batch process writes it and says what is wrong
    return replace(outcome, report=target.name, report_key=key)


def workers_write(workers: int) -> bool:
    """Whether the workers write each file's report and cache entry themselves, or leave it to the batch
    process. With a core to spare (fewer workers than cores) the batch process writes, beside the
    workers; otherwise it would compete with them for the cores, and with many workers it would become
    the bottleneck, since it takes every file in turn."""
    return workers >= default_jobs()


def abandon(job: Job) -> None:
    """After a worker was killed or died on ``job``'s file, or its answer was never taken (Ctrl-C): remove
    the temporary files of a write it did not finish. What it finished stays. A cache entry is written
    only once the grading is done, so it holds a real result (a hang or a crash is never cached), and it
    may be another file's too, since identical files share one. A finished report is named by no row."""
    for name in (job.report, _beside_input(job.report)):
        remove_partial(job.out_dir, name)
    if job.cache_key:
        remove_partial(job.cache_dir, f"{job.cache_key}.json")


class _Run:
    """The state of one batch while it runs: rows filled in as files finish."""

    def __init__(self, files: list[str], out: Path, rubric: Rubric, cache: Cache, generated: str,
                 progress: Progress | None) -> None:
        self.files, self.out, self.rubric, self.cache = files, out, rubric, cache
        self.generated = generated
        self.progress = progress
        self.done = 0
        self.rows: list[BatchRow | None] = [None] * len(files)
        self.keys: dict[int, tuple[str, str]] = {}  # index -> (content sha256, cache key)
        self.history = History.load(out)
        self.old_reports = previous_report_keys(out)
        names = report_names([_RESERVED, *files])
        self.names = {path: names[path] for path in files}
        self.graded = self.from_cache = 0
        self.workers_write = True  # see ``workers_write``

    def lookup(self) -> list[tuple[int, str]]:
        """Fill the rows the cache (or a file this process cannot read) answers; return the rest."""
        todo = []
        for index, path in enumerate(self.files):
            try:
                info = os.stat(path)
                if not stat.S_ISREG(info.st_mode):  # a FIFO or a device would block or never end
                    line = UnsupportedFormat(f"{Path(path).name} is not a regular file", "name a .pdf, .docx or .md file").line()
                    self.finish(index, Outcome(index, error=line, code=EXIT_UNGRADABLE))
                    continue
                if info.st_size > MAX_FILE_BYTES:  # the reader refuses it at once; no point hashing it
                    todo.append((index, path))
                    continue
                sha = file_sha256(path)
            except OSError as exc:
                self.finish(index, Outcome(index, error=_unreadable(path, exc), code=EXIT_UNGRADABLE))
                continue
            key = cache_key(sha, Path(path).suffix, self.rubric.digest)
            self.keys[index] = (sha, key)
            entry = self.cache.get(key)
            if entry is None:
                todo.append((index, path))
            else:
                self.from_cache += 1
                self.finish(index, Outcome(index, entry.result, entry.error, entry.code), cached=True)
        return todo

    def job(self, index: int, path: str) -> Job:
        """The task a worker gets for this file: it writes the outputs ``finish`` would write here."""
        sha, key = self.keys.get(index, ("", ""))
        name = self.names[path]
        old = {n: self.old_reports[n] for n in (name, _beside_input(name)) if n in self.old_reports}
        return Job(path, sha, key, str(self.cache.folder), str(self.out), name, old,
                   self.history.previous(path, sha), self.generated, self.workers_write)

    def finish(self, index: int, outcome: Outcome, cached: bool = False) -> None:
        path = self.files[index]
        sha, key = self.keys.get(index, ("", ""))
        if not cached and key and (outcome.result is not None or outcome.cacheable) and not outcome.stored:
            self.cache.put(key, Entry(outcome.result, outcome.error, outcome.code))
        if not cached and index in self.keys:
            self.graded += 1
        if outcome.result is None:
            row = BatchRow(index, path, "error", error=outcome.error, code=outcome.code or EXIT_UNGRADABLE,
                           sha256=sha, cached=cached)
        else:
            result = replace(outcome.result, file=path)  # a cached result may come from a renamed copy
            change = self.history.record(path, draft_of(result, sha, self.generated))
            row = BatchRow(index, path, "pass" if result.passed else "fail", result,
                           code=EXIT_PASS if result.passed else EXIT_FAIL, sha256=sha, cached=cached,
                           change=change, report=outcome.report or self.names[path], report_key=outcome.report_key)
            if not outcome.report_key:  # the worker did not write it: cached, or it could not
                row = self.write_report(row, key, outcome.html)
        self.rows[index] = row
        self.done += 1
        if self.progress:
            self.progress(self.done, len(self.files), row)

    def write_report(self, row: BatchRow, key: str, page: str = "") -> BatchRow:
        """Write the row's report here (``page``: rendered without history by a worker that could not write it)."""
        target, shown, unchanged = report_plan(self.out, row.report, row.path, row.result, row.change, key,
                                               self.old_reports)
        if not unchanged:
            page = with_history(page, row.change) if page else render_report(row.result, row.change, self.generated)
            write_atomic(target, page)
        return replace(row, report=target.name, report_key=shown)

    def final_rows(self) -> tuple[BatchRow, ...]:
        return tuple(row or BatchRow(i, self.files[i], "not graded", error=NOT_GRADED, code=EXIT_UNGRADABLE)
                     for i, row in enumerate(self.rows))


def _prerender(paths: Sequence[str]) -> None:
    """Render the DOCX page counts in one LibreOffice start, so workers find them cached.

    Only files whose package passes the grader's own safety checks are handed to LibreOffice; any
    failure here just leaves the workers to render, or estimate, file by file.
    """
    from .errors import GraderError
    from .readers.ooxml import check_package
    from .render import check_renderer, find_soffice, render_page_counts

    try:
        if check_renderer(None) == "none" or find_soffice() is None:
            return
    except GraderError:
        return
    safe = []
    for path in paths:
        if path.lower().endswith(".docx"):
            try:
                check_package(Path(path))
            except (GraderError, OSError):
                continue
            safe.append(path)
    if safe:
        try:
            render_page_counts(safe)
        except Exception:  # noqa: BLE001 - rendering is an optimisation; the workers fall back per file
            pass


def run_batch(paths: Sequence[str | os.PathLike[str]], out_dir: str | os.PathLike[str] = "reports",
              rubric: Rubric | str | None = None, *, jobs: int | None = None, timeout: float = 60.0,
              max_memory_mb: int = 1024, cache_dir: str | os.PathLike[str] | None = None, use_cache: bool = True,
              progress: Progress | None = None, grade_fn: GradeFn | None = None,
              generated: str | None = None) -> BatchResult:
    """Grade every draft under ``paths`` into ``out_dir``: a report each, ``index.html``, ``results.csv/json``.

    ``jobs`` worker processes (default: one per core) grade the files the cache does not answer;
    each file gets ``timeout`` seconds and ``max_memory_mb`` MB of address space (0: no cap).
    ``use_cache=False`` grades everything again (and refreshes the cache). ``progress(done, total, row)``
    is called as each file finishes, in finishing order; ``grade_fn(path, rubric)`` replaces the grading in the
    workers (tests use it to simulate hangs and crashes). Ctrl-C stops the workers, and the outputs
    are written with what finished (``interrupted=True``; the other rows are "not graded").
    """
    started = time.perf_counter()
    rub = rubric if isinstance(rubric, Rubric) else load_rubric(rubric)
    jobs = max(1, jobs or default_jobs())
    found = discover(paths)
    files = list(found.files)
    out = Path(out_dir)
    _check_outputs(files, out)
    cache = Cache(Path(cache_dir) if cache_dir is not None else out / CACHE_DIR_NAME, enabled=use_cache)
    when = generated or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out.mkdir(parents=True, exist_ok=True)
    run = _Run(files, out, rub, cache, when, progress)
    if progress:
        progress(0, len(files), None)
    pool: WorkerPool | None = None
    interrupted = False
    try:
        todo = run.lookup()
        _prerender([path for _, path in todo])
        if todo:
            run.workers_write = workers_write(min(jobs, len(todo)))
            pool = WorkerPool(min(jobs, len(todo)), rub, timeout=timeout, max_memory_mb=max_memory_mb,
                              grade_fn=grade_fn, finish=deliver, abandon=abandon, files=todo)
            with pool:
                for outcome in pool.imap([(index, path, run.job(index, path)) for index, path in todo]):
                    run.finish(outcome.index, outcome)
    except KeyboardInterrupt:
        interrupted = True
    batch = BatchResult(rows=run.final_rows(), out_dir=out, rubric=rub, interrupted=interrupted,
                        empty_folders=found.empty_folders, graded=run.graded, from_cache=run.from_cache,
                        jobs=jobs, stats=pool.stats if pool else Stats())
    write_atomic(out / DASHBOARD_NAME, render_dashboard(batch, when))
    run.history.save()
    batch = replace(batch, seconds=time.perf_counter() - started)
    write_gradebook(batch, when)
    return batch
