"""Config discovery: [tool.grader] in the nearest pyproject.toml or a grader.toml; flags override it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from drafts import DOLLARS, GOOD

from grader.cli import main
from grader.config import ConfigError, effective, find_config, load_config
from grader.errors import EXIT_FAIL, EXIT_PASS, EXIT_USAGE

TWO_PAGE = Path(__file__).parent / "rubrics" / "dollar-two-page.toml"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner(env={"NO_COLOR": "1", "GRADER_RENDERER": None})


@pytest.fixture
def project(tmp_path: Path, monkeypatch) -> Path:
    """A project folder with a draft in a sub-folder, the current folder being that sub-folder."""
    root = tmp_path / "project"
    write(root / "drafts" / "dollars.md", DOLLARS)
    write(root / "drafts" / "good.md", GOOD)
    monkeypatch.chdir(root / "drafts")
    monkeypatch.delenv("GRADER_RENDERER", raising=False)
    return root


def config_rows(output: str) -> dict[str, tuple[str, str]]:
    """``grader config``'s table as {setting: (value, source)}, cut at the header's columns."""
    lines = output.splitlines()
    header = next(line for line in lines if line.startswith("setting"))
    value_at, from_at = header.index("value"), header.index("from")
    rows = {}
    for line in lines[lines.index(header) + 1:]:
        rows[line[:value_at].strip()] = (line[value_at:from_at].strip(), line[from_at:].strip())
    return rows


# --- discovery -----------------------------------------------------------------------------------


def test_no_config_means_defaults(project):
    assert load_config() is None
    settings = effective({}, None, env={})
    assert settings["rubric"] == "klarna-take-home" and settings["fail-under"] is None
    assert {settings.source(k) for k in ("rubric", "fail-under", "output", "renderer", "only", "skip")} == {"default"}


def test_pyproject_tool_grader_is_found_walking_up(project):
    write(project / "pyproject.toml", '[project]\nname = "x"\n\n[tool.grader]\nfail-under = 70\n')
    found = load_config()
    assert found is not None and found.path == (project / "pyproject.toml").resolve()
    assert found.values == {"fail-under": 70.0}
    assert found.label.endswith("pyproject.toml [tool.grader]")


def test_a_pyproject_without_tool_grader_is_passed_over(project):
    write(project / "drafts" / "pyproject.toml", '[project]\nname = "inner"\n')
    write(project / "grader.toml", "fail-under = 60\n")
    found = load_config()
    assert found is not None and found.path.name == "grader.toml" and found.values["fail-under"] == 60


def test_grader_toml_wins_over_pyproject_in_the_same_folder(project):
    write(project / "pyproject.toml", "[tool.grader]\nfail-under = 70\n")
    write(project / "grader.toml", "fail-under = 90\n")
    assert load_config().values["fail-under"] == 90


def test_the_nearest_config_wins(project):
    write(project / "grader.toml", "fail-under = 90\n")
    write(project / "drafts" / "pyproject.toml", "[tool.grader]\nfail-under = 50\n")
    assert find_config()[0] == (project / "drafts" / "pyproject.toml").resolve()
    assert load_config().values["fail-under"] == 50


# --- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "key"), [
    ("fial-under = 80\n", "fial-under"),
    ("fail_under = 80\n", "fail_under"),
    ('rubrik = "x"\n', "rubrik"),
    ('fail-under = "high"\n', "fail-under"),
    ("fail-under = 120\n", "fail-under"),
    ('renderer = "word"\n', "renderer"),
    ('only = ["no-such-criterion"]\n', "only"),
    ('skip = "page-limit"\n', "skip"),
    ("output = 3\n", "output"),
])
def test_a_bad_key_or_value_names_the_file_and_the_key(project, body, key):
    config = write(project / "pyproject.toml", "[tool.grader]\n" + body)
    with pytest.raises(ConfigError) as info:
        load_config()
    line = info.value.line()
    assert str(config.resolve()) in line and f"[tool.grader.{key}]" in line


def test_an_unknown_key_suggests_the_right_one(project):
    write(project / "grader.toml", "fail_under = 80\n")
    with pytest.raises(ConfigError) as info:
        load_config()
    assert "did you mean 'fail-under'" in info.value.line()


def test_a_bad_config_is_one_line_and_exit_3(project, runner):
    config = write(project / "grader.toml", "colour = true\n")
    result = runner.invoke(main, ["check", "dollars.md"])
    assert result.exit_code == EXIT_USAGE, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("grader:")
    assert str(config.resolve()) in lines[0] and "[colour]" in lines[0] and "rubric, fail-under" in lines[0]
    assert "Traceback" not in result.output


def test_invalid_toml_is_one_line(project, runner):
    write(project / "pyproject.toml", "[tool.grader\n")
    result = runner.invoke(main, ["config"])
    assert result.exit_code == EXIT_USAGE
    assert "pyproject.toml: not valid TOML" in result.stderr


# --- the settings reach the commands -------------------------------------------------------------


def test_fail_under_from_the_config_decides_the_exit_status(project, runner):
    assert runner.invoke(main, ["check", "dollars.md"]).exit_code == EXIT_FAIL  # euro-impact fails
    write(project / "pyproject.toml", "[tool.grader]\nfail-under = 75\n")
    result = runner.invoke(main, ["check", "dollars.md"])
    assert result.exit_code == EXIT_PASS, result.output
    assert "score 80/100 meets the fail-under score of 75" in result.stdout


def test_the_command_line_overrides_the_config(project, runner):
    write(project / "pyproject.toml", "[tool.grader]\nfail-under = 75\n")
    result = runner.invoke(main, ["check", "dollars.md", "--fail-under", "90"])
    assert result.exit_code == EXIT_FAIL
    assert "score 80/100 is below the fail-under score of 90" in result.stdout


def test_a_rubric_path_is_relative_to_the_config_file(project, runner):
    write(project / "rubrics" / "two.toml", TWO_PAGE.read_text(encoding="utf-8"))
    write(project / "pyproject.toml", '[tool.grader]\nrubric = "rubrics/two.toml"\n')
    assert load_config().values["rubric"] == str((project / "rubrics" / "two.toml").resolve())
    result = runner.invoke(main, ["check", "good.md", "-f", "json"])  # run from drafts/, not the project root
    assert result.exit_code == EXIT_PASS, result.output
    assert json.loads(result.stdout)["rubric"] == "dollar-two-page"
    overridden = runner.invoke(main, ["check", "good.md", "-f", "json", "--rubric", "klarna-take-home"])
    assert json.loads(overridden.stdout)["rubric"] == "klarna-take-home"


def test_a_rubric_name_in_the_config_stays_a_name(project):
    write(project / "grader.toml", 'rubric = "klarna-take-home"\n')
    assert load_config().values["rubric"] == "klarna-take-home"


def test_only_and_skip_from_the_config(project, runner):
    write(project / "grader.toml", 'skip = ["euro-impact"]\n')
    result = runner.invoke(main, ["check", "dollars.md", "-f", "json"])
    assert result.exit_code == EXIT_PASS, result.output
    assert "euro-impact" not in [c["id"] for c in json.loads(result.stdout)["criteria"]]
    write(project / "grader.toml", 'only = ["euro-impact", "page-limit"]\n')
    obj = json.loads(runner.invoke(main, ["check", "dollars.md", "-f", "json"]).stdout)
    assert [c["id"] for c in obj["criteria"]] == ["euro-impact", "page-limit"]
    assert obj["score"] == pytest.approx(100 * 10 / 30, abs=0.1)


def test_output_from_the_config_is_where_reports_go(project, runner):
    write(project / "pyproject.toml", '[tool.grader]\noutput = "feedback"\n')
    result = runner.invoke(main, ["report", "good.md"])
    assert result.exit_code == EXIT_PASS, result.output
    assert (project / "feedback" / "good.md.html").is_file()  # relative to the config file, not the cwd
    assert not (project / "drafts" / "reports").exists()
    runner.invoke(main, ["report", "good.md", "-o", "here"])
    assert (project / "drafts" / "here" / "good.md.html").is_file()


def test_report_takes_fail_under_only_and_skip(project, runner):
    write(project / "grader.toml", "fail-under = 75\n")
    result = runner.invoke(main, ["report", "dollars.md", "-o", "out", "--skip", "page-limit"])
    assert result.exit_code == EXIT_PASS, result.output
    assert "dollars.md: 77.8/100" in result.stdout  # 70 of 90 once page-limit is skipped


# --- grader config -------------------------------------------------------------------------------


def test_grader_config_shows_each_source(project, runner, monkeypatch):
    config = write(project / "pyproject.toml", '[tool.grader]\nfail-under = 75\nrubric = "rubrics/two.toml"\n'
                                               'skip = ["chart-restraint"]\n')
    write(project / "rubrics" / "two.toml", TWO_PAGE.read_text(encoding="utf-8"))
    result = runner.invoke(main, ["config", "--only", "euro-impact", "--only", "page-limit"])
    assert result.exit_code == EXIT_PASS, result.output
    label = f"{config.resolve()} [tool.grader]"
    assert f"config file: {label}" in result.stdout
    rows = config_rows(result.stdout)
    assert rows["fail-under"] == ("75", label)
    assert rows["rubric"] == (str((project / "rubrics" / "two.toml").resolve()), label)
    assert rows["skip"] == ("chart-restraint", label)
    assert rows["only"] == ("euro-impact, page-limit", "command line")
    assert rows["output"] == ("reports", "default")
    assert rows["renderer"] == ("auto", "default")


def test_grader_config_with_no_file_and_flags(project, runner):
    result = runner.invoke(main, ["config", "--fail-under", "60", "--renderer", "none"])
    assert result.exit_code == EXIT_PASS, result.output
    assert "config file: none" in result.stdout
    rows = config_rows(result.stdout)
    assert rows["fail-under"] == ("60", "command line") and rows["renderer"] == ("none", "command line")
    assert rows["rubric"] == ("klarna-take-home", "default")


def test_the_renderer_environment_variable_overrides_the_file(project, runner):
    write(project / "grader.toml", 'renderer = "none"\n')
    assert config_rows(runner.invoke(main, ["config"]).stdout)["renderer"][0] == "none"
    env_runner = CliRunner(env={"NO_COLOR": "1", "GRADER_RENDERER": "auto"})
    assert config_rows(env_runner.invoke(main, ["config"]).stdout)["renderer"] == ("auto", "environment ($GRADER_RENDERER)")


def test_the_renderer_from_the_config_reaches_grading(project, runner, monkeypatch):
    import grader.grading

    seen = []
    real = grader.grading.grade

    def spy(path, rubric=None, renderer=None):
        seen.append(renderer)
        return real(path, rubric, renderer=renderer)

    monkeypatch.setattr(grader.grading, "grade", spy)
    runner.invoke(main, ["check", "good.md"])
    write(project / "grader.toml", 'renderer = "none"\n')
    runner.invoke(main, ["check", "good.md"])
    assert seen == [None, "none"]
