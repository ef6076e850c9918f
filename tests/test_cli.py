"""The command line: exit statuses, one-line errors, JSON schema, reports, folders and colour."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from builders import docx_from_markdown
from click.testing import CliRunner
from drafts import BAD, GOOD, write

from grader import __version__
from grader.cli import main
from grader.discover import discover, drafts_in
from grader.errors import EXIT_FAIL, EXIT_PASS, EXIT_UNGRADABLE, EXIT_USAGE

ANSI = re.compile(r"\x1b\[")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"NO_COLOR": None})


def stderr_lines(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.strip()]


def assert_no_traceback(result) -> None:
    assert "Traceback" not in result.stdout + result.stderr
    # A usage error or sys.exit is fine; anything else escaping the command is a crash.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


# --- exit statuses -------------------------------------------------------------------------------


def test_version_in_a_real_subprocess():
    proc = subprocess.run([sys.executable, "-m", "grader", "--version"], capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"grader, version {__version__}"


def test_every_criterion_passes_exits_0(runner, tmp_path):
    draft = write(tmp_path / "good.md", GOOD)
    result = runner.invoke(main, ["check", str(draft)])
    assert result.exit_code == EXIT_PASS, result.output
    assert "PASS" in result.stdout
    assert result.stderr == ""


def test_a_failing_criterion_exits_1(runner, tmp_path):
    draft = write(tmp_path / "bad.md", BAD)
    result = runner.invoke(main, ["check", str(draft)])
    assert result.exit_code == EXIT_FAIL, result.output
    assert "FAIL" in result.stdout
    assert "✗" in result.stdout
    assert result.stderr == ""


def _not_a_pdf(tmp_path: Path) -> Path:
    return write(tmp_path / "x.pdf", b"not a pdf")


def _empty_docx(tmp_path: Path) -> Path:
    return write(tmp_path / "empty.docx", b"")


def _zip_not_word(tmp_path: Path) -> Path:
    path = tmp_path / "notword.docx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a.txt", "hello")
    return path


def _missing(tmp_path: Path) -> Path:
    return tmp_path / "missing.pdf"


def _empty_md(tmp_path: Path) -> Path:
    return write(tmp_path / "empty.md", b"")


def _legacy_doc(tmp_path: Path) -> Path:
    return write(tmp_path / "old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)


def _newline_in_name(tmp_path: Path) -> Path:
    return tmp_path / "two\nlines \x1b[31mred.pdf"  # missing, and its name tries to break the line


@pytest.mark.parametrize("make", [_not_a_pdf, _empty_docx, _zip_not_word, _missing, _empty_md, _legacy_doc,
                                  _newline_in_name])
def test_an_unreadable_file_exits_2_with_one_line(runner, tmp_path, make):
    path = make(tmp_path)
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == EXIT_UNGRADABLE, result.output
    lines = stderr_lines(result)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("grader:")
    assert "\x1b" not in result.stderr
    assert_no_traceback(result)
    assert result.stdout == ""


def test_a_docx_with_no_text_exits_2(runner, tmp_path):
    import docx

    path = tmp_path / "blank.docx"
    docx.Document().save(str(path))
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == EXIT_UNGRADABLE


def test_an_internal_error_is_one_line_not_a_traceback(runner, tmp_path, monkeypatch):
    import grader.grading

    def boom(path, rubric=None):
        raise RuntimeError("kaboom\nsecond line")

    monkeypatch.setattr(grader.grading, "grade", boom)
    draft = write(tmp_path / "good.md", GOOD)
    result = runner.invoke(main, ["check", str(draft)])
    assert result.exit_code == EXIT_UNGRADABLE
    lines = stderr_lines(result)
    assert len(lines) == 1 and lines[0].startswith("grader:")
    assert "internal RuntimeError" in lines[0]
    assert_no_traceback(result)


def test_a_malformed_rubric_exits_3(runner, tmp_path):
    rubric = write(tmp_path / "broken.toml", 'name = "broken"\ntitle = \n')
    draft = write(tmp_path / "good.md", GOOD)
    result = runner.invoke(main, ["check", "--rubric", str(rubric), str(draft)])
    assert result.exit_code == EXIT_USAGE, result.output
    lines = stderr_lines(result)
    assert len(lines) == 1 and lines[0].startswith("grader:")
    assert str(rubric) in lines[0]
    assert_no_traceback(result)


def test_an_unknown_rubric_name_exits_3(runner, tmp_path):
    draft = write(tmp_path / "good.md", GOOD)
    result = runner.invoke(main, ["check", "-r", "no-such-rubric", str(draft)])
    assert result.exit_code == EXIT_USAGE
    lines = stderr_lines(result)
    assert len(lines) == 1 and "klarna-take-home" in lines[0]


@pytest.mark.parametrize("args", [[], ["check"], ["report"], ["check", "--format", "xml", "x.md"], ["nope"]])
def test_bad_usage_exits_3_not_2(runner, args):
    # click's own status for usage errors is 2, which here means "a file cannot be graded".
    result = runner.invoke(main, args)
    assert result.exit_code == EXIT_USAGE, result.output
    assert_no_traceback(result)


def test_help_exits_0(runner):
    result = runner.invoke(main, ["check", "--help"])
    assert result.exit_code == 0
    assert "FILES_OR_FOLDERS" in result.stdout


def test_a_batch_grades_the_good_file_after_the_bad_one(runner, tmp_path):
    bad = write(tmp_path / "x.pdf", b"not a pdf")
    good = write(tmp_path / "good.md", GOOD)
    result = runner.invoke(main, ["check", str(bad), str(good)])
    assert result.exit_code == EXIT_UNGRADABLE
    lines = stderr_lines(result)
    assert len(lines) == 1 and lines[0].startswith(f"grader: {bad}")
    assert str(good) in result.stdout and "PASS" in result.stdout


def test_a_batch_status_is_the_worst_one(runner, tmp_path):
    good = write(tmp_path / "good.md", GOOD)
    bad = write(tmp_path / "bad.md", BAD)
    result = runner.invoke(main, ["check", str(good), str(bad)])
    assert result.exit_code == EXIT_FAIL
    assert result.stdout.count("PASS") == 1 and result.stdout.count("FAIL") == 1


def test_quiet_prints_only_failures(runner, tmp_path):
    good = write(tmp_path / "good.md", GOOD)
    bad = write(tmp_path / "bad.md", BAD)
    result = runner.invoke(main, ["check", "-q", str(good), str(bad)])
    assert str(good) not in result.stdout
    assert str(bad) in result.stdout


# --- JSON ----------------------------------------------------------------------------------------


def check_schema(obj: dict) -> None:
    assert {"schema", "file", "rubric", "score", "passed", "pages", "page_count_method", "criteria"} <= obj.keys()
    assert obj["schema"] == 1
    assert isinstance(obj["file"], str) and isinstance(obj["rubric"], str)
    assert isinstance(obj["score"], int | float) and 0 <= obj["score"] <= 100
    assert isinstance(obj["passed"], bool)
    assert isinstance(obj["pages"], int) and obj["pages"] >= 1
    assert isinstance(obj["page_count_method"], str)
    assert obj["criteria"]
    for c in obj["criteria"]:
        assert {"id", "passed", "message", "suggestion", "evidence"} <= c.keys()
        assert isinstance(c["id"], str) and isinstance(c["passed"], bool)
        assert isinstance(c["message"], str) and isinstance(c["suggestion"], str)
        for e in c["evidence"]:
            assert {"text", "page", "paragraph"} <= e.keys()
            assert isinstance(e["text"], str) and isinstance(e["page"], int) and isinstance(e["paragraph"], int)


def test_json_output_follows_the_schema(runner, tmp_path):
    draft = write(tmp_path / "good.md", GOOD)
    result = runner.invoke(main, ["check", "--format", "json", str(draft)])
    assert result.exit_code == EXIT_PASS
    obj = json.loads(result.stdout)
    check_schema(obj)
    assert obj["file"] == str(draft)
    assert obj["rubric"] == "klarna-take-home"
    assert obj["passed"] is True and obj["score"] == 100
    assert any(c["evidence"] for c in obj["criteria"])
    assert "€2.3M" in result.stdout  # not \u20ac: the JSON stays readable


def test_json_for_a_batch_is_a_list_with_error_objects(runner, tmp_path):
    bad = write(tmp_path / "x.pdf", b"not a pdf")
    fail = write(tmp_path / "bad.md", BAD)
    result = runner.invoke(main, ["check", "-f", "json", str(bad), str(fail)])
    assert result.exit_code == EXIT_UNGRADABLE
    objs = json.loads(result.stdout)
    assert [o["file"] for o in objs] == [str(bad), str(fail)]
    assert objs[0]["error"] is True and objs[0]["passed"] is False and "not a PDF" in objs[0]["message"]
    check_schema(objs[1])
    assert objs[1]["passed"] is False
    assert len(stderr_lines(result)) == 1


# --- reports -------------------------------------------------------------------------------------


def test_report_writes_one_html_per_file(runner, tmp_path):
    good = write(tmp_path / "in" / "good.md", GOOD)
    bad = write(tmp_path / "in" / "bad.md", BAD)
    out = tmp_path / "out"
    result = runner.invoke(main, ["report", str(good), str(bad), "-o", str(out)])
    assert result.exit_code == EXIT_FAIL, result.output
    assert sorted(p.name for p in out.iterdir()) == ["bad.md.html", "good.md.html"]
    assert "<h1>good.md</h1>" in (out / "good.md.html").read_text(encoding="utf-8")
    assert f"→ {out / 'good.md.html'}" in result.stdout


HOSTILE = [
    "<img src=x onerror=alert(1)>.md",
    '" onmouseover="x.md',
    "javascript:alert(1).md",
    "{{ 7*7 }}.md",
    "my draft (final) v2.md",
    "Entwurf für Ünternehmen – 日本語.md",
    "-rf --help.md",
    "..md",
    "\u202eevil\x1b[31m.md",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_report_names_are_safe_for_hostile_input_names(runner, tmp_path, name):
    draft = write(tmp_path / "in" / name, GOOD)
    out = tmp_path / "out"
    result = runner.invoke(main, ["report", str(draft), "-o", str(out)])
    assert result.exit_code == EXIT_PASS, result.output
    written = list(out.iterdir())
    assert len(written) == 1
    report = written[0]
    assert report.parent == out
    assert re.fullmatch(r"[\w][\w.-]*\.html", report.name), report.name
    assert not set(report.name) & set("<>\"'`{} /\\:$\x1b\u202e")
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == [name]  # nothing written next to the input


def test_report_for_a_script_tag_name_stays_in_the_output_folder(runner, tmp_path):
    # "/" cannot be in a file name, so "<script>alert(1)</script>.md" is a folder and a file.
    draft = write(tmp_path / "<script>alert(1)<" / "script>.md", GOOD)
    out = tmp_path / "out"
    result = runner.invoke(main, ["report", str(draft), "-o", str(out)])
    assert result.exit_code == EXIT_PASS, result.output
    assert [p.name for p in out.iterdir()] == ["script.md.html"]
    html = (out / "script.md.html").read_text(encoding="utf-8")
    assert "<script" not in html and "script&gt;.md" in html


def test_reports_for_same_named_files_do_not_overwrite_each_other(runner, tmp_path):
    a = write(tmp_path / "a" / "draft.md", GOOD)
    b = write(tmp_path / "b" / "draft.md", BAD)
    out = tmp_path / "out"
    result = runner.invoke(main, ["report", str(a), str(b), "-o", str(out)])
    assert result.exit_code == EXIT_FAIL
    assert sorted(p.name for p in out.iterdir()) == ["draft-2.md.html", "draft.md.html"]
    assert "Ready to send" in (out / "draft.md.html").read_text(encoding="utf-8")
    assert "Not ready" in (out / "draft-2.md.html").read_text(encoding="utf-8")


def test_report_into_a_file_is_bad_usage(runner, tmp_path):
    draft = write(tmp_path / "good.md", GOOD)
    blocker = write(tmp_path / "out", "i am a file")
    result = runner.invoke(main, ["report", str(draft), "-o", str(blocker)])
    assert result.exit_code == EXIT_USAGE
    assert blocker.read_text() == "i am a file"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs a non-root POSIX user")
def test_report_into_an_unwritable_folder_is_one_line(runner, tmp_path):
    draft = write(tmp_path / "good.md", GOOD)
    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(0o500)
    try:
        result = runner.invoke(main, ["report", str(draft), "-o", str(out)])
    finally:
        out.chmod(0o700)
    assert result.exit_code == EXIT_USAGE
    assert len(stderr_lines(result)) == 1
    assert_no_traceback(result)


def test_report_with_a_bad_file_still_writes_the_good_one(runner, tmp_path):
    bad = write(tmp_path / "x.pdf", b"not a pdf")
    good = write(tmp_path / "good.md", GOOD)
    out = tmp_path / "out"
    result = runner.invoke(main, ["report", str(bad), str(good), "-o", str(out)])
    assert result.exit_code == EXIT_UNGRADABLE
    assert [p.name for p in out.iterdir()] == ["good.md.html"]
    assert len(stderr_lines(result)) == 1


# --- folders -------------------------------------------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "drafts"
    docx_from_markdown(root / "b.docx", GOOD)
    docx_from_markdown(root / "a" / "z.docx", BAD)
    write(root / "a" / "x.md", GOOD)  # a folder stands for PDF and DOCX drafts only
    write(root / "a" / "y.PDF", b"not a pdf")
    write(root / "c.docx", b"")
    write(root / "README.md", "# not a draft")
    write(root / "notes.txt", "not a draft")
    write(root / "report.html", "<p>not a draft</p>")
    write(root / "~$c.docx", b"lock")
    write(root / ".hidden" / "h.md", GOOD)
    write(root / ".h.md", GOOD)
    return root


def test_discover_searches_folders_recursively_in_sorted_order(tree):
    found = discover([tree])
    rel = [os.path.relpath(p, tree) for p in found.files]
    assert rel == [os.path.join("a", "y.PDF"), os.path.join("a", "z.docx"), "b.docx", "c.docx"]
    assert found.empty_folders == ()


def test_discover_keeps_explicit_files_and_their_order(tree, tmp_path):
    odd = write(tmp_path / "draft.txt", GOOD)
    found = discover([str(tree / "b.docx"), str(odd), str(tmp_path / "missing.pdf"), str(tree)])
    assert found.files[:3] == (str(tree / "b.docx"), str(odd), str(tmp_path / "missing.pdf"))
    assert found.files.count(str(tree / "b.docx")) == 1  # named twice, graded once
    assert len(found.files) == 6


def test_discover_reports_empty_folders(tmp_path):
    empty = tmp_path / "empty"
    write(empty / "readme.txt", "nothing to grade")
    assert discover([empty]).empty_folders == (str(empty),)
    assert drafts_in(empty) == []


def test_discover_does_not_follow_symlinked_folders(tmp_path):
    root = tmp_path / "root"
    write(root / "a.pdf", b"%PDF-1.4")
    try:
        (root / "loop").symlink_to(root, target_is_directory=True)
    except OSError:
        pytest.skip("symlinks not available")
    assert [os.path.basename(p) for p in drafts_in(root)] == ["a.pdf"]


def test_check_accepts_a_folder(runner, tree):
    result = runner.invoke(main, ["check", str(tree)])
    assert result.exit_code == EXIT_UNGRADABLE
    graded = [line.split(" · ")[0] for line in result.stdout.splitlines() if " · score " in line]
    assert graded == [str(tree / "a" / "z.docx"), str(tree / "b.docx")]
    errors = stderr_lines(result)
    assert len(errors) == 2 and all(e.startswith("grader:") for e in errors)
    assert "y.PDF" in errors[0] and "c.docx" in errors[1]


def test_check_an_empty_folder_is_one_error_line(runner, tmp_path):
    (tmp_path / "empty").mkdir()
    result = runner.invoke(main, ["check", str(tmp_path / "empty")])
    assert result.exit_code == EXIT_UNGRADABLE
    lines = stderr_lines(result)
    assert len(lines) == 1 and lines[0].startswith("grader:") and "no .pdf or .docx files" in lines[0]


def test_report_accepts_a_folder(runner, tmp_path):
    root = tmp_path / "drafts"
    docx_from_markdown(root / "one" / "draft.docx", GOOD)
    docx_from_markdown(root / "two" / "draft.docx", BAD)
    out = tmp_path / "out"
    result = runner.invoke(main, ["report", str(root), "-o", str(out)])
    assert result.exit_code == EXIT_FAIL, result.output
    assert sorted(p.name for p in out.iterdir()) == ["draft-2.docx.html", "draft.docx.html"]


# --- colour --------------------------------------------------------------------------------------


def test_colour_is_used_when_forced(runner, tmp_path):
    # The control for the NO_COLOR tests: with colour forced, escapes are there to remove.
    bad = write(tmp_path / "bad.md", BAD)
    result = runner.invoke(main, ["check", str(bad), str(tmp_path / "x.pdf")], color=True)
    assert ANSI.search(result.stdout) and ANSI.search(result.stderr)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_color_wins_even_when_colour_is_forced(tmp_path, fmt):
    runner = CliRunner(env={"NO_COLOR": "1"})
    good = write(tmp_path / "good.md", GOOD)
    bad = write(tmp_path / "bad.md", BAD)
    result = runner.invoke(main, ["check", "-f", fmt, str(good), str(bad), str(tmp_path / "x.pdf")], color=True)
    assert result.exit_code == EXIT_UNGRADABLE
    assert not ANSI.search(result.stdout), result.stdout
    assert not ANSI.search(result.stderr), result.stderr


def test_no_color_for_a_broken_rubric(tmp_path):
    runner = CliRunner(env={"NO_COLOR": "1"})
    rubric = write(tmp_path / "broken.toml", "name = ")
    result = runner.invoke(main, ["check", "-r", str(rubric), str(tmp_path / "x.md")], color=True)
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.startswith("grader:") and not ANSI.search(result.stderr)


def test_empty_no_color_does_not_disable_colour(tmp_path):
    # no-color.org: only a NO_COLOR that is set and non-empty disables colour.
    runner = CliRunner(env={"NO_COLOR": ""})
    bad = write(tmp_path / "bad.md", BAD)
    result = runner.invoke(main, ["check", str(bad)], color=True)
    assert ANSI.search(result.stdout)
