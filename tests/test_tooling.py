"""Pre-submission tooling: check's CI options, JUnit XML, watch, rubric tooling, explain, colour, completion."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner
from drafts import BAD, DOLLARS, GOOD, write

import grader.cli.watch as cli_watch
from grader.cli import main
from grader.criteria import REGISTRY
from grader.errors import EXIT_FAIL, EXIT_PASS, EXIT_UNGRADABLE, EXIT_USAGE
from grader.grading import grade
from grader.report.junit import Ungraded, render_junit
from grader.rubric import load_rubric
from grader.watch import Graded, watch

NEURAL = GOOD.replace("one logistic regression with default settings; it is simple and explainable, adds under 5ms "
                      "to checkout latency, and every decline carries a reason code we can show the customer.",
                      "a five-layer deep neural network; it adds under 5ms to checkout latency.")  # a warning

TESTS = Path(__file__).parent
DOLLAR_RUBRIC = TESTS / "rubrics" / "dollar-impact-two-page.toml"
ANSI = re.compile(r"\x1b\[")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"NO_COLOR": "1", "GRADER_RENDERER": None})


@pytest.fixture(autouse=True)
def _no_config(tmp_path, monkeypatch):
    """Run from an empty folder, so no pyproject.toml or grader.toml of the developer's takes part."""
    home = tmp_path / "cwd"
    home.mkdir()
    monkeypatch.chdir(home)


def one_error_line(result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("grader:") and "Traceback" not in result.output
    return lines[0]


# --- --fail-under, --only, --skip ----------------------------------------------------------------


def test_fail_under_lets_the_score_decide(runner, tmp_path):
    draft = write(tmp_path / "dollars.md", DOLLARS)
    assert runner.invoke(main, ["check", str(draft)]).exit_code == EXIT_FAIL
    passing = runner.invoke(main, ["check", str(draft), "--fail-under", "80"])
    assert passing.exit_code == EXIT_PASS, passing.output
    assert "✓ score 80/100 meets the fail-under score of 80" in passing.stdout
    failing = runner.invoke(main, ["check", str(draft), "--fail-under", "80.5"])
    assert failing.exit_code == EXIT_FAIL
    assert "✗ score 80/100 is below the fail-under score of 80.5" in failing.stdout


def test_fail_under_out_of_range_is_usage(runner, tmp_path):
    result = runner.invoke(main, ["check", str(write(tmp_path / "d.md", GOOD)), "--fail-under", "101"])
    assert result.exit_code == EXIT_USAGE


def test_quiet_with_fail_under_hides_accepted_drafts(runner, tmp_path):
    draft = write(tmp_path / "dollars.md", DOLLARS)
    result = runner.invoke(main, ["check", "-q", str(draft), "--fail-under", "70"])
    assert result.exit_code == EXIT_PASS and result.stdout == ""


def test_only_and_skip_pick_the_criteria(runner, tmp_path):
    draft = write(tmp_path / "bad.md", BAD)
    only = runner.invoke(main, ["check", str(draft), "-f", "json", "--only", "page-limit", "--only", "euro-impact"])
    obj = json.loads(only.stdout)
    assert [c["id"] for c in obj["criteria"]] == ["euro-impact", "page-limit"]  # in rubric order
    assert obj["score"] == pytest.approx(100 * 10 / 30, abs=0.1) and only.exit_code == EXIT_FAIL
    skip = runner.invoke(main, ["check", str(draft), "-f", "json", "--skip", "euro-impact", "--skip", "page-limit"])
    ids = [c["id"] for c in json.loads(skip.stdout)["criteria"]]
    assert len(ids) == len(REGISTRY) - 2 and "euro-impact" not in ids and "page-limit" not in ids
    passing = runner.invoke(main, ["check", str(draft), "--only", "page-limit", "--only", "no-grid-search"])
    assert passing.exit_code == EXIT_PASS, passing.output


def test_narrowing_does_not_leak_into_a_full_grade(runner, tmp_path):
    # Compiled vocabularies are cached per rubric; a narrowed rubric must not stand in for the whole one.
    draft = write(tmp_path / "good.md", GOOD)
    runner.invoke(main, ["check", str(draft), "--only", "page-limit"])
    full = json.loads(runner.invoke(main, ["check", str(draft), "-f", "json"]).stdout)
    assert full["passed"] and full["score"] == 100


@pytest.mark.parametrize("flag", ["--only", "--skip"])
def test_an_unknown_criterion_is_usage_naming_the_valid_ids(runner, tmp_path, flag):
    result = runner.invoke(main, ["check", str(write(tmp_path / "d.md", GOOD)), flag, "euro-impakt"])
    assert result.exit_code == EXIT_USAGE
    assert "euro-impakt" in result.stderr
    assert all(cid in result.stderr for cid in REGISTRY)


def test_only_and_skip_that_leave_nothing_is_usage(runner, tmp_path):
    result = runner.invoke(main, ["check", str(write(tmp_path / "d.md", GOOD)), "--only", "page-limit",
                                  "--skip", "page-limit"])
    assert result.exit_code == EXIT_USAGE
    assert "leave no criterion" in one_error_line(result)


def test_report_takes_the_ci_options(runner, tmp_path):
    draft = write(tmp_path / "dollars.md", DOLLARS)
    out = tmp_path / "out"
    result = runner.invoke(main, ["report", str(draft), "-o", str(out), "--fail-under", "75"])
    assert result.exit_code == EXIT_PASS, result.output
    assert result.stdout.startswith("✓ ") and (out / "dollars.md.html").is_file()
    only = runner.invoke(main, ["report", str(draft), "-o", str(out), "--only", "euro-impact"])
    assert only.exit_code == EXIT_FAIL and "0/100" in only.stdout


# --- --format html and junit ---------------------------------------------------------------------


def test_format_html_prints_the_report(runner, tmp_path):
    draft = write(tmp_path / "good.md", GOOD)
    result = runner.invoke(main, ["check", str(draft), "--format", "html"])
    assert result.exit_code == EXIT_PASS
    assert result.stdout.lstrip().lower().startswith("<!doctype html>")
    assert "<h1>good.md</h1>" in result.stdout and "Ready to send" in result.stdout


def test_format_html_takes_one_document(runner, tmp_path):
    a, b = write(tmp_path / "a.md", GOOD), write(tmp_path / "b.md", BAD)
    result = runner.invoke(main, ["check", str(a), str(b), "--format", "html"])
    assert result.exit_code == EXIT_USAGE
    assert "grader report" in result.stderr


def test_format_junit_has_a_suite_per_document_and_a_case_per_criterion(runner, tmp_path):
    good, bad = write(tmp_path / "good.md", GOOD), write(tmp_path / "bad.md", BAD)
    neural, broken = write(tmp_path / "neural.md", NEURAL), write(tmp_path / "x.pdf", b"not a pdf")
    result = runner.invoke(main, ["check", "-f", "junit", str(good), str(bad), str(neural), str(broken)])
    assert result.exit_code == EXIT_UNGRADABLE
    root = ET.fromstring(result.stdout)
    assert root.tag == "testsuites"
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert list(suites) == [str(good), str(bad), str(neural), str(broken)]
    n = len(REGISTRY)
    assert [len(suites[str(p)].findall("testcase")) for p in (good, bad, neural)] == [n, n, n]
    assert suites[str(good)].get("failures") == "0"
    bad_failures = suites[str(bad)].findall("testcase/failure")
    assert int(suites[str(bad)].get("failures")) == len(bad_failures) >= 3
    euro = next(c for c in suites[str(bad)].findall("testcase") if c.get("name").startswith("euro-impact:"))
    failure = euro.find("failure")
    assert failure.get("message").startswith("No euro amount found") and "fix:" in failure.text
    # A failed warning does not fail the draft: a passing case whose output starts "warning:".
    simple = next(c for c in suites[str(neural)].findall("testcase") if c.get("name").startswith("simple-model:"))
    assert simple.find("failure") is None and simple.find("system-out").text.startswith("warning:")
    assert suites[str(neural)].get("failures") == "0"
    error = suites[str(broken)].find("testcase/error")
    assert "not a PDF" in error.get("message") and suites[str(broken)].get("errors") == "1"
    assert root.get("tests") == str(3 * n + 1) and root.get("errors") == "1"
    assert root.get("failures") == str(len(bad_failures))
    properties = {p.get("name"): p.get("value") for p in suites[str(bad)].iter("property")}
    assert properties["rubric"] == "klarna-take-home" and properties["passed"] == "false"


def test_junit_adds_a_score_case_with_fail_under(runner, tmp_path):
    draft = write(tmp_path / "dollars.md", DOLLARS)
    result = runner.invoke(main, ["check", "-f", "junit", str(draft), "--fail-under", "90"])
    assert result.exit_code == EXIT_FAIL
    suite = ET.fromstring(result.stdout).find("testsuite")
    score = suite.findall("testcase")[-1]
    assert score.get("name") == "score: at least 90"
    assert score.find("failure").get("message") == "score 80/100 is below --fail-under 90"
    assert suite.get("failures") == "2"  # euro-impact and the score


def test_junit_stays_valid_xml_for_hostile_names_and_quotes(tmp_path):
    name = "evil\x1b[31m <&> \"'\x00.md"
    result = grade(write(tmp_path / "d.md", BAD.replace("many features", "<b>many</b> & \x07features")))
    xml = render_junit([result, Ungraded(name, "broken \x0c line")])
    root = ET.fromstring(xml)  # parses: no control characters, everything escaped
    assert root.findall("testsuite")[1].get("name") == "evil?[31m <&> \"'?.md"
    assert "<b>many</b>" in "".join(root.itertext())


# --- watch ---------------------------------------------------------------------------------------


class Saves:
    """A clock for watch(): each sleep saves the next version of the file (None: no save)."""

    def __init__(self, path: Path, versions: list[str | None]) -> None:
        self.path, self.versions, self.calls = path, list(versions), 0

    def __call__(self, seconds: float) -> None:
        assert seconds == 0.5
        self.calls += 1
        if self.versions:
            text = self.versions.pop(0)
            if text is not None:
                self.path.write_text(text, encoding="utf-8")
                stamp = 1_000_000_000 + self.calls  # a distinct mtime even within the clock's resolution
                os.utime(self.path, (stamp, stamp))


def test_watch_regrades_on_save_and_reports_what_changed(tmp_path, rubric):
    path = write(tmp_path / "draft.md", BAD)
    events: list[Graded] = []
    saves = Saves(path, [None, GOOD, None, DOLLARS, DOLLARS + "\n"])
    count = watch(path, lambda p: grade(p, rubric), events.append, sleep=saves, max_polls=6)
    assert saves.calls == 6 and count == 4
    first, fixed, dollars, same = events
    assert first.change is None and first.result.score == 25
    assert fixed.change.score_text() == "score 25 → 100 (+75)"
    flipped = {c.id: (c.before, c.after) for c in fixed.change.criteria}
    assert flipped["euro-impact"] == ("fail", "pass") and "page-limit" not in flipped
    assert dollars.change.delta == -20 and [c.text() for c in dollars.change.criteria] == ["euro-impact ✓ → ✗"]
    assert same.change.delta == 0 and same.change.criteria == ()


def test_watch_survives_a_missing_file_and_a_broken_save(tmp_path, rubric):
    path = write(tmp_path / "draft.md", BAD)
    events: list[Graded] = []

    def sleep(seconds: float) -> None:
        sleep.calls += 1
        if sleep.calls == 1:
            path.unlink()  # an editor saving by rename: the file is briefly gone
        elif sleep.calls == 2:
            write(path, "")  # saved empty: cannot be graded
        elif sleep.calls == 3:
            write(path, GOOD)

    sleep.calls = 0
    watch(path, lambda p: grade(p, rubric), events.append, sleep=sleep, max_polls=4,
          describe_error=lambda exc: type(exc).__name__)
    assert [e.number for e in events] == [1, 2, 3]
    assert events[1].result is None and events[1].error
    assert events[2].change.score_text() == "score 25 → 100 (+75)"  # against the last grade that worked


def test_check_watch_prints_changes_and_exits_0_on_ctrl_c(runner, tmp_path, monkeypatch):
    path = write(tmp_path / "draft.md", BAD)

    def sleep(seconds: float) -> None:
        sleep.calls += 1
        if sleep.calls == 2:
            write(path, GOOD)
        if sleep.calls == 4:
            raise KeyboardInterrupt

    sleep.calls = 0
    monkeypatch.setattr(cli_watch, "sleep", sleep)
    result = runner.invoke(main, ["check", "--watch", str(path)])
    assert result.exit_code == EXIT_PASS, result.output
    assert result.stdout.count(" · score 25/100 · FAIL") == 1  # the first grade in full
    assert f"{path} saved · score 25 → 100 (+75)" in result.stdout
    assert "  euro-impact ✗ → ✓  Impact in euros: '€2.3M' (page 1, ¶2)." in result.stdout
    assert "watching" in result.stderr and "stopped watching" in result.stderr


@pytest.mark.parametrize("args", [["a.md", "b.md"], ["folder"], ["a.md", "-f", "json"], ["missing.md"]])
def test_check_watch_usage(runner, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "a.md", GOOD)
    write(tmp_path / "b.md", GOOD)
    write(tmp_path / "folder" / "c.md", GOOD)
    result = runner.invoke(main, ["check", "--watch", *args])
    assert result.exit_code == EXIT_USAGE, result.output


# --- rubrics -------------------------------------------------------------------------------------


def test_rubrics_list(runner):
    result = runner.invoke(main, ["rubrics", "list"])
    assert result.exit_code == EXIT_PASS
    line = next(line for line in result.stdout.splitlines() if line.startswith("klarna-take-home "))
    assert "Klarna data-science take-home" in line and f"{len(REGISTRY)} criteria" in line
    assert line.endswith("klarna-take-home.toml")


def test_rubrics_show(runner):
    result = runner.invoke(main, ["rubrics", "show", "klarna-take-home"])
    assert result.exit_code == EXIT_PASS
    out = result.stdout
    assert all(cid in out for cid in REGISTRY)
    assert re.search(r"page-limit\s+10\s+10\.0\s+error\s+max_pages = 3", out)
    assert re.search(r"simple-model\s+2\s+2\.0\s+warning", out)


def test_rubrics_show_a_rubric_that_extends_and_disables(runner, tmp_path):
    child = write(tmp_path / "child.toml", 'extends = "klarna-take-home"\nname = "child"\ntitle = "Child"\n'
                                           "[criteria.chart-restraint]\nenabled = false\n")
    out = runner.invoke(main, ["rubrics", "show", str(child)]).stdout
    assert "extends: klarna-take-home" in out and "disabled: chart-restraint" in out


def test_rubrics_show_an_unknown_name_is_usage(runner):
    result = runner.invoke(main, ["rubrics", "show", "nope"])
    assert result.exit_code == EXIT_USAGE and "klarna-take-home" in one_error_line(result)


def test_rubrics_validate(runner, tmp_path):
    ok = runner.invoke(main, ["rubrics", "validate", str(DOLLAR_RUBRIC)])
    assert ok.exit_code == EXIT_PASS and "valid" in ok.stdout
    broken = write(tmp_path / "broken.toml", 'extends = "klarna-take-home"\nname = "b"\ntitle = "B"\n'
                                             "[criteria.page-limit]\nmax_pages = \"three\"\n")
    result = runner.invoke(main, ["rubrics", "validate", str(broken)])
    assert result.exit_code == EXIT_USAGE and result.stdout == ""
    line = one_error_line(result)
    assert str(broken) in line and "criteria.page-limit.max_pages" in line


def test_rubrics_new_scaffolds_a_rubric_that_extends_the_default(runner, tmp_path):
    out = tmp_path / "rubrics"
    result = runner.invoke(main, ["rubrics", "new", "acme-take-home", "-o", str(out)])
    assert result.exit_code == EXIT_PASS, result.output
    path = out / "acme-take-home.toml"
    text = path.read_text(encoding="utf-8")
    assert 'extends = "klarna-take-home"' in text and 'name = "acme-take-home"' in text
    new, base = load_rubric(str(path)), load_rubric()
    assert new.name == "acme-take-home"
    assert [(c.id, c.weight, dict(c.settings)) for c in new.criteria] == \
        [(c.id, c.weight, dict(c.settings)) for c in base.criteria]
    # The commented examples are valid rubric text: uncommented, they load and change what they say.
    examples, _, _ = text.partition("sets today")
    uncommented = "\n".join(line[2:] if line.startswith("# [") or re.match(r"# [a-z_]+ = ", line) else line
                            for line in examples.splitlines()[:-1])
    edited = write(tmp_path / "edited" / "acme.toml", uncommented)
    rub = load_rubric(str(edited))
    assert rub.criterion("page-limit").settings["max_pages"] == 2
    assert "chart-restraint" not in [c.id for c in rub.criteria]
    assert rub.criterion("product-constraints").severity == "warning"
    assert rub.pass_score == 80


def test_rubrics_new_refuses_to_overwrite(runner, tmp_path):
    target = write(tmp_path / "mine.toml", "# my work\n")
    result = runner.invoke(main, ["rubrics", "new", "mine", "-o", str(tmp_path)])
    assert result.exit_code == EXIT_USAGE
    assert "already exists" in one_error_line(result)
    assert target.read_text(encoding="utf-8") == "# my work\n"


def test_rubrics_new_from_a_rubric_file(runner, tmp_path):
    out = tmp_path / "elsewhere"
    result = runner.invoke(main, ["rubrics", "new", "stricter", "--from", str(TESTS / "rubrics" / "dollar-two-page.toml"),
                                  "-o", str(out)])
    assert result.exit_code == EXIT_PASS, result.output
    rub = load_rubric(str(out / "stricter.toml"))
    assert rub.criterion("page-limit").settings["max_pages"] == 2
    assert "max_pages = 2" in (out / "stricter.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", ["../escape", "Has Spaces", ""])
def test_rubrics_new_refuses_unusable_names(runner, tmp_path, name):
    result = runner.invoke(main, ["rubrics", "new", name, "-o", str(tmp_path)])
    assert result.exit_code == EXIT_USAGE
    assert list(tmp_path.iterdir()) == [tmp_path / "cwd"]


# --- a rubric for another company ----------------------------------------------------------------


def test_the_dollar_rubric_counts_dollar_impact_where_the_default_fails(tmp_path):
    draft = write(tmp_path / "dollars.md", DOLLARS)
    default = grade(draft)
    assert not default.passed and [c.id for c in default.failed] == ["euro-impact"]
    dollar = grade(draft, str(DOLLAR_RUBRIC))
    assert dollar.passed and dollar.score == 100
    impact = next(c for c in dollar.criteria if c.id == "euro-impact")
    assert impact.passed and impact.title == "Impact quantified in dollars" and "'$2.3M'" in impact.message


def test_the_dollar_rubric_treats_euros_as_another_currency(tmp_path):
    euros = DOLLARS.replace("$2.3M", "€2.3M")
    impact = next(c for c in grade(write(tmp_path / "euros.md", euros), str(DOLLAR_RUBRIC)).criteria
                  if c.id == "euro-impact")
    assert not impact.passed and "another currency" in impact.message and "€2.3M" in impact.message


def test_the_dollar_rubric_keeps_the_two_page_limit(tmp_path):
    pages = "\n<!-- pagebreak -->\n\n".join([DOLLARS, "More detail on the model and the data.\n",
                                             "An appendix of tables.\n"])
    result = grade(write(tmp_path / "three.md", pages), str(DOLLAR_RUBRIC))
    assert [c.id for c in result.failed] == ["page-limit"]


def test_the_dollar_rubric_reads_us_compliance_words(tmp_path):
    text = DOLLARS.replace("adds under 5ms to checkout latency, and every decline carries a reason code we can "
                           "show the customer", "and the decline flow follows ECOA and FCRA")
    result = grade(write(tmp_path / "us.md", text), str(DOLLAR_RUBRIC))
    constraints = next(c for c in result.criteria if c.id == "product-constraints")
    assert constraints.passed, constraints.message


# --- explain -------------------------------------------------------------------------------------


def test_explain_a_criterion(runner):
    result = runner.invoke(main, ["explain", "euro-impact"])
    assert result.exit_code == EXIT_PASS
    out = result.stdout
    assert "euro-impact · Impact quantified in euros" in out
    assert "weight 20 (20.0 of 100 points), severity error" in out
    assert "back-of-envelope money" in out  # from the module docstring
    assert "✓ This could recover roughly €2.3M in lost revenue annually." in out
    assert "✗ The change is worth about $2.5M a year." in out


def test_explain_uses_the_rubric(runner):
    result = runner.invoke(main, ["explain", "euro-impact", "--rubric", str(DOLLAR_RUBRIC)])
    assert "Impact quantified in dollars" in result.stdout and "weight 15" in result.stdout
    off = runner.invoke(main, ["explain", "simple-model", "-r", str(DOLLAR_RUBRIC)])
    assert "severity warning" in off.stdout


def test_explain_a_disabled_criterion(runner, tmp_path):
    child = write(tmp_path / "c.toml", 'extends = "klarna-take-home"\nname = "c"\ntitle = "C"\n'
                                       "[criteria.page-limit]\nenabled = false\n")
    result = runner.invoke(main, ["explain", "page-limit", "-r", str(child)])
    assert result.exit_code == EXIT_PASS and "disabled" in result.stdout


def test_explain_with_no_id_lists_every_criterion(runner):
    result = runner.invoke(main, ["explain"])
    assert result.exit_code == EXIT_PASS
    listed = [line.split()[0] for line in result.stdout.splitlines() if line.startswith("  ") and line.split()]
    assert listed[1:] == list(REGISTRY)  # after the header row


def test_explain_an_unknown_id_is_usage_listing_the_ids(runner):
    result = runner.invoke(main, ["explain", "euros"])
    assert result.exit_code == EXIT_USAGE
    assert all(cid in result.stderr for cid in REGISTRY)


@pytest.mark.parametrize("cid", list(REGISTRY))
def test_every_criterion_explains_itself(runner, cid):
    result = runner.invoke(main, ["explain", cid])
    assert result.exit_code == EXIT_PASS
    assert "What reviewers look for" in result.stdout and "✓ " in result.stdout and "✗ " in result.stdout


# --- terminal manners ----------------------------------------------------------------------------


@pytest.mark.parametrize("where", ["group", "command"])
def test_no_color_flag_turns_colour_off(tmp_path, where):
    runner = CliRunner(env={"NO_COLOR": None})
    bad = str(write(tmp_path / "bad.md", BAD))
    args = ["--no-color", "check", bad] if where == "group" else ["check", "--no-color", bad]
    result = runner.invoke(main, args, color=True)
    assert result.exit_code == EXIT_FAIL and not ANSI.search(result.stdout)


@pytest.mark.parametrize("where", ["group", "command"])
def test_color_flag_wins_over_no_color(tmp_path, where):
    # no-color.org: a flag given for one run overrides NO_COLOR.
    runner = CliRunner(env={"NO_COLOR": "1"})
    bad = str(write(tmp_path / "bad.md", BAD))
    args = ["--color", "check", bad, str(tmp_path / "x.pdf")] if where == "group" else \
        ["check", "--color", bad, str(tmp_path / "x.pdf")]
    result = runner.invoke(main, args)
    assert ANSI.search(result.stdout) and ANSI.search(result.stderr)


def _grader_script() -> str:
    script = Path(sys.executable).with_name("grader")
    if not script.exists():
        pytest.skip("the grader console script is not installed next to this Python")
    return str(script)


def test_shell_completion_completes_commands_and_criterion_ids():
    env = {**os.environ, "_GRADER_COMPLETE": "bash_source"}
    source = subprocess.run([_grader_script()], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert "_grader_completion" in source.stdout
    env = {**os.environ, "_GRADER_COMPLETE": "bash_complete", "COMP_WORDS": "grader check --skip euro", "COMP_CWORD": "3"}
    done = subprocess.run([_grader_script()], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.stdout.split() == ["plain,euro-impact"]
    env.update(COMP_WORDS="grader ru", COMP_CWORD="1")
    assert subprocess.run([_grader_script()], env=env, capture_output=True, text=True, timeout=60,
                          check=False).stdout.split() == ["plain,rubrics"]
