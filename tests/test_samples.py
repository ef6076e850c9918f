"""The bundled samples get the verdicts a reviewer would give, and reports/ is current."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import golden
import pytest

from grader.grading import grade
from grader.report.html import render_html, safe_name

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_submissions"
EXPECTED = tomllib.loads((SAMPLES / "expected.toml").read_text(encoding="utf-8"))
FILES = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".pdf", ".docx"))


def test_samples_cover_both_formats_and_both_outcomes():
    stems = {p.stem for p in FILES}
    assert len(stems) >= 8
    assert all((SAMPLES / f"{s}.pdf").exists() and (SAMPLES / f"{s}.docx").exists() for s in stems)
    assert set(EXPECTED) == stems
    outcomes = {all(v.values()) for v in EXPECTED.values()}
    assert outcomes == {True, False}


@pytest.fixture(scope="module")
def results(rubric):
    cwd = os.getcwd()
    os.chdir(ROOT)  # graded by relative path, as scripts/refresh_reports.py does
    try:
        return {p.name: grade(p.relative_to(ROOT), rubric) for p in FILES}
    finally:
        os.chdir(cwd)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_sample_verdicts(results, path):
    got = {c.id: c.passed for c in results[path.name].criteria}
    want = EXPECTED[path.stem]
    assert {k: got[k] for k in want} == want


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_reports_are_current(results, path):
    """reports/ holds the samples' rendered reports; update with `python scripts/update_golden.py`."""
    golden.check(render_html(results[path.name]), ROOT / "reports" / safe_name(str(path)))


def test_the_opening_highlights_come_out_alike_in_every_process():
    """The quoted sentences in the opening keep the order the checks quoted them, whatever the string
    hashing of the process (results.json and the batch cache hold them, so they must not vary)."""
    import json
    import subprocess
    import sys

    sample = SAMPLES / "strong-fraud-review-threshold.pdf"
    code = ("import json, sys; from grader.grading import grade; "
            "print(json.dumps([o.highlights for o in grade(sys.argv[1]).opening]))")
    seen = set()
    for seed in ("1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", code, str(sample)], env=env, capture_output=True, text=True,
                             check=True).stdout
        seen.add(out)
    assert len(seen) == 1
    assert max(len(h) for h in json.loads(seen.pop())) >= 3
