"""Help and docs stay complete: every command and option has help text and is documented, and the
examples in the docs (rubrics, config) are valid."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import click
import pytest

from grader.cli import main
from grader.config import validate
from grader.criteria import REGISTRY
from grader.rubric import load_rubric

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
CLI_MD = DOCS / "cli.md"


def commands(cmd: click.Command = main, path: tuple[str, ...] = ("grader",)):
    """Every command under ``grader``, with its path (``("grader", "rubrics", "new")``)."""
    yield path, cmd
    if isinstance(cmd, click.Group):
        for name, sub in sorted(cmd.commands.items()):
            yield from commands(sub, (*path, name))


COMMANDS = list(commands())
OPTIONS = [(path, param) for path, cmd in COMMANDS for param in cmd.get_params(click.Context(cmd))
           if isinstance(param, click.Option) and not param.hidden]


def docs_text() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in [README, *sorted(DOCS.glob("*.md"))])


def mentions(text: str, flag: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text) is not None


def section(text: str, heading: str) -> str:
    """The body of ``## heading`` up to the next level-2 heading."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/cli.md has no '## {heading}' section"
    return match.group(1)


def long_flags(param: click.Option) -> list[str]:
    return [o for o in (*param.opts, *param.secondary_opts) if o.startswith("--")]


def test_the_tree_includes_every_command():
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"grader check", "grader report", "grader batch", "grader eval", "grader explain", "grader config",
            "grader rubrics", "grader rubrics list", "grader rubrics show", "grader rubrics validate",
            "grader rubrics new"} <= names


@pytest.mark.parametrize(("path", "cmd"), COMMANDS, ids=lambda x: " ".join(x) if isinstance(x, tuple) else "")
def test_every_command_has_help_and_is_documented(path, cmd):
    assert (cmd.help or "").strip(), f"{' '.join(path)} has no help text"
    if len(path) > 1:
        name = " ".join(path)
        assert name in CLI_MD.read_text(encoding="utf-8"), f"{name} is not in docs/cli.md"
        assert name in docs_text()


@pytest.mark.parametrize(("path", "param"), OPTIONS,
                         ids=lambda x: " ".join(x) if isinstance(x, tuple) else x.name if isinstance(x, click.Option) else "")
def test_every_option_has_help_and_is_documented(path, param):
    assert (param.help or "").strip(), f"{' '.join(path)} {param.opts} has no help text"
    text = docs_text()
    for flag in long_flags(param):
        assert mentions(text, flag), f"{flag} of {' '.join(path)} is not in README.md or docs/*.md"


@pytest.mark.parametrize(("path", "param"), OPTIONS,
                         ids=lambda x: " ".join(x) if isinstance(x, tuple) else x.name if isinstance(x, click.Option) else "")
def test_docs_cli_md_describes_every_option_under_its_command(path, param):
    text = CLI_MD.read_text(encoding="utf-8")
    everywhere = section(text, "Options of every command")
    own = section(text, " ".join(path[:2])) if len(path) > 1 else everywhere
    for flag in long_flags(param):
        assert mentions(own, flag) or mentions(everywhere, flag), \
            f"{flag} of {' '.join(path)} is not in its section of docs/cli.md"


# --- the examples in the docs are valid ----------------------------------------------------------


def blocks(path: Path, lang: str) -> list[str]:
    """The fenced ``lang`` blocks of a Markdown file, list-item indentation removed."""
    found = re.findall(rf"^[ \t]*```{lang}\n(.*?)^[ \t]*```", path.read_text(encoding="utf-8"), re.M | re.S)
    return [textwrap.dedent(b) for b in found]


def test_every_toml_block_in_docs_rubrics_md_loads(tmp_path):
    found = blocks(DOCS / "rubrics.md", "toml")
    assert len(found) >= 3
    for i, text in enumerate(found):
        if "name =" not in text:  # a fragment: what it changes, on top of the default rubric
            text = f'extends = "klarna-take-home"\nname = "fragment-{i}"\ntitle = "Fragment"\n\n{text}'
        path = tmp_path / f"block-{i}.toml"
        path.write_text(text, encoding="utf-8")
        load_rubric(str(path))


def test_the_dollar_example_in_the_docs_is_the_test_suites_rubric(tmp_path):
    example = next(b for b in blocks(DOCS / "rubrics.md", "toml") if "us-fintech-take-home" in b)
    path = tmp_path / "us.toml"
    path.write_text(example, encoding="utf-8")
    documented, tested = load_rubric(str(path)), load_rubric(str(ROOT / "tests" / "rubrics" / "dollar-impact-two-page.toml"))

    def shape(rubric):
        return [(c.id, c.title, c.weight, c.severity, dict(c.settings), dict(c.vocab), dict(c.messages))
                for c in rubric.criteria]

    assert shape(documented) == shape(tested)


def test_docs_rubrics_md_names_every_threshold():
    text = (DOCS / "rubrics.md").read_text(encoding="utf-8")
    for cid, module in REGISTRY.items():
        assert f"`{cid}`" in text
        for name in module.SETTINGS:
            assert f"`{name}`" in text, f"threshold {name} of {cid} is not in docs/rubrics.md"


@pytest.mark.parametrize("doc", [README, CLI_MD], ids=lambda p: p.name)
def test_config_examples_are_valid(doc):
    found = [b for b in blocks(doc, "toml") if "[tool.grader]" in b]
    assert found, f"{doc.name} shows no [tool.grader] example"
    import tomllib

    for text in found:
        table = tomllib.loads(text)["tool"]["grader"]
        validate(doc, table, "[tool.grader]")


def test_pre_commit_snippets_use_the_declared_hook():
    yaml = pytest.importorskip("yaml")
    declared = {h["id"] for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    snippets = [yaml.safe_load(b) for doc in (README, DOCS / "ci.md") for b in blocks(doc, "yaml") if "repos:" in b]
    assert len(snippets) >= 3
    for config in snippets:
        ids = {h["id"] for repo in config["repos"] for h in repo["hooks"]}
        assert ids <= declared


def test_shell_completion_is_documented():
    assert "_GRADER_COMPLETE=bash_source grader" in README.read_text(encoding="utf-8")
