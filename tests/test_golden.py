"""The report page for states built in code matches tests/golden/html/, dates and versions aside.

The bundled samples' reports (reports/) are compared end to end in tests/test_samples.py with the same
helpers; these cases pin what the samples do not show: a warning, notes, hostile text, an empty draft.
Update every expected file with `python scripts/update_golden.py`.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from golden import CASES, EXPECTED, check, normalise

from grader.report.html import render_html


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_report_matches_golden(case):
    check(render_html(case.result), EXPECTED / f"{case.name}.html")


def test_golden_files_have_no_strays():
    assert {p.stem for p in EXPECTED.glob("*.html")} == {c.name for c in CASES}


def test_normalise_removes_only_dates_and_versions():
    result = CASES[0].result
    one = render_html(result, generated="2024-01-01 10:00 UTC")
    two = render_html(replace(result, version="12.3.4rc1"), generated="2031-12-31 23:59 UTC")
    assert one != two
    assert normalise(one) == normalise(two)
    assert normalise(one) != normalise(render_html(replace(result, score=99.0), generated="x"))


def test_a_mismatch_writes_the_actual_page_and_names_the_update_command(tmp_path, monkeypatch):
    import golden

    monkeypatch.setattr(golden, "ACTUAL", tmp_path / "actual")
    expected = tmp_path / "expected.html"
    expected.write_text("<p>old</p>\n", encoding="utf-8")
    with pytest.raises(AssertionError) as err:
        check("<p>new</p>\n", expected)
    assert (tmp_path / "actual" / "expected.html").read_text(encoding="utf-8") == "<p>new</p>\n"
    assert "python scripts/update_golden.py" in str(err.value)
    assert "+<p>new</p>" in str(err.value)
