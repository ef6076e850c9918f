"""The HTML report: self-contained, accessible, escaped, written atomically; and the text summary."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from grader.grading import grade_document
from grader.readers.text import parse_markdown
from grader.report import html as html_report
from grader.report.html import render_html, report_names, safe_name, write_report
from grader.report.text import render_text
from grader.results import CriterionResult, Evidence, GradeResult

GOOD = """\
# Credit limits for returning customers

We should raise credit limits for returning customers with a clean repayment record.

This would add about €2.3M in revenue a year.

The main risk is higher fraud losses; we mitigate it with a staged rollout and a weekly review.

We fitted one logistic regression with default settings; it is simple and explainable, adds under 5ms to \
checkout latency, and every decline carries a reason code we can show the customer.
"""

SCRIPT = "<script>alert(1)</script>"
ATTR = '" onmouseover="x'
JS = "javascript:alert(1)"
SSTI = "{{ 7*7 }}"
PLANTED = (SCRIPT, ATTR, JS, SSTI)

HOSTILE = f"""\
# Title {SCRIPT}

We should raise credit limits for returning customers {SCRIPT} with a clean record {ATTR} now.

This would add about €2.3M in revenue a year {JS} and {SSTI} more.

The main risk is higher fraud losses {SSTI}; we mitigate it with a staged rollout and a weekly review {ATTR}.

See {JS} and {SCRIPT} for the logistic regression with default settings.
"""

HOSTILE_NAME = f"drafts/{SSTI} {ATTR} {JS} <img src=x onerror=alert(1)>.md"


class Page(HTMLParser):
    """Tags, attributes, the text of the page, and the text inside each element that has an id."""

    VOID = {"meta", "br", "img", "input", "link", "hr", "circle", "path"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str | None]] = []
        self.text: list[str] = []
        self.by_id: dict[str, list[str]] = {}
        self._open: list[tuple[str, str | None]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v) for k, v in attrs)
        ident = dict(attrs).get("id")
        if ident:
            self.by_id.setdefault(ident, [])
        if tag not in self.VOID:
            self._open.append((tag, ident))

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, k, v) for k, v in attrs)

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        self.text.append(data)
        for _, ident in self._open:
            if ident:
                self.by_id[ident].append(data)

    def text_of(self, ident: str) -> str:
        return " ".join(" ".join(self.by_id[ident]).split())

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


def grade_text(text: str, source: str = "drafts/good.md", rubric=None) -> GradeResult:
    return grade_document(parse_markdown(text, source=source), rubric)


@pytest.fixture(scope="module")
def good() -> GradeResult:
    return grade_text(GOOD)


@pytest.fixture(scope="module")
def failing() -> GradeResult:
    return grade_text("# Analysis\n\nI analysed the dataset. Further analysis is needed before deciding.\n")


@pytest.fixture(scope="module")
def hostile() -> GradeResult:
    return grade_text(HOSTILE, source=HOSTILE_NAME)


# --- content -------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["good", "failing"])
def test_the_page_is_self_contained(request, which):
    html = render_html(request.getfixturevalue(which), generated="T")
    lower = html.lower()
    for needle in ("http://", "https://", "src=", "<script", "<link", "@import", "url("):
        assert needle not in lower, needle


@pytest.mark.parametrize("which", ["good", "failing", "hostile"])
def test_no_element_can_fetch_anything(request, which):
    # The hostile draft's text holds "src=" and "javascript:", so check the parsed page, not the bytes.
    page = Page(render_html(request.getfixturevalue(which), generated="T"))
    assert not {"script", "link", "img", "iframe", "object", "embed", "base", "form", "a"} & set(page.tags)
    for tag, name, value in page.attrs:
        assert name not in ("src", "href", "srcset", "action", "background"), (tag, name)
        assert "//" not in (value or "") or (tag, name) == ("meta", "content"), (tag, name, value)


def test_the_page_has_a_language_and_a_title(good):
    html = render_html(good, generated="T")
    assert '<html lang="en">' in html
    page = Page(html)
    assert "title" in page.tags
    assert html.count("<h1>") == 1


def test_the_score_is_on_the_page(good, failing):
    for result in (good, failing):
        page = Page(render_html(result, generated="T"))
        assert f"{result.score:g}" in page.all_text
        assert "/ 100" in page.all_text or "/100" in page.all_text


@pytest.mark.parametrize("which", ["good", "failing"])
def test_each_criterion_has_its_title_and_verdict_in_words(request, which):
    result = request.getfixturevalue(which)
    page = Page(render_html(result, generated="T"))
    for c in result.criteria:
        text = page.text_of(c.id)
        assert c.title in text
        word = "Pass" if c.passed else ("Warning" if c.severity == "warning" else "Fail")
        assert word in text.split(), (c.id, text)  # the verdict is a word, not only a colour or an icon


def test_the_overall_verdict_is_in_words(good, failing):
    assert "Ready to send" in Page(render_html(good, generated="T")).text_of("verdict")
    assert "Not ready" in Page(render_html(failing, generated="T")).text_of("verdict")


def test_evidence_is_quoted_with_its_location(good):
    page = Page(render_html(good, generated="T"))
    quoted = 0
    for c in good.criteria:
        text = page.text_of(c.id)
        for e in c.evidence:
            assert " ".join(e.text.split()) in text
            assert (e.where or f"page {e.page}") in text
            quoted += 1
    assert quoted >= 3


def test_failed_criteria_come_with_how_to_fix(failing):
    page = Page(render_html(failing, generated="T"))
    for c in failing.criteria:
        if not c.passed:
            assert "How to fix:" in page.text_of(c.id)
            assert " ".join(c.suggestion.split())[:40] in page.text_of(c.id)


# --- escaping ------------------------------------------------------------------------------------


def test_planted_markup_is_escaped_everywhere(hostile):
    html = render_html(hostile, generated="T")
    page = Page(html)
    assert "script" not in page.tags and "img" not in page.tags
    for tag, name, value in page.attrs:
        assert not name.startswith("on"), (tag, name, value)
        assert "javascript:" not in (value or "").lower(), (tag, name, value)
    assert SCRIPT not in html
    assert ATTR not in html
    assert "<img" not in html


def test_planted_text_survives_as_text(hostile):
    page = Page(render_html(hostile, generated="T"))
    text = page.all_text
    for planted in PLANTED:
        assert planted in text, planted
    name = "{{ 7*7 }} \" onmouseover=\"x javascript:alert(1) <img src=x onerror=alert(1)>.md"
    assert text.count(name) == 2  # the <title> and the <h1>, as text
    # The template is never evaluated on the user's text: {{ 7*7 }} stays, it does not become 49.
    assert "{{ 7*7 }}" in render_html(hostile, generated="T")


def test_planted_text_in_quoted_evidence_is_escaped(hostile):
    quotes = [e for c in hostile.criteria for e in c.evidence if SCRIPT in e.text or ATTR in e.text]
    assert quotes, "the planted text should be quoted as evidence"
    html = render_html(hostile, generated="T")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_highlight_is_escaped_too():
    result = _result_with(Evidence(f"We should {SCRIPT} ship it {ATTR}.", 1, 1, "page 1, ¶1",
                                   highlight=f"{SCRIPT} ship"))
    html = render_html(result, generated="T")
    assert "<mark>&lt;script&gt;alert(1)&lt;/script&gt; ship</mark>" in html
    assert SCRIPT not in html and ATTR not in html


def test_generated_stamp_is_escaped(good):
    html = render_html(good, generated=SCRIPT)
    assert SCRIPT not in html


def _result_with(*evidence: Evidence, file: str = "draft.md") -> GradeResult:
    crit = CriterionResult("page-limit", "Three pages or fewer", False, "msg", "fix it", 10.0, tuple(evidence))
    return GradeResult(file=file, rubric="r", rubric_title="R", score=0.0, passed=False, pages=1,
                       page_count_method="markup", criteria=(crit,))


# --- writing -------------------------------------------------------------------------------------


def test_write_report_leaves_no_temp_files(good, tmp_path):
    target = write_report(good, tmp_path / "out", generated="T")
    assert target == tmp_path / "out" / "good.md.html"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["good.md.html"]
    assert target.read_text(encoding="utf-8") == render_html(good, generated="T")


def test_a_render_error_leaves_the_old_report_intact(good, tmp_path, monkeypatch):
    out = tmp_path / "out"
    target = write_report(good, out, generated="old")
    before = target.read_bytes()

    def boom(*args, **kwargs):
        raise RuntimeError("template exploded")

    monkeypatch.setattr(html_report, "_view", boom)
    with pytest.raises(RuntimeError):
        write_report(good, out, generated="new")
    assert target.read_bytes() == before
    assert [p.name for p in out.iterdir()] == [target.name]


def test_a_write_error_leaves_the_old_report_intact_and_no_temp_file(good, tmp_path, monkeypatch):
    out = tmp_path / "out"
    target = write_report(good, out, generated="old")
    before = target.read_bytes()

    def fail_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(html_report.os, "replace", fail_replace)
    with pytest.raises(OSError):
        write_report(good, out, generated="new")
    assert target.read_bytes() == before
    assert [p.name for p in out.iterdir()] == [target.name]


def test_a_first_report_that_fails_leaves_nothing(good, tmp_path, monkeypatch):
    monkeypatch.setattr(html_report, "_view", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        write_report(good, tmp_path / "out")
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_write_report_never_overwrites_the_input(tmp_path):
    source = tmp_path / "notes.html"
    source.write_text("original", encoding="utf-8")
    target = write_report(_result_with(file=str(source)), tmp_path, generated="T")
    assert target != source
    assert source.read_text(encoding="utf-8") == "original"
    assert target.parent == tmp_path


def test_write_report_never_writes_through_a_link_to_the_input(tmp_path):
    source = tmp_path / "draft.md"
    source.write_text("# my draft\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    try:
        (out / "draft.md.html").symlink_to(source)
    except OSError:
        pytest.skip("symlinks not available")
    target = write_report(_result_with(file=str(source)), out, generated="T")
    assert source.read_text(encoding="utf-8") == "# my draft\n"
    assert target.resolve() != source.resolve()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_report_permissions_follow_the_umask(good, tmp_path):
    old = os.umask(0o022)
    try:
        target = write_report(good, tmp_path, generated="T")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_write_report_uses_a_given_name(good, tmp_path):
    target = write_report(good, tmp_path, generated="T", name="chosen.md.html")
    assert target == tmp_path / "chosen.md.html"


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("source", "expected"), [
    ("drafts/good.md", "good.md.html"),
    ("Final Draft.PDF", "Final-Draft.pdf.html"),
    ("my.draft.v2.docx", "my.draft.v2.docx.html"),
    ("Entwurf für Ünternehmen.docx", "Entwurf-für-Ünternehmen.docx.html"),
    ("日本語 レポート.md", "日本語-レポート.md.html"),
    ("<script>alert(1)</script>.md", "script.md.html"),
    ('" onmouseover="x.md', "onmouseover-x.md.html"),
    ("{{ 7*7 }}.md", "7-7.md.html"),
    ("javascript:alert(1).md", "javascript-alert-1.md.html"),
    ("\u202eevil\x1b[31m.md", "evil-31m.md.html"),
    ("..md", "report.md.html"),
    (".md", "md.html"),  # a hidden file called ".md" has no suffix
    ("notes.html", "notes.html"),
])
def test_safe_name(source, expected):
    assert safe_name(source) == expected


def test_safe_name_is_short_in_bytes():
    name = safe_name("ü" * 300 + ".docx")
    assert len(name.encode("utf-8")) <= 140
    assert name.endswith(".docx.html")


def test_report_names_are_distinct():
    names = report_names(["a/draft.md", "b/draft.md", "c/Draft.md", "a/draft.md", "x/日本語.md", "y/日本語.md"])
    assert names == {
        "a/draft.md": "draft.md.html",
        "b/draft.md": "draft-2.md.html",
        "c/Draft.md": "Draft-3.md.html",
        "x/日本語.md": "日本語.md.html",
        "y/日本語.md": "日本語-2.md.html",
    }


# --- the terminal summary ------------------------------------------------------------------------


def test_text_summary_has_one_line_per_criterion(good, failing):
    text = render_text(good)
    assert text.splitlines()[0].startswith("drafts/good.md") and "PASS" in text.splitlines()[0]
    for c in good.criteria:
        assert c.title in text
    assert "FAIL" in render_text(failing).splitlines()[0]


def test_text_summary_strips_terminal_escapes_from_user_text():
    evil = "\x1b[2J\x1b]0;owned\x07"
    result = replace(_result_with(Evidence(f"quote {evil}", 1, 1, "page 1")), file=f"a{evil}\nb.md",
                     notes=(f"note {evil}",))
    result = replace(result, criteria=(replace(result.criteria[0], message=f"bad {evil}\nline"),))
    text = render_text(result)
    assert "\x1b" not in text and "\x07" not in text
    assert len(text.splitlines()) == 4  # header, one criterion, its suggestion, one note


def test_html_for_a_real_file_uses_only_its_name(tmp_path):
    result = replace(grade_text(GOOD), file=str(tmp_path / "secret-home-dir" / "draft.md"))
    page = Page(render_html(result, generated="T"))
    assert "draft.md" in page.all_text
    assert "secret-home-dir" not in page.all_text


def test_the_template_ships_inside_the_package():
    from importlib import resources

    assert (resources.files("grader") / "templates" / "report.html.j2").is_file()
    assert Path(html_report.__file__).parent.parent.joinpath("templates", "report.html.j2").is_file()


def test_a_file_name_that_is_not_utf8_still_gets_a_report(tmp_path):
    """A name with an undecodable byte (a surrogate escape in Python) is written as '?', not a crash."""
    import os

    from grader.grading import grade
    from grader.report.html import write_report

    raw = os.fsencode(str(tmp_path)) + b"/draft\xff.md"
    with open(raw, "w", encoding="utf-8") as fh:
        fh.write("# T\n\nWe should launch one-tap checkout.\n")
    target = write_report(grade(os.fsdecode(raw)), tmp_path / "out")
    assert target.is_file() and "draft" in target.read_text(encoding="utf-8")


def test_opening_marks_are_found_as_a_regex_alternation_finds_them():
    """The opening's highlights are located without compiling a pattern per draft; where they are found
    must be where an alternation of them, longest first, finds them (overlaps, repeats, prefixes)."""
    import random
    import re

    r = random.Random(3)
    words = ["ab", "a", "b", "abc", "c", "€2.3M", "we should", "should", " "]
    for _ in range(2000):
        text = "".join(r.choice(words) for _ in range(r.randint(0, 12)))
        marks = sorted({"".join(r.choice(words) for _ in range(r.randint(1, 3))) for _ in range(r.randint(1, 5))},
                       key=len, reverse=True)
        pattern = re.compile("|".join(re.escape(m) for m in marks))
        assert html_report._occurrences(text, marks) == [(m.start(), m.group(0)) for m in pattern.finditer(text)]
