"""batch_prefetch: files read ahead while spaCy loads give the same grades, and never hold a batch up."""

from __future__ import annotations

import multiprocessing
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from builders import docx_from_markdown, platypus_pdf
from drafts import BAD, GOOD

from grader import batch_pool, batch_prefetch, grading
from grader.batch import run_batch
from grader.rubric import load_rubric

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="read-ahead needs forked workers")


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


def _files(tmp_path: Path) -> list[Path]:
    opening = [("title", "Checkout"), ("para", "We should launch one-tap checkout for returning customers; "
                                                "it recovers about €2.3M in revenue a year.")]
    files = [platypus_pdf(tmp_path / f"draft-{i}.pdf", opening * (i + 1)) for i in range(3)]
    files.append(docx_from_markdown(tmp_path / "draft-3.docx", BAD))
    files.append(docx_from_markdown(tmp_path / "draft-4.docx", GOOD))
    bad = tmp_path / "draft-5.pdf"
    bad.write_bytes(b"%PDF-1.7\nnot really a PDF")
    return [*files, bad]


def _wait_for(prefetch: batch_prefetch.Prefetch, count: int) -> None:
    deadline = time.monotonic() + 60
    while prefetch.received < count and time.monotonic() < deadline:
        time.sleep(0.05)


def test_the_reader_sends_the_documents_grading_would_read(tmp_path, rubric):
    files = _files(tmp_path)
    tasks = list(enumerate(map(str, files)))
    prefetch = batch_prefetch.Prefetch(multiprocessing.get_context("fork"), tasks, rubric, 1024)
    _wait_for(prefetch, 5)
    documents = prefetch.finish()
    assert sorted(documents) == [0, 1, 2, 3, 4]  # the damaged file is left to the workers
    for index, document in documents.items():
        assert document == grading.read(files[index], rubric)


def test_a_file_that_hangs_the_reader_does_not_hold_up_the_batch(tmp_path, rubric, monkeypatch):
    files = _files(tmp_path)
    real = grading.read

    def hang_on_third(path, rub, renderer=None):
        if path.endswith("draft-2.pdf"):
            time.sleep(60)
        return real(path, rub, renderer)

    monkeypatch.setattr(grading, "read", hang_on_third)  # the forked reader inherits it
    prefetch = batch_prefetch.Prefetch(multiprocessing.get_context("fork"), list(enumerate(map(str, files))),
                                       rubric, 1024)
    _wait_for(prefetch, 2)
    time.sleep(0.3)
    documents = prefetch.finish()
    assert prefetch._proc.exitcode == -signal.SIGKILL  # killed after a short wait, not waited for
    assert sorted(documents) == [0, 1]


def test_read_ahead_files_grade_as_without_it(tmp_path, rubric, monkeypatch):
    files = _files(tmp_path)
    without = run_batch([str(tmp_path)], tmp_path / "one", rubric, jobs=1)
    real_warm, real_read = batch_pool.warm, grading.read
    readable = {str(f) for f in files[:5]}

    def no_second_read(path, rub, renderer=None):
        assert str(path) not in readable, f"{path} was read again after the reader read it"
        return real_read(path, rub, renderer)

    def slow_warm(rub, paths=()):  # spaCy is already loaded in this process: give the reader time to read them all
        time.sleep(3)
        real_warm(rub, paths)
        # The reader has read the five readable files by now; the workers, forked after this, must grade
        # the Documents it read instead of reading the files again.
        monkeypatch.setattr(grading, "read", no_second_read)

    monkeypatch.setattr(batch_pool, "warm", slow_warm)
    with_reader = run_batch([str(tmp_path)], tmp_path / "two", rubric, jobs=2, use_cache=False)
    assert with_reader.stats.read_ahead == 5
    assert without.stats.read_ahead == 0  # one worker: no reader beside it
    assert len(with_reader.rows) == len(files)
    for a, b in zip(without.rows, with_reader.rows, strict=True):
        assert (a.path, a.status, a.error, a.code) == (b.path, b.status, b.error, b.code)
        if a.result is not None:
            assert a.result.to_json() == b.result.to_json()


def test_the_reader_never_starts_libreoffice(tmp_path, rubric, monkeypatch):
    """It is killed once spaCy has loaded: a LibreOffice it started would be left running. A DOCX whose
    rendered page count is not cached is left to the workers."""
    marker = tmp_path / "soffice-ran"
    fake = tmp_path / "soffice"
    fake.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("GRADER_SOFFICE", str(fake))
    monkeypatch.setenv("GRADER_RENDERER", "auto")
    files = _files(tmp_path)
    prefetch = batch_prefetch.Prefetch(multiprocessing.get_context("fork"), list(enumerate(map(str, files))),
                                       rubric, 1024)
    _wait_for(prefetch, 3)
    time.sleep(1.0)  # time to reach, and pass, the two DOCX files
    documents = prefetch.finish()
    assert sorted(documents) == [0, 1, 2]  # the PDFs; both DOCX files need a rendered count
    assert not marker.exists()


_WARM = """
import sys
from grader.batch_pool import warm
from grader.report.html import _env
from grader.rubric import load_rubric
warm(load_rubric(None), sys.argv[1:])
print("pypdf" in sys.modules, any(name == "report.html.j2" for _, name in _env().cache.keys()))
"""


@pytest.mark.parametrize(("files", "pypdf"), [(["a.docx", "b.DOCX"], False), (["a.docx", "b.PDF"], True)])
def test_warm_up_does_before_the_fork_what_each_worker_would_do_on_its_first_file(files, pypdf):
    # Each forked worker would otherwise import pypdf (about 60 ms) and compile the report template on
    # its first file; a batch without PDFs does not import pypdf at all.
    done = subprocess.run([sys.executable, "-c", _WARM, *files], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [str(pypdf), "True"]
