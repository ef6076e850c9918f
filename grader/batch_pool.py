"""Grade files in long-lived worker processes that can be stopped: a time limit and a memory cap per file.

Each worker takes one file at a time over a pipe, grades it, and runs the caller's ``finish`` on the
outcome (the batch renders the file's report there and, when the workers take every core, writes it
and the cache entry, so that the batch process, which takes every outcome in turn, need not). A
worker that hangs past the time limit is killed, one that crashes is noticed by its process
sentinel; either way the file becomes an error and a new worker takes the next file. On Linux the
parent loads spaCy once and forks its workers, so starting or restarting a worker costs
milliseconds; elsewhere each worker starts a fresh interpreter.
With two or more workers, a reader child reads the first files while the parent loads spaCy
(batch_prefetch), and the workers start on those files at the analysis.

The memory cap is ``RLIMIT_AS`` (address space) set inside each worker: allocation beyond it raises
MemoryError, which becomes an error row. A blank spaCy pipeline grading a take-home needs about
300 MB of address space.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from multiprocessing.connection import wait

from .batch_prefetch import Prefetch, can_prefetch
from .errors import EXIT_UNGRADABLE, GraderError, describe
from .results import GradeResult
from .rubric import Rubric, load_rubric

GradeFn = Callable[[str, Rubric], GradeResult]
Task = tuple[int, str, object]  # (index, path, the caller's job for ``finish``: it must pickle)

try:
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None


def default_grade(path: str, rubric: Rubric) -> GradeResult:
    from .grading import grade

    return grade(path, rubric)


@dataclass(frozen=True)
class Outcome:
    """What became of one file: a result, or the one line saying why there is none."""

    index: int
    result: GradeResult | None = None
    error: str = ""
    code: int = 0
    cacheable: bool = False  # a GraderError is a property of the file; a crash, hang or memory error is not
    pid: int = 0
    peak_rss_kb: int = 0
    retired: bool = False  # the worker exits after this file (it ran out of memory)
    # What the worker's ``finish`` did, so that the batch process does only what it could not:
    report: str = ""  # the report's file name, when the worker wrote it or found it unchanged
    report_key: str = ""  # what that report shows; empty when the worker left the report to the batch
    html: str = ""  # the page rendered without history, for the batch process to write (it could not, or was not to)
    stored: bool = False  # the worker wrote the cache entry


@dataclass
class Stats:
    workers_started: int = 0
    peak_rss_kb: dict[int, int] = field(default_factory=dict)  # worker pid -> its peak resident memory
    files: dict[int, int] = field(default_factory=dict)  # worker pid -> files it finished
    read_ahead: int = 0  # files the prefetching reader read while spaCy loaded


def _peak_rss_kb() -> int:
    if resource is None:
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS counts bytes, Linux KiB


def limit_memory(max_memory_mb: int) -> None:
    """Cap this process's address space at ``max_memory_mb`` MB (0: no cap)."""
    if not max_memory_mb or resource is None or not hasattr(resource, "RLIMIT_AS"):
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = max_memory_mb * 2**20
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


FinishFn = Callable[[object, Outcome], Outcome]


def _finish(finish: FinishFn | None, job: object, out: Outcome) -> Outcome:
    """The outcome after the caller's ``finish``; as graded when ``finish`` fails, so that the batch
    process does the writing itself and says what is wrong."""
    if finish is None:
        return out
    try:
        return finish(job, out)
    except Exception:  # noqa: BLE001 - the batch process does it all again and reports what is wrong
        return out


def _worker(conn, rubric: Rubric | str, grade_fn: GradeFn, finish: FinishFn | None, max_memory_mb: int) -> None:
    """A worker's life: grade the files it is sent until it is sent None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    limit_memory(max_memory_mb)
    if not isinstance(rubric, Rubric):
        rubric = load_rubric(rubric)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        index, path, job, document = task
        stop = False
        try:
            out = Outcome(index, grade_fn(path, rubric) if document is None else _grade_read(document, rubric))
        except MemoryError:
            out = Outcome(index, error=f"ran out of memory (over the {max_memory_mb} MB cap); "
                                       "shorten the file or raise --max-memory-mb", code=EXIT_UNGRADABLE)
            stop = True  # the heap may be left fragmented: a fresh worker takes the next file
        except Exception as exc:  # noqa: BLE001 - one bad file never takes down a batch
            code, line = describe(exc)
            out = Outcome(index, error=line, code=code, cacheable=isinstance(exc, GraderError))
        if not stop:  # after a memory error there is nothing to write, and the heap may be fragmented
            out = _finish(finish, job, out)
        conn.send(replace(out, pid=os.getpid(), peak_rss_kb=_peak_rss_kb(), retired=stop))
        if stop:
            return


def _grade_read(document, rubric: Rubric) -> GradeResult:
    """Grade a Document the prefetching reader already read (see batch_prefetch)."""
    from .grading import grade_document

    return grade_document(document, rubric)


def warm(rubric: Rubric, paths: Iterable[str] = ()) -> None:
    """Do once, before the workers fork, what each would otherwise do on its first file: load spaCy and
    the rubric's matchers, import the readers ``paths`` need (by suffix; a file whose suffix says
    nothing has its reader imported by the worker), compile the report template."""
    from .grading import grade_document, import_readers
    from .readers import KIND_BY_SUFFIX
    from .readers.text import parse_markdown
    from .report.html import render_html

    import_readers({KIND_BY_SUFFIX.get(os.path.splitext(p)[1].lower()) for p in paths} - {None})
    result = grade_document(parse_markdown("# Warm-up\n\nWe should launch it.\n", source="warm-up.md"), rubric)
    render_html(result, "warm-up")


def _context() -> multiprocessing.context.BaseContext:
    if sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


@dataclass
class _Slot:
    proc: multiprocessing.process.BaseProcess | None = None
    conn: object = None
    task: Task | None = None
    deadline: float = 0.0


class WorkerPool:
    """At most ``jobs`` workers, each restarted after a crash, a timeout or a memory error.

    Use as a context manager: leaving it (normally, on an error or on Ctrl-C) stops every worker.
    ``finish(job, outcome)`` runs in the worker after each file. ``abandon(job)`` runs here for each
    file sent to a worker whose answer the caller never took (the worker was killed or died, or the
    caller stopped before taking it), to clear what ``finish`` left half-written. ``files`` are the
    ``(index, path)`` of the tasks to come, in order: where workers fork (Linux), the readers they
    need are imported before the fork, and with several workers a reader child reads the first
    ones meanwhile.
    """

    def __init__(self, jobs: int, rubric: Rubric, *, timeout: float, max_memory_mb: int,
                 grade_fn: GradeFn | None = None, finish: FinishFn | None = None,
                 abandon: Callable[[object], None] | None = None,
                 files: Sequence[tuple[int, str]] = ()) -> None:
        self.jobs = max(1, jobs)
        self.rubric = rubric
        self.timeout = timeout
        self.max_memory_mb = max_memory_mb
        self.grade_fn = grade_fn or default_grade
        self.finish = finish
        self.abandon = abandon
        self.stats = Stats()
        self._ctx = _context()
        self._files = files
        self._prefetch = files if can_prefetch(self._ctx, self.jobs, files, grade_fn is not None) else ()
        self._documents: dict = {}  # task index -> the Document the prefetching reader read
        self._slots = [_Slot() for _ in range(self.jobs)]
        self._open: dict[int, object] = {}  # task index -> its job, from sent until the caller takes it

    def __enter__(self) -> WorkerPool:
        if self._ctx.get_start_method() == "fork":
            reader = Prefetch(self._ctx, self._prefetch, self.rubric, self.max_memory_mb) if self._prefetch else None
            try:
                warm(self.rubric, [path for _, path in self._files])
            finally:
                if reader is not None:
                    self._documents = reader.finish()
                    self.stats.read_ahead = len(self._documents)
        return self

    def __exit__(self, kind, exc, tb) -> None:
        self.close(kill=kind is not None)

    def _start(self, slot: _Slot) -> None:
        parent, child = self._ctx.Pipe()
        rubric = self.rubric if self._ctx.get_start_method() == "fork" else self.rubric.path
        proc = self._ctx.Process(target=_worker, args=(child, rubric, self.grade_fn, self.finish, self.max_memory_mb),
                                 name="grader-worker", daemon=True)
        proc.start()
        child.close()
        slot.proc, slot.conn = proc, parent
        self.stats.workers_started += 1

    def _stop(self, slot: _Slot, kill: bool) -> None:
        if slot.proc is None:
            return
        if kill and slot.proc.is_alive():
            slot.proc.kill()
        slot.proc.join(timeout=None if kill else 2)
        if slot.proc.is_alive():
            slot.proc.kill()
            slot.proc.join()
        slot.conn.close()
        slot.proc = slot.conn = None
        if slot.task is not None:  # it never answered
            self._abandon(slot.task[0])

    def _abandon(self, index: int) -> None:
        job = self._open.pop(index, None)
        if job is not None and self.abandon is not None:
            self.abandon(job)

    def close(self, kill: bool = False) -> None:
        for slot in self._slots:
            if slot.proc is not None and not kill:
                try:
                    slot.conn.send(None)
                except OSError:
                    pass
            self._stop(slot, kill)
        for index in list(self._open):  # answered, but not taken
            self._abandon(index)

    def _assign(self, slot: _Slot, task: Task) -> None:
        for _ in range(3):  # a worker that died while idle is replaced
            if slot.proc is None or not slot.proc.is_alive():
                self._stop(slot, kill=True)
                self._start(slot)
            try:
                slot.conn.send((*task, self._documents.get(task[0])))
                self._documents.pop(task[0], None)  # sent; a failed send keeps it for the next worker
                self._open[task[0]] = task[2]
                break
            except OSError:
                self._stop(slot, kill=True)
        else:
            raise OSError("cannot start a grading worker process")
        slot.task, slot.deadline = task, time.monotonic() + self.timeout

    def _collect(self, slot: _Slot) -> Outcome:
        """The answer of a worker whose pipe or process signalled; a silent exit is a crash."""
        index = slot.task[0]
        try:
            if slot.conn.poll():
                out = slot.conn.recv()
                slot.task = None
                self.stats.peak_rss_kb[out.pid] = max(out.peak_rss_kb, self.stats.peak_rss_kb.get(out.pid, 0))
                self.stats.files[out.pid] = self.stats.files.get(out.pid, 0) + 1
                if out.retired:
                    self._stop(slot, kill=False)
                return out
        except (EOFError, OSError):
            pass
        slot.proc.join(timeout=5)
        code = slot.proc.exitcode
        self._stop(slot, kill=True)
        slot.task = None
        if code is not None and code < 0:
            how = f"was killed by {_signal_name(code)}"
            if code == -signal.SIGKILL:
                how += ", possibly by the system for using too much memory"
        else:
            how = f"stopped unexpectedly (exit status {code})"
        return Outcome(index, error=f"the grading process {how}; re-export the file as PDF or DOCX, "
                                    "and report this if it persists", code=EXIT_UNGRADABLE)

    def _expire(self, slot: _Slot) -> Outcome:
        index = slot.task[0]
        self._stop(slot, kill=True)
        slot.task = None
        return Outcome(index, error=f"took longer than {self.timeout:g} s and was stopped; "
                                    "shorten the file or raise --timeout", code=EXIT_UNGRADABLE)

    def imap(self, tasks: Iterable[Task]) -> Iterator[Outcome]:
        """Grade ``(index, path, job)`` tasks; yield each Outcome as it finishes (not in task order)."""
        pending = deque(tasks)
        while True:
            for slot in self._slots:
                if slot.task is None and pending:
                    self._assign(slot, pending.popleft())
            busy = [s for s in self._slots if s.task is not None]
            if not busy:
                return
            owner = {}
            for s in busy:
                owner[s.conn] = s
                owner[s.proc.sentinel] = s
            now = time.monotonic()
            ready = wait(list(owner), timeout=max(0.0, min(s.deadline for s in busy) - now))
            done: list[Outcome] = []
            for obj in ready:
                slot = owner[obj]
                if slot.task is not None:
                    done.append(self._collect(slot))
            now = time.monotonic()
            for slot in busy:
                if slot.task is not None and now >= slot.deadline:
                    done.append(self._expire(slot))
            for slot in self._slots:  # hand out the next files before the caller writes reports
                if slot.task is None and pending:
                    self._assign(slot, pending.popleft())
            for out in done:
                self._open.pop(out.index, None)  # the caller's from here on
                yield out
