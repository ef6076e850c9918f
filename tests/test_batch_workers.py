"""grader batch: who writes each draft's report and cache entry.

When the workers take every core, each writes the outputs of the files it grades, and the batch
process writes only what they could not: it takes every worker's outcome in turn, so a file it
creates per draft would be time the workers wait for. When a core is left over, the batch process
writes them there, beside the workers. These tests follow each write to the process that made it (a
log of process ids, through a wrapper the forked workers inherit) and check that the outputs are the
ones the batch process would have written itself. Unless a test says otherwise, the workers take
every core (``workers_write`` is pinned to True), whatever this machine has.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import pytest
from drafts import BAD, DOLLARS, GOOD, write

from grader import batch as batch_module
from grader import batch_cache, batch_pool
from grader.batch import report_key, run_batch
from grader.batch_history import KEEP, Draft, History
from grader.grading import grade
from grader.report.dashboard import render_report

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the write log reaches the workers only when they are forked")

WHEN = "2025-01-01 00:00 UTC"


def good(n: object) -> str:
    return GOOD.replace("returning customers\n", f"returning customers, draft {n}\n", 1)


@pytest.fixture(autouse=True)
def workers_take_every_core(request, monkeypatch):
    if "spare_core" not in request.fixturenames:
        monkeypatch.setattr(batch_module, "workers_write", lambda workers: True)


@pytest.fixture
def spare_core(monkeypatch):
    """A machine with more cores than the tests start workers: the batch process writes."""
    monkeypatch.setattr(batch_module, "default_jobs", lambda: 4)


def batch(paths, out, rubric, **kw):
    kw.setdefault("jobs", 2)
    kw.setdefault("timeout", 30)
    kw.setdefault("generated", WHEN)
    return run_batch([str(p) for p in paths], out, rubric, **kw)


class Writes:
    """Which process wrote (or tried to write) which file, logged by every process of a batch."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.parent = os.getpid()

    def note(self, what: str, path: Path) -> None:
        with open(self.log, "a", encoding="utf-8") as fh:  # one short append per line: whole lines
            fh.write(f"{os.getpid()}\t{what}\t{path}\n")

    def entries(self) -> list[tuple[int, str, str]]:
        if not self.log.exists():
            return []
        lines = self.log.read_text(encoding="utf-8").splitlines()
        return [(int(pid), what, path) for pid, what, path in (line.split("\t") for line in lines)]

    def writers(self, path: Path, what: str = "wrote") -> list[int]:
        return [pid for pid, w, p in self.entries() if p == str(path) and w == what]

    def clear(self) -> None:
        self.log.unlink(missing_ok=True)


@pytest.fixture
def writes(tmp_path, monkeypatch):
    """Log each report and cache entry written by the batch, in whatever process writes it."""
    log = Writes(tmp_path / "writes.log")
    real = batch_module.write_atomic

    def logged(path, text):
        real(path, text)
        log.note("wrote", path)

    monkeypatch.setattr(batch_module, "write_atomic", logged)
    monkeypatch.setattr(batch_cache, "write_atomic", logged)
    return log


@pytest.fixture
def outcomes(monkeypatch):
    """The outcomes the batch process takes from its workers, by file index."""
    seen: dict[int, batch_pool.Outcome] = {}
    real = batch_module._Run.finish

    def finish(self, index, outcome, cached=False):
        if not cached:
            seen[index] = outcome
        return real(self, index, outcome, cached)

    monkeypatch.setattr(batch_module._Run, "finish", finish)
    return seen


def cache_entries(out: Path) -> list[Path]:
    return sorted((out / ".grader-cache").glob("*.json"))


def shown_report(row) -> str:
    """The report page the batch process renders for a row (what a worker's page must equal)."""
    return render_report(row.result, row.change, WHEN)


def test_each_report_and_cache_entry_is_written_by_the_worker_that_graded_it(tmp_path, rubric, writes, outcomes):
    files = [write(tmp_path / f"{n}.md", good(n)) for n in "abc"] + [write(tmp_path / "x.pdf", b"not a pdf")]
    out = tmp_path / "out"
    result = batch(files, out, rubric)
    workers = set(result.stats.files)
    assert workers and writes.parent not in workers
    for row in result.rows[:3]:
        report = out / row.report
        assert report.read_text(encoding="utf-8") == shown_report(row)
        (writer,) = writes.writers(report)
        assert writer in workers
    entries = cache_entries(out)
    assert len(entries) == 4  # the unreadable PDF's error is cached too
    for entry in entries:
        (writer,) = writes.writers(entry)
        assert writer in workers
    assert [p for pid, _, p in writes.entries() if pid == writes.parent] == [str(out / "index.html")]
    assert sorted(outcomes) == [0, 1, 2, 3]
    for index, outcome in outcomes.items():
        assert outcome.stored and outcome.html == ""  # the page stays in the worker that wrote it
        assert bool(outcome.report_key) == (index < 3) and outcome.report_key == result.rows[index].report_key
    assert batch(files, out, rubric).from_cache == 4  # what the workers cached is read back


def test_the_workers_write_only_when_they_take_every_core(spare_core):
    assert [batch_module.workers_write(n) for n in (1, 2, 3, 4, 8)] == [False, False, False, True, True]


def test_with_a_core_to_spare_the_batch_process_writes_what_the_workers_rendered(tmp_path, rubric, writes, outcomes,
                                                                                spare_core):
    files = [write(tmp_path / f"{n}.md", good(n)) for n in "abc"]
    out = tmp_path / "out"
    result = batch(files, out, rubric, jobs=2)
    assert writes.parent not in set(result.stats.files)
    for row in result.rows:
        report = out / row.report
        assert report.read_text(encoding="utf-8") == shown_report(row)
        assert writes.writers(report) == [writes.parent]
    assert [writes.writers(entry) for entry in cache_entries(out)] == [[writes.parent]] * 3
    for outcome in outcomes.values():  # rendered in the worker, written here
        assert outcome.html and not outcome.report_key and not outcome.stored
    assert batch(files, out, rubric).from_cache == 3


@pytest.mark.parametrize("fault", ["write", "render"])
def test_what_a_worker_cannot_write_or_render_the_batch_process_writes(tmp_path, rubric, writes, monkeypatch,
                                                                       fault):
    logged = batch_module.write_atomic

    def worker_cannot_write(path, text):
        if os.getpid() != writes.parent:
            writes.note("tried", path)
            raise PermissionError(13, "Permission denied", str(path))
        logged(path, text)

    real_render = batch_module.render_html

    def worker_cannot_render(result, generated=None):
        if os.getpid() != writes.parent:
            writes.note("tried", Path(result.file))
            raise RuntimeError("no template here")
        return real_render(result, generated)

    if fault == "write":  # the report and the cache entry
        monkeypatch.setattr(batch_module, "write_atomic", worker_cannot_write)
        monkeypatch.setattr(batch_cache, "write_atomic", worker_cannot_write)
    else:
        monkeypatch.setattr(batch_module, "render_html", worker_cannot_render)
    files = [write(tmp_path / f"{n}.md", good(n)) for n in "ab"] + [write(tmp_path / "bad.md", BAD)]
    out = tmp_path / "out"
    result = batch(files, out, rubric, grade_fn=grade)
    workers = set(result.stats.files)
    assert [r.status for r in result.rows] == ["pass", "pass", "fail"]
    for row in result.rows:
        report = out / row.report
        assert report.read_text(encoding="utf-8") == shown_report(row)
        assert writes.writers(report) == [writes.parent]
        tried = writes.writers(report if fault == "write" else Path(row.path), "tried")
        assert len(tried) == 1 and tried[0] in workers
    entries = cache_entries(out)
    assert len(entries) == 3
    for entry in entries:
        if fault == "write":
            assert writes.writers(entry) == [writes.parent] and writes.writers(entry, "tried")[0] in workers
        else:  # rendering failed, writing did not: the worker still cached the result
            (writer,) = writes.writers(entry)
            assert writer in workers
    monkeypatch.undo()
    again = batch(files, out, rubric)
    assert again.from_cache == 3
    assert [(r.report, r.report_key) for r in again.rows] == [(r.report, r.report_key) for r in result.rows]


def test_when_no_process_can_write_a_report_the_batch_fails_as_before(tmp_path, rubric, monkeypatch):
    real = batch_module.write_atomic

    def nobody_can_write_reports(path, text):
        if path.name.endswith(".md.html"):
            raise PermissionError(13, "Permission denied", str(path))
        real(path, text)

    monkeypatch.setattr(batch_module, "write_atomic", nobody_can_write_reports)
    files = [write(tmp_path / "a.md", GOOD)]
    with pytest.raises(PermissionError) as caught:
        batch(files, tmp_path / "out", rubric)
    assert caught.value.filename == str(tmp_path / "out" / "a.md.html")
    assert not multiprocessing.active_children()


# --- draft history ---------------------------------------------------------------------------------


def test_the_change_a_worker_shows_is_the_one_the_history_records(tmp_path, rubric, writes):
    draft = tmp_path / "anna.md"
    out = tmp_path / "out"
    rows = []
    for text in (DOLLARS, GOOD, BAD, GOOD):
        write(draft, text)
        writes.clear()
        (row,) = batch([draft], out, rubric, use_cache=False).rows
        report = out / row.report
        (writer,) = writes.writers(report)
        assert writer != writes.parent
        assert report.read_text(encoding="utf-8") == shown_report(row)
        assert row.report_key == report_key(row.result, str(draft), "anna.md.html", row.change)
        rows.append(row)
    shown = [r.change.summary() if r.change else None for r in rows]
    bad = f"{rows[2].result.score:g}"
    assert shown[0] is None
    assert shown[1] == "score 80 → 100 (+20); euro-impact ✗ → ✓"
    assert shown[2].startswith(f"score 100 → {bad} (")
    assert shown[3].startswith(f"score {bad} → 100 (")  # GOOD again: compared with BAD, the draft before it
    assert "Since your previous draft" in (out / "anna.md.html").read_text(encoding="utf-8")


def test_the_previous_draft_a_worker_gets_is_the_one_record_compares_with():
    """``History.previous`` before ``record`` equals the draft ``record`` picks once the new one is in."""
    rng = random.Random(7)
    history = History(Path("unused.json"))
    shas = ["a", "b", "c"]
    for step in range(4 * KEEP):
        draft = Draft(sha256=rng.choice(shas), graded_at=str(step), score=float(step), passed=True,
                      criteria={}, titles={})
        expected = history.previous("f.md", draft.sha256)
        history.record("f.md", draft)
        drafts = history.files[History.key("f.md")]
        picked = next((d for d in reversed(drafts[:-1]) if d.sha256 != draft.sha256), None)
        assert expected == picked, step
    assert len(history.files[History.key("f.md")]) <= KEEP


# --- unchanged and misplaced reports ----------------------------------------------------------------


def test_a_worker_does_not_write_a_report_that_shows_the_same_again(tmp_path, rubric, writes):
    files = [write(tmp_path / f"{n}.md", good(n)) for n in "ab"]
    out = tmp_path / "out"
    first = batch(files, out, rubric)
    stamps = [(out / r.report).stat() for r in first.rows]
    writes.clear()
    second = batch(files, out, rubric, use_cache=False)  # graded again by the workers
    assert second.graded == 2
    for row, before in zip(second.rows, stamps, strict=True):
        after = (out / row.report).stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
        assert writes.writers(out / row.report) == []
    for entry in cache_entries(out):  # the cache is refreshed, by the workers
        assert writes.writers(entry) and writes.parent not in writes.writers(entry)
    assert [r.report_key for r in second.rows] == [r.report_key for r in first.rows]


def test_a_worker_never_overwrites_the_input_with_its_report(tmp_path, rubric, writes):
    draft = write(tmp_path / "in" / "x.md", GOOD)
    out = tmp_path / "out"
    out.mkdir()
    (out / "x.md.html").symlink_to(draft)  # the report's usual path is the input itself
    first = batch([draft], out, rubric)
    (row,) = first.rows
    assert row.report == "x.md.report.html"
    assert draft.read_text(encoding="utf-8") == GOOD
    assert (out / row.report).read_text(encoding="utf-8") == shown_report(row)
    assert writes.writers(out / row.report) and writes.parent not in writes.writers(out / row.report)
    stamp = (out / row.report).stat().st_mtime_ns
    again = batch([draft], out, rubric, use_cache=False)
    assert again.graded == 1 and again.rows[0].report == row.report
    assert (out / row.report).stat().st_mtime_ns == stamp  # its key was found under the name it moved to


# --- a worker that never answers -----------------------------------------------------------------------


def test_a_worker_killed_midway_through_its_writes_leaves_no_cache_entry_and_no_temporary_file(tmp_path, rubric,
                                                                                                 monkeypatch):
    real = batch_module.deliver

    def half_written_then_hung(job, outcome):
        if "hang" in Path(job.path).name:  # killed while writing: temporary files, nothing renamed into place
            for folder, name in ((job.out_dir, job.report), (job.cache_dir, f"{job.cache_key}.json")):
                Path(folder).mkdir(parents=True, exist_ok=True)
                os.close(tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)[0])
            time.sleep(3600)
        return real(job, outcome)

    monkeypatch.setattr(batch_module, "deliver", half_written_then_hung)
    files = [write(tmp_path / "hang.md", good(1)), write(tmp_path / "good.md", good(2))]
    out = tmp_path / "out"
    keep = write(out / ".good.md.html.abcdefgh.tmp", "")  # another file's: not this worker's to remove
    result = batch(files, out, rubric, timeout=2.0)
    hung, graded = result.rows
    assert hung.status == "error" and "took longer than 2 s" in hung.error
    assert graded.status == "pass"
    assert len(cache_entries(out)) == 1
    assert sorted(p.name for p in out.rglob("*.tmp")) == [keep.name]
    assert not multiprocessing.active_children()
    monkeypatch.undo()
    again = batch(files, out, rubric)
    assert [r.cached for r in again.rows] == [False, True]  # a hang is never cached


def test_a_copy_that_hangs_leaves_the_cache_entry_of_the_copy_that_finished(tmp_path, rubric):
    """Identical files share a cache entry: stopping one copy must not take the other's result away."""
    text = good(1)
    files = [write(tmp_path / "a.md", text), write(tmp_path / "hang.md", text)]

    def grade_or_hang(path, rub):
        if "hang" in Path(path).name:
            time.sleep(3600)
        from grader.grading import grade
        return grade(path, rub)

    out = tmp_path / "out"
    result = batch(files, out, rubric, timeout=2.0, grade_fn=grade_or_hang)
    assert [r.status for r in result.rows] == ["pass", "error"]
    assert len(cache_entries(out)) == 1
    assert batch([files[0]], out, rubric).rows[0].cached


def test_a_no_cache_run_that_stops_a_worker_keeps_the_entries_of_earlier_runs(tmp_path, rubric):
    files = [write(tmp_path / "hang.md", good(1))]
    out = tmp_path / "out"
    batch(files, out, rubric)
    assert len(cache_entries(out)) == 1

    def hang(path, rub):
        time.sleep(3600)

    result = batch(files, out, rubric, timeout=2.0, grade_fn=hang, use_cache=False)
    assert result.rows[0].status == "error"
    assert len(cache_entries(out)) == 1
    assert batch(files, out, rubric).rows[0].cached


def test_ctrl_c_keeps_cached_only_what_finished(tmp_path, rubric):
    files = [write(tmp_path / f"{n}.md", good(n)) for n in "abcdef"]

    def interrupt(done, total, row):
        if done == 1:
            time.sleep(1.0)  # the workers finish the files they hold meanwhile, and write them
            raise KeyboardInterrupt

    result = batch(files, tmp_path / "out", rubric, jobs=2, progress=interrupt)
    assert result.interrupted
    finished = [r for r in result.rows if r.status != "not graded"]
    assert len(finished) == 1
    entries = cache_entries(tmp_path / "out")
    # The file taken; at most one more that came back with it but was not taken; and the file each worker was
    # handed before the interrupt, which it finishes meanwhile: each graded whole, none of the other two.
    assert 1 <= len(entries) <= 4
    assert not list((tmp_path / "out").rglob("*.tmp"))
    book = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert sum(f["status"] == "not graded" for f in book["files"]) == 5
    again = batch(files, tmp_path / "out", rubric)
    assert again.from_cache == len(entries)
    assert {r.status for r in again.rows} == {"pass"}


# --- spawned workers -------------------------------------------------------------------------------------


def test_spawned_workers_write_the_reports_too(tmp_path, rubric, monkeypatch, outcomes):
    """Everything a task carries pickles: workers that start a fresh interpreter get it whole."""
    monkeypatch.setattr(batch_pool, "_context", lambda: multiprocessing.get_context("spawn"))
    files = [write(tmp_path / "anna.md", DOLLARS), write(tmp_path / "ben.md", BAD)]
    out = tmp_path / "out"
    batch(files, out, rubric, jobs=1)
    write(files[0], GOOD)
    outcomes.clear()
    result = batch(files, out, rubric, jobs=1, use_cache=False)
    assert result.rows[0].change is not None
    for index, row in enumerate(result.rows):
        assert (out / row.report).read_text(encoding="utf-8") == shown_report(row)
        assert outcomes[index].report_key == row.report_key and outcomes[index].stored
        assert outcomes[index].html == ""
