"""grader batch: order, isolation (hangs, crashes, memory), cache, history, gradebook and dashboard."""

from __future__ import annotations

import csv
import faulthandler
import json
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from builders import docx_from_markdown
from click.testing import CliRunner
from drafts import BAD, DOLLARS, GOOD, write

from grader.batch import run_batch
from grader.batch_cache import result_from_json
from grader.cli import main
from grader.errors import EXIT_FAIL, EXIT_PASS, EXIT_UNGRADABLE
from grader.grading import grade
from grader.rubric import load_rubric


def good(n: object) -> str:
    """GOOD with another title: the same verdicts, but other content (the cache is keyed by content)."""
    return GOOD.replace("returning customers\n", f"returning customers, draft {n}\n", 1)

RUBRIC = Path(__file__).parent / "rubrics" / "dollar-two-page.toml"


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"NO_COLOR": "1"})


def batch(paths, out, rubric, **kw):
    kw.setdefault("jobs", 2)
    kw.setdefault("timeout", 30)
    return run_batch([str(p) for p in paths], out, rubric, **kw)


def no_workers_left() -> bool:
    return not multiprocessing.active_children()


# Grade functions run inside the workers (forked, so no pickling is needed; module level all the same).

def slow_first(path: str, rubric):
    if Path(path).name.startswith("a-"):
        time.sleep(0.5)  # finishes last, but must still come first
    return grade(path, rubric)


def hang_on_hang(path: str, rubric):
    if "hang" in Path(path).name:
        time.sleep(3600)
    return grade(path, rubric)


def crash_on_crash(path: str, rubric):
    if "exit" in Path(path).name:
        os._exit(3)
    if "segv" in Path(path).name:
        faulthandler.disable()  # pytest's handler would print the worker's stack on stderr
        os.kill(os.getpid(), signal.SIGSEGV)
    return grade(path, rubric)


def hog_on_hog(path: str, rubric):
    if "hog" in Path(path).name:
        hoard = [bytearray(64 * 2**20) for _ in range(64)]  # 4 GB, far over the cap
        return hoard
    return grade(path, rubric)


# --- order, rows and exit status -------------------------------------------------------------------


def test_rows_follow_the_input_order_whatever_finishes_first(tmp_path, rubric):
    first = write(tmp_path / "a-first.md", GOOD)
    folder = tmp_path / "group"
    for name in ("c.docx", "b.docx", "d.docx"):
        docx_from_markdown(folder / name, BAD if name == "c.docx" else GOOD)
    last = write(tmp_path / "0-last.md", GOOD)
    result = batch([first, folder, last], tmp_path / "out", rubric, grade_fn=slow_first, jobs=3)
    expected = [str(first), *(str(folder / n) for n in ("b.docx", "c.docx", "d.docx")), str(last)]
    assert [r.path for r in result.rows] == expected
    book = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert [f["file"] for f in book["files"]] == expected
    with open(tmp_path / "out" / "results.csv", encoding="utf-8", newline="") as fh:
        assert [row["file"] for row in csv.DictReader(fh)] == expected
    assert no_workers_left()


def test_an_unreadable_file_is_an_error_row_and_the_others_are_graded(tmp_path, rubric):
    files = [write(tmp_path / "broken.pdf", b"not a pdf"), write(tmp_path / "good.md", GOOD),
             tmp_path / "missing.md"]
    result = batch(files, tmp_path / "out", rubric)
    broken, graded, missing = result.rows
    assert broken.status == "error" and "not a PDF" in broken.error and "\n" not in broken.error
    assert missing.status == "error" and "does not exist" in missing.error
    assert graded.status == "pass" and (tmp_path / "out" / graded.report).is_file()
    assert result.exit_code == EXIT_UNGRADABLE
    book = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert [f["status"] for f in book["files"]] == ["error", "pass", "error"]
    assert book["files"][0]["error"] == broken.error


@pytest.mark.parametrize(("texts", "status"), [
    ({"good.docx": GOOD}, EXIT_PASS),
    ({"good.docx": GOOD, "bad.docx": BAD}, EXIT_FAIL),
    ({"good.docx": GOOD, "bad.docx": BAD, "x.pdf": b"not a pdf"}, EXIT_UNGRADABLE),
])
def test_exit_status(runner, tmp_path, texts, status):
    for name, text in texts.items():
        if isinstance(text, str):
            docx_from_markdown(tmp_path / "in" / name, text)  # a folder stands for its PDF and DOCX drafts
        else:
            write(tmp_path / "in" / name, text)
    result = runner.invoke(main, ["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "-j", "2"])
    assert result.exit_code == status, result.output
    assert "Traceback" not in result.output
    summary = result.stderr.strip().splitlines()[-1]
    assert summary.startswith(f"grader: {len(texts)} file") and "index.html" in summary


def test_gradebook_has_every_input_and_the_csv_columns(tmp_path, rubric):
    files = [write(tmp_path / "good.md", GOOD), write(tmp_path / "bad.md", BAD), write(tmp_path / "x.docx", b"")]
    batch(files, tmp_path / "out", rubric)
    with open(tmp_path / "out" / "results.csv", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    ids = [c.id for c in rubric.criteria]
    assert reader.fieldnames == ["file", "status", "score", "pages", *ids, "change", "error", "report", "sha256"]
    assert [r["file"] for r in rows] == [str(f) for f in files]
    assert [r["status"] for r in rows] == ["pass", "fail", "error"]
    assert rows[0]["score"] == "100" and all(rows[0][i] == "pass" for i in ids)
    assert rows[1]["euro-impact"] == "fail"
    assert rows[2]["score"] == "" and "empty" in rows[2]["error"]


def test_a_formula_in_a_file_name_stays_text_in_the_csv(tmp_path, rubric):
    batch([write(tmp_path / "=cmd.md", GOOD)], tmp_path / "out", rubric)
    with open(tmp_path / "out" / "results.csv", encoding="utf-8", newline="") as fh:
        row = next(csv.DictReader(fh))
    assert not row["file"].startswith("=") and row["file"].endswith("=cmd.md")


# --- cache -------------------------------------------------------------------------------------------


def test_a_rerun_grades_nothing_and_a_changed_file_is_graded_again(tmp_path, rubric):
    files = [write(tmp_path / n, good(n)) for n in ("a.md", "b.md", "c.md")] + [write(tmp_path / "x.pdf", b"junk")]
    out = tmp_path / "out"
    first = batch(files, out, rubric)
    assert first.graded == 4 and first.from_cache == 0
    report = out / first.rows[0].report
    stamp = report.stat().st_mtime_ns
    second = batch(files, out, rubric)
    assert second.graded == 0 and second.from_cache == 4
    assert second.stats.workers_started == 0  # nothing to grade: no worker, no spaCy
    assert all(r.cached for r in second.rows)
    assert [r.status for r in second.rows] == [r.status for r in first.rows]
    assert second.rows[3].error == first.rows[3].error  # a file's own error is cached too
    assert report.stat().st_mtime_ns == stamp  # an unchanged report is not written again
    write(files[1], BAD)
    third = batch(files, out, rubric)
    assert third.graded == 1 and [r.cached for r in third.rows] == [True, False, True, True]
    assert third.rows[1].status == "fail"


def test_a_cached_rerun_does_not_load_spacy(tmp_path, rubric):
    draft = write(tmp_path / "a.md", GOOD)
    batch([draft], tmp_path / "out", rubric)
    code = ("import sys; from grader.batch import run_batch; "
            f"b = run_batch([{str(draft)!r}], {str(tmp_path / 'out')!r}); "
            "print(b.graded, b.from_cache, 'spacy' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert proc.stdout.split() == ["0", "1", "False"]


def test_a_rubric_change_invalidates_the_cache(tmp_path, rubric):
    files = [write(tmp_path / "a.md", GOOD), write(tmp_path / "b.md", BAD)]
    out = tmp_path / "out"
    batch(files, out, rubric)
    other = batch(files, out, load_rubric(str(RUBRIC)))
    assert other.graded == 2 and other.from_cache == 0
    assert batch(files, out, load_rubric(str(RUBRIC))).from_cache == 2


def test_a_corrupt_cache_entry_is_ignored_and_graded_again(tmp_path, rubric):
    files = [write(tmp_path / n, good(n)) for n in ("a.md", "b.md", "c.md")]
    cache = tmp_path / "cache"
    first = batch(files, tmp_path / "out", rubric, cache_dir=cache)
    entries = sorted(cache.glob("*.json"))
    assert len(entries) == 3
    entries[0].write_text("{not json", encoding="utf-8")
    data = json.loads(entries[1].read_text(encoding="utf-8"))
    data["result"]["criteria"] = "nonsense"
    entries[1].write_text(json.dumps(data), encoding="utf-8")
    second = batch(files, tmp_path / "out", rubric, cache_dir=cache)
    assert second.graded == 2 and second.from_cache == 1
    assert [r.status for r in second.rows] == [r.status for r in first.rows]
    assert batch(files, tmp_path / "out", rubric, cache_dir=cache).from_cache == 3  # repaired


def test_from_json_is_the_inverse_of_to_json(tmp_path, rubric):
    result = grade(write(tmp_path / "a.md", DOLLARS), rubric)
    from grader.batch_cache import result_to_cache

    stored = json.loads(json.dumps(result_to_cache(result)))
    assert result_from_json(stored["result"], stored["opening"]) == result


# --- draft history -----------------------------------------------------------------------------------


def test_history_shows_the_change_since_the_previous_draft(tmp_path, rubric):
    draft = write(tmp_path / "anna.md", DOLLARS)
    out = tmp_path / "out"
    first = batch([draft], out, rubric)
    assert first.rows[0].change is None and first.rows[0].status == "fail"
    write(draft, GOOD)
    second = batch([draft], out, rubric)
    change = second.rows[0].change
    assert change is not None
    summary = change.summary()
    assert re.match(r"score 80 → 100 \(\+20\)", summary), summary
    assert "euro-impact ✗ → ✓" in summary
    report = (out / second.rows[0].report).read_text(encoding="utf-8")
    assert "Since your previous draft" in report and "Impact quantified in euros" in report
    assert report.index("Since your previous draft") < report.index("Checklist")
    dashboard = (out / "index.html").read_text(encoding="utf-8")
    assert "score 80 → 100 (+20); euro-impact ✗ → ✓" in dashboard
    book = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert book["files"][0]["change"] == summary
    third = batch([draft], out, rubric)  # unchanged: still the change since the previous draft
    assert third.rows[0].cached and third.rows[0].change.summary() == summary


# --- dashboard -----------------------------------------------------------------------------------------


def test_the_dashboard_is_self_contained_and_escapes_hostile_names(tmp_path, rubric):
    hostile = write(tmp_path / '<script>alert(1)<"x">.md', GOOD)
    broken = write(tmp_path / "<img src=x onerror=alert(2)>.pdf", b"nope")
    result = batch([hostile, broken, write(tmp_path / "bad.md", BAD)], tmp_path / "out", rubric)
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"https?://", page)
    assert not re.search(r"\s(src|href)=[\"']?(//|[a-z]+:)", page)  # no external or scheme URLs at all
    assert page.count("<script") == 1 and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;&#34;x&#34;&gt;.md" in page
    assert '<html lang="en">' in page and "<main>" in page and "<h1>" in page
    assert re.search(r"Content-Security-Policy\" content=\"default-src 'none';[^\"]*script-src 'sha256-", page)
    heads = re.findall(r"<h([1-6])", page)
    assert heads[0] == "1" and all(int(b) - int(a) <= 1 for a, b in zip(heads, heads[1:], strict=False))
    assert page.count('<button type="button"') == 4 + len(rubric.criteria) + 2  # every column sorts by keyboard
    assert "<svg" in page and "Score distribution" in page and "Pass rate per criterion" in page
    for row in result.rows:
        if row.report:
            assert "<" not in row.report and (tmp_path / "out" / row.report).is_file()


def test_the_sort_script_matches_its_csp_hash(tmp_path, rubric):
    import base64
    import hashlib

    batch([write(tmp_path / "a.md", GOOD)], tmp_path / "out", rubric)
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"'sha256-{digest}'" in page


# --- isolation -------------------------------------------------------------------------------------------


def test_a_hung_worker_is_killed_by_the_timeout(tmp_path, rubric):
    files = [write(tmp_path / "hang.md", good(1)), write(tmp_path / "good.md", GOOD), write(tmp_path / "bad.md", BAD)]
    result = batch(files, tmp_path / "out", rubric, grade_fn=hang_on_hang, timeout=1.0, jobs=2)
    hung, passed, failed = result.rows
    assert hung.status == "error" and "took longer than 1 s" in hung.error
    assert passed.status == "pass" and failed.status == "fail"
    assert result.exit_code == EXIT_UNGRADABLE
    assert no_workers_left()
    again = batch(files, tmp_path / "out", rubric, grade_fn=hang_on_hang, timeout=1.0, jobs=2)
    assert again.rows[0].status == "error" and not again.rows[0].cached  # a hang is not cached


def test_a_crashing_worker_becomes_an_error_row(tmp_path, rubric):
    files = [write(tmp_path / "exit.md", good(1)), write(tmp_path / "good.md", good(2)),
             write(tmp_path / "segv.md", good(3)), write(tmp_path / "good2.md", good(4))]
    result = batch(files, tmp_path / "out", rubric, grade_fn=crash_on_crash, jobs=1)
    assert [r.status for r in result.rows] == ["error", "pass", "error", "pass"]
    assert "stopped unexpectedly (exit status 3)" in result.rows[0].error
    assert "SIGSEGV" in result.rows[2].error
    assert result.stats.workers_started == 3  # the worker is replaced after each crash, reused otherwise
    assert no_workers_left()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is enforced on Linux")
def test_a_worker_over_the_memory_cap_becomes_an_error_row(tmp_path, rubric):
    files = [write(tmp_path / "hog.md", good(1)), write(tmp_path / "good.md", good(2))]
    status = Path("/proc/self/status").read_text()
    size_mb = int(re.search(r"VmSize:\s+(\d+) kB", status).group(1)) // 1024
    result = batch(files, tmp_path / "out", rubric, grade_fn=hog_on_hog, jobs=1, max_memory_mb=size_mb + 512)
    assert result.rows[0].status == "error" and "ran out of memory" in result.rows[0].error
    assert result.rows[1].status == "pass", result.rows[1].error


def test_ctrl_c_keeps_what_finished_and_marks_the_rest_not_graded(tmp_path, rubric):
    files = [write(tmp_path / f"{n}.md", good(n)) for n in "abcd"]

    def interrupt(done, total, row):
        assert total == 4 and (row is None) == (done == 0)
        if done == 2:
            raise KeyboardInterrupt

    result = batch(files, tmp_path / "out", rubric, jobs=1, progress=interrupt)
    assert result.interrupted
    assert [r.status for r in result.rows] == ["pass", "pass", "not graded", "not graded"]
    book = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert book["interrupted"] and len(book["files"]) == 4 and book["files"][3]["status"] == "not graded"
    assert "not graded" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert no_workers_left()
    assert batch(files, tmp_path / "out", rubric).from_cache == 2  # finished files were cached


def test_batch_help(runner):
    result = runner.invoke(main, ["batch", "--help"])
    assert result.exit_code == 0
    for option in ("--jobs", "--timeout", "--max-memory-mb", "--cache-dir", "--output"):
        assert option in result.stdout
