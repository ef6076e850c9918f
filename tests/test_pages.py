"""DOCX page counts: the calibrated estimate, LibreOffice rendering and its cache, the borderline flag.

The calibration figures are checked against page counts LibreOffice rendered once and recorded in
tests/docx_calibration/expected.toml (``python scripts/calibrate_docx.py build``), so these tests
run without LibreOffice; the tests that render are skipped where it is missing.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import stat
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from builders import docx_file, raw_pdf
from click.testing import CliRunner

import grader.render as render_module
from grader.cli import main
from grader.document import Block, Document, Kind
from grader.errors import EXIT_USAGE
from grader.grading import grade, grade_document
from grader.readers import read_document
from grader.readers.docx import read_docx
from grader.render import (
    PageCache,
    RendererUnavailable,
    RenderFailed,
    check_renderer,
    find_soffice,
    render_page_count,
    render_page_counts,
)

ROOT = Path(__file__).resolve().parent.parent
CALIBRATION = ROOT / "tests" / "docx_calibration"
EXPECTED = tomllib.loads((CALIBRATION / "expected.toml").read_text(encoding="utf-8"))
SAMPLES = ROOT / "sample_submissions"
SOFFICE = find_soffice()
needs_libreoffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")

PARA = ("We should launch one-tap checkout for returning customers in Germany first, because drop-off on the "
        "payment screen doubled after the 3DS rollout and most of it comes from customers who bought twice. ")


# The calibrated estimate ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def calibration():
    return {name: (rendered, read_docx(CALIBRATION / name, renderer="none")) for name, rendered in EXPECTED.items()}


def test_the_calibration_set_is_big_and_varied_enough():
    assert len(EXPECTED) >= 30
    assert set(EXPECTED.values()) == set(range(1, 11))  # every length from 1 to 10 pages
    assert {p.name for p in CALIBRATION.glob("*.docx")} == set(EXPECTED)
    assert sum(p.stat().st_size for p in CALIBRATION.glob("*.docx")) < 800 * 1024


def test_the_estimate_matches_libreoffice_on_the_calibration_set(calibration):
    misses = {n: (r, d.page_count) for n, (r, d) in calibration.items() if r != d.page_count}
    exact = 1 - len(misses) / len(calibration)
    within_one = sum(abs(r - d.page_count) <= 1 for r, d in calibration.values()) / len(calibration)
    assert exact >= 0.80, f"exact for {exact:.0%}; (rendered, estimated): {misses}"
    assert within_one >= 0.95, f"within one page for {within_one:.0%}; (rendered, estimated): {misses}"


def test_estimates_say_so_with_their_uncertainty_and_length(calibration):
    for _, doc in calibration.values():
        assert doc.page_count_method == "estimated"
        assert re.fullmatch(r"±\d\.\d page", doc.page_count_note)
        assert 0 < doc.page_count_uncertainty <= 2
        assert doc.page_count - 1 <= doc.page_extent <= doc.page_count + 0.01


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.docx")), ids=lambda p: p.name)
def test_the_samples_are_estimated_at_their_pdf_page_count(path):
    from pypdf import PdfReader

    doc = read_docx(path, renderer="none")
    assert doc.page_count == len(PdfReader(str(path.with_suffix(".pdf"))).pages)
    assert not any("stored page count" in n for n in doc.notes)  # their app.xml holds the true count


def _pages(tmp_path: Path, build, extent: bool = False) -> float:
    """The estimated page count of a document ``build`` makes (or its length in pages, with ``extent``)."""
    import docx

    d = docx.Document()
    build(d)
    d.save(str(tmp_path / "t.docx"))
    doc = read_docx(tmp_path / "t.docx", renderer="none")
    return doc.page_extent if extent else doc.page_count


def test_page_and_section_breaks(tmp_path):
    from docx.enum.section import WD_SECTION

    assert _pages(tmp_path, lambda d: (d.add_paragraph(PARA), d.add_page_break(), d.add_paragraph(PARA))) == 2
    assert _pages(tmp_path, lambda d: (d.add_paragraph(PARA), d.add_section(WD_SECTION.NEW_PAGE),
                                       d.add_paragraph(PARA))) == 2
    assert _pages(tmp_path, lambda d: (d.add_paragraph(PARA), d.add_section(WD_SECTION.CONTINUOUS),
                                       d.add_paragraph(PARA))) == 1
    # A page break with nothing after it adds no page (LibreOffice does not print an empty last page).
    assert _pages(tmp_path, lambda d: (d.add_paragraph(PARA), d.add_page_break())) == 1


def test_font_size_spacing_margins_tables_and_images_count(tmp_path):
    from docx.shared import Inches, Pt

    def text(d, size=11, after=8):
        for _ in range(12):
            p = d.add_paragraph()
            p.add_run(PARA * 3).font.size = Pt(size)
            p.paragraph_format.space_after = Pt(after)

    base = _pages(tmp_path, text, extent=True)
    assert _pages(tmp_path, lambda d: text(d, size=14), extent=True) > base * 1.4
    assert _pages(tmp_path, lambda d: text(d, after=30), extent=True) > base + 0.2

    def narrow(d):
        d.sections[0].left_margin = d.sections[0].right_margin = Inches(2.5)
        text(d)

    assert _pages(tmp_path, narrow, extent=True) > base * 1.4

    def table(d):
        t = d.add_table(rows=60, cols=2)
        for row in t.rows:
            row.cells[0].text, row.cells[1].text = "Risk", PARA

    assert _pages(tmp_path, table) >= 2

    def pictures(d):
        d.add_paragraph("Figures")
        for _ in range(3):
            d.add_picture(io.BytesIO(_png()), height=Inches(4))

    assert _pages(tmp_path, pictures) == 2  # two four-inch pictures fit on a Letter page, three do not


def _png() -> bytes:
    sys.path.insert(0, str(ROOT / "scripts"))
    from calibrate_docx import png

    return png(20, 20, 0)


def test_keep_with_next_moves_a_heading_to_the_next_page(tmp_path):
    import docx

    d = docx.Document()
    for _ in range(11):
        d.add_paragraph(PARA * 2)
    d.add_heading("Risks and mitigations", level=1)
    d.add_paragraph(PARA * 2)
    d.save(str(tmp_path / "keep.docx"))
    doc = read_docx(tmp_path / "keep.docx", renderer="none")
    heading = next(b for b in doc.blocks if b.text == "Risks and mitigations")
    assert doc.page_count == 2 and heading.page == 2


def test_the_stored_page_count_is_a_cross_check_only(tmp_path):
    base = docx_file(tmp_path / "base.docx", [("para", PARA)])
    stale = tmp_path / "stale.docx"
    with zipfile.ZipFile(base) as zin, zipfile.ZipFile(stale, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/app.xml":
                data = re.sub(rb"<Pages>\d+</Pages>", b"<Pages>9</Pages>", data)
            zout.writestr(info, data)
    doc = read_docx(stale, renderer="none")
    assert doc.page_count == 1
    assert "the file's stored page count says 9; the grader estimates 1" in doc.notes


def test_a_font_without_a_metric_compatible_stand_in_is_noted(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph().add_run(PARA).font.name = "Georgia"
    d.save(str(tmp_path / "georgia.docx"))
    doc = read_docx(tmp_path / "georgia.docx", renderer="none")
    assert any("Georgia has no metric-compatible stand-in" in n for n in doc.notes)


# The borderline flag ---------------------------------------------------------------------------


def _graded(rubric, pages: int, extent: float, method: str = "estimated"):
    doc = Document(source="x.docx", format="docx", blocks=(Block(Kind.PARAGRAPH, PARA, 1, paragraph=1),),
                   page_count=pages, page_count_method=method, page_count_note="±0.2 page" if extent else "",
                   page_extent=extent)
    return next(c for c in grade_document(doc, rubric).criteria if c.id == "page-limit")


@pytest.mark.parametrize(("pages", "extent", "passed", "borderline"), [
    (3, 2.8, True, True), (4, 3.2, False, True), (3, 2.2, True, False), (4, 3.7, False, False), (2, 1.5, True, False),
])
def test_an_estimate_near_the_limit_is_borderline(rubric, pages, extent, passed, borderline):
    result = _graded(rubric, pages, extent)
    assert result.passed is passed
    assert ("Borderline" in result.message) is borderline
    assert "render to confirm" in result.message or not borderline


def test_a_rendered_or_counted_page_count_is_never_borderline(rubric):
    assert "Borderline" not in _graded(rubric, 3, 0.0, "rendered").message
    assert "Borderline" not in _graded(rubric, 3, 0.0, "pdf").message


# Choosing a renderer --------------------------------------------------------------------------


def test_renderer_names(monkeypatch):
    monkeypatch.delenv("GRADER_RENDERER", raising=False)
    assert check_renderer(None) == "auto"
    assert check_renderer("None") == "none"
    monkeypatch.setenv("GRADER_RENDERER", "none")
    assert check_renderer(None) == "none"
    with pytest.raises(RendererUnavailable, match="unknown renderer") as err:
        check_renderer("word")
    assert err.value.exit_code == EXIT_USAGE


def test_libreoffice_asked_for_but_missing_is_a_usage_error(monkeypatch, tmp_path):
    monkeypatch.setenv("GRADER_SOFFICE", str(tmp_path / "no-such-soffice"))
    path = docx_file(tmp_path / "a.docx", [("para", PARA)])
    with pytest.raises(RendererUnavailable, match="not installed") as err:
        read_document(path, renderer="libreoffice")
    assert err.value.exit_code == EXIT_USAGE
    assert read_document(path, renderer="auto").page_count_method == "estimated"  # auto falls back quietly
    result = CliRunner().invoke(main, ["check", str(path), "--renderer", "libreoffice"])
    assert result.exit_code == EXIT_USAGE
    assert "LibreOffice (soffice) is not installed" in result.output


def test_the_cli_takes_the_renderer(tmp_path):
    path = docx_file(tmp_path / "a.docx", [("para", PARA)])
    result = CliRunner().invoke(main, ["check", str(path), "--renderer", "none", "--format", "json"])
    assert json.loads(result.output)["page_count_method"] == "estimated"
    assert "--renderer" in CliRunner().invoke(main, ["report", "--help"]).output


# Rendering with a stand-in soffice: batching, caching, timeouts, failures ---------------------


@pytest.fixture
def fake_soffice(tmp_path, monkeypatch):
    """A soffice that writes a 2-page PDF for each input (or sleeps, or fails, on request) and logs its calls."""
    pdf = raw_pdf(tmp_path / "two.pdf", [[(72, 700, "Helvetica", 11, "one")], [(72, 700, "Helvetica", 11, "two")]])
    log = tmp_path / "calls.log"
    script = tmp_path / "soffice"
    script.write_text(f"""#!{sys.executable}
import os, shutil, sys, time
args = sys.argv[1:]
with open({str(log)!r}, "a") as fh:
    fh.write(" ".join(a for a in args if not a.startswith("-env")) + "\\n")
assert any(a.startswith("-env:UserInstallation=file://") for a in args), "no private profile"
mode = os.environ.get("FAKE_SOFFICE", "ok")
if mode == "sleep":
    with open({str(log)!r} + ".pid", "w") as fh:
        fh.write(str(os.getpid()))
    time.sleep(30)
if mode == "fail":
    sys.exit(81)
out = args[args.index("--outdir") + 1]
os.makedirs(out, exist_ok=True)
for a in args:
    if a.endswith(".docx"):
        shutil.copyfile({str(pdf)!r}, os.path.join(out, os.path.splitext(a)[0] + ".pdf"))
""")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("GRADER_SOFFICE", str(script))
    monkeypatch.setenv("FAKE_SOFFICE", "ok")

    def calls() -> list[str]:
        return log.read_text().splitlines() if log.exists() else []

    return calls


def _drafts(tmp_path: Path, n: int) -> list[Path]:
    return [docx_file(tmp_path / f"d{i}.docx", [("para", f"Draft {i}. {PARA}")]) for i in range(n)]


def test_rendered_counts_are_cached_by_content(tmp_path, fake_soffice):
    cache = PageCache(tmp_path / "cache")
    path = _drafts(tmp_path, 1)[0]
    first = render_page_count(path, cache=cache)
    assert (first.pages, first.cached) == (2, False)
    again = render_page_count(path, cache=cache)
    assert (again.pages, again.cached) == (2, True)
    copy = tmp_path / "renamed.docx"
    shutil.copyfile(path, copy)
    assert render_page_count(copy, cache=cache).cached  # same bytes, another name
    assert len(fake_soffice()) == 1
    assert [p.name for p in (tmp_path / "cache").iterdir()] == ["pages.json"]  # no temporary files left


def test_a_draft_is_graded_with_the_rendered_count(tmp_path, fake_soffice, monkeypatch):
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    path = _drafts(tmp_path, 1)[0]
    result = grade(path, renderer="auto")
    assert (result.pages, result.page_count_method) == (2, "rendered")
    assert "the estimate from its content was 1 page(s)" in result.notes
    limit = next(c for c in result.criteria if c.id == "page-limit")
    assert "counted from a rendered PDF" in limit.message
    grade(path, renderer="auto")
    assert len(fake_soffice()) == 1  # the second grade came from the cache
    assert grade(path, renderer="none").page_count_method == "estimated"


def test_many_drafts_render_in_one_libreoffice_start(tmp_path, fake_soffice):
    paths = _drafts(tmp_path, 5)
    sub = tmp_path / "sub"
    sub.mkdir()
    twin = docx_file(sub / "d0.docx", [("para", "Another draft with the same file name.")])  # same name, other folder
    counts = render_page_counts([*paths, twin], cache=PageCache(tmp_path / "cache"))
    assert counts == {str(p): 2 for p in [*paths, twin]}
    assert len(fake_soffice()) == 1
    assert render_page_counts(paths, cache=PageCache(tmp_path / "cache")) == {str(p): 2 for p in paths}
    assert len(fake_soffice()) == 1  # all cached


def test_a_render_that_hangs_is_stopped(tmp_path, fake_soffice, monkeypatch):
    monkeypatch.setenv("FAKE_SOFFICE", "sleep")
    path = _drafts(tmp_path, 1)[0]
    with pytest.raises(RenderFailed, match="longer than 5 s"):  # time for the stand-in to start and say its pid
        render_page_count(path, cache=PageCache(tmp_path / "cache"), timeout=5)
    pid = int((tmp_path / "calls.log.pid").read_text())
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left sleeping
        os.kill(pid, 0)


def test_a_failed_render_falls_back_to_the_estimate_with_a_note(tmp_path, fake_soffice, monkeypatch):
    monkeypatch.setenv("FAKE_SOFFICE", "fail")
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    doc = read_docx(_drafts(tmp_path, 1)[0], renderer="libreoffice")
    assert (doc.page_count, doc.page_count_method) == (1, "estimated")
    assert any("LibreOffice could not render it" in n and "status 81" in n for n in doc.notes)


def test_a_corrupt_or_foreign_cache_is_ignored_and_replaced(tmp_path, fake_soffice):
    folder = tmp_path / "cache"
    folder.mkdir()
    path = _drafts(tmp_path, 1)[0]
    for junk in ("{not json", json.dumps([1, 2]), json.dumps({"version": 99, "pages": {}}),
                 json.dumps({"version": 1, "pages": {"x": {"pages": "two"}}})):
        (folder / "pages.json").write_text(junk)
        assert render_page_count(path, cache=PageCache(folder)).pages == 2
    data = json.loads((folder / "pages.json").read_text())
    assert data["version"] == 1 and [e["pages"] for e in data["pages"].values() if isinstance(e, dict)] == [2]


def test_the_cache_lives_where_the_environment_says(monkeypatch, tmp_path):
    from grader.render import cache_dir

    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "a"))
    assert cache_dir() == tmp_path / "a"
    monkeypatch.delenv("GRADER_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "grader"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == Path(os.path.expanduser("~")) / ".cache" / "grader"


# Rendering with LibreOffice itself ------------------------------------------------------------


def _liberation_files(count: int) -> list[str]:
    """Short calibration files in fonts every LibreOffice install has metric twins for (Arial, Times)."""
    text = (CALIBRATION / "expected.toml").read_text(encoding="utf-8")
    picks = re.findall(r"# (?:Arial|Times New Roman) .*\n\"(cal-\d+\.docx)\" = (\d+)", text)
    return [name for name, _ in sorted(picks, key=lambda p: int(p[1]))[:count]]


@needs_libreoffice
def test_libreoffice_renders_calibration_files_as_recorded(tmp_path, monkeypatch):
    monkeypatch.setenv("GRADER_CACHE_DIR", str(tmp_path / "cache"))
    names = _liberation_files(3)
    assert len(names) == 3
    counts = render_page_counts([CALIBRATION / n for n in names])
    assert {Path(p).name: n for p, n in counts.items()} == {n: EXPECTED[n] for n in names}

    def no_second_start(*args, **kwargs):
        raise AssertionError("LibreOffice was started again for a file it has rendered")

    monkeypatch.setattr(render_module, "_run", no_second_start)  # the count comes from the cache
    doc = read_docx(CALIBRATION / names[0], renderer="libreoffice")
    assert (doc.page_count, doc.page_count_method) == (EXPECTED[names[0]], "rendered")
