"""DOCX numbers out of any real range ("1e400", "nan", 20 digits) count as malformed, not as sizes."""

from __future__ import annotations

import re
import signal
import zipfile
from pathlib import Path

import pytest
from builders import docx_file

from grader.grading import grade
from grader.readers.docx_styles import points

BLOCKS = [("title", "Checkout"), ("heading", "Summary"),
          ("para", "We should launch one-tap checkout; it recovers about €2.3M in revenue a year."),
          ("table", "Market|Revenue;Germany|€1.2M")]


def _with(tmp_path: Path, part: str, value: str, name: str) -> Path:
    src = docx_file(tmp_path / "base.docx", BLOCKS)
    out = tmp_path / name
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(out, "w") as zo:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename == part:
                data = re.sub(rb'(w:(?:val|w|h|before|after|line|left|right|top|bottom|firstLine|hanging))="-?\d+"',
                              lambda m: m.group(1) + b'="' + value.encode() + b'"', data)
                if part == "word/document.xml":  # a run size too, which the template leaves to the styles
                    data = data.replace(b"<w:r>", b'<w:r><w:rPr><w:sz w:val="' + value.encode() + b'"/></w:rPr>', 1)
            zo.writestr(info, data)
    return out


@pytest.fixture
def deadline():
    """Fail, rather than hang the suite, if grading runs away (as it once did on w:sz="1e400")."""
    def expire(*_):
        raise TimeoutError("grading ran for over 30 s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(30)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


@pytest.mark.parametrize("value", ["1e400", "1e300", "-1e300", "nan", "inf", "99999999999999999999"])
@pytest.mark.parametrize("part", ["word/document.xml", "word/styles.xml"])
def test_absurd_numbers_are_ignored(tmp_path, deadline, part, value):
    path = _with(tmp_path, part, value, "absurd.docx")
    result = grade(path, renderer="none")
    assert 1 <= result.pages <= 3
    assert any("€2.3M" in e.text for c in result.criteria for e in c.evidence)


def test_points():
    assert points("240") == 12.0 and points("24", 2.0) == 12.0
    assert points("-360") == -18.0
    for bad in ("1e400", "1e300", "nan", "inf", "-inf", "x", ""):
        assert points(bad) is None


def test_an_absurd_row_height_is_ignored(tmp_path, deadline):
    src = docx_file(tmp_path / "base.docx", BLOCKS)
    out = tmp_path / "row.docx"
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(out, "w") as zo:
        for info in z.infolist():
            data = z.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"<w:tr>", b'<w:tr><w:trPr><w:trHeight w:val="99999999999999999999"/></w:trPr>', 1)
                assert b"trHeight" in data
            zo.writestr(info, data)
    assert grade(out, renderer="none").pages == grade(src, renderer="none").pages == 1


def test_exact_line_spacing_up_to_words_limit_counts():
    from lxml import etree

    from grader.readers.docx_styles import ppr_props

    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    ppr = etree.fromstring(f'<w:pPr xmlns:w="{w}"><w:spacing w:line="31680" w:lineRule="exact"/></w:pPr>')
    assert ppr_props(ppr)["line"] == 1584.0  # Word's largest exact spacing, in points
