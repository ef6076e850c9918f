"""The pre-commit hook, run by pre-commit itself on a throw-away git repository.

The hook under test is the one `.pre-commit-hooks.yaml` declares: its entry, file pattern, types and
arguments are read from that file. Only the way it is installed differs: instead of `language: python`
(which makes pre-commit build a virtualenv and install grader and spaCy from PyPI, slow and online),
the test uses `repo: local` with `language: system`, pointing the entry at the grader installed here.
"""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from builders import docx_from_markdown, platypus_pdf

ROOT = Path(__file__).resolve().parent.parent
HOOKS = ROOT / ".pre-commit-hooks.yaml"

GOOD = """\
# Credit limits for returning customers

We should raise credit limits for returning customers with a clean repayment record.

This would add about €2.3M in revenue a year.

The main risk is higher fraud losses; we mitigate it with a staged rollout and a weekly review.

We fitted one logistic regression with default settings; it is simple and explainable, adds under 5ms to \
checkout latency, and every decline carries a reason code we can show the customer.
"""

BAD_BLOCKS = [
    ("title", "Analysis"),
    ("para", "I analysed the dataset and looked at many features. Further analysis is needed before deciding."),
]


def _requirements() -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed; the pre-commit hook test needs it")
    if importlib.util.find_spec("pre_commit") is None or importlib.util.find_spec("yaml") is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]' installs it)")
    if not Path(sys.executable).with_name("grader").exists():
        pytest.skip("the grader console script is not installed next to this Python")


def declared_hook() -> dict:
    import yaml

    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    return next(h for h in hooks if h["id"] == "grader")


def test_the_manifest_is_valid_for_pre_commit():
    _requirements()
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(HOOKS))
    assert hook["id"] == "grader" and hook["entry"] == "grader check" and hook["language"] == "python"


def test_the_hook_selects_pdf_and_docx_files():
    _requirements()
    import re

    pattern = re.compile(declared_hook()["files"])
    assert all(pattern.search(n) for n in ("draft.pdf", "a/b/Draft.PDF", "take-home.docx"))
    assert not any(pattern.search(n) for n in ("README.md", "notes.txt", "draft.pdf.bak", "draft.doc"))


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=60, check=True)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> tuple[Path, dict]:
    """A git repository whose .pre-commit-config.yaml runs the declared hook against the installed grader."""
    _requirements()
    import yaml

    root = tmp_path_factory.mktemp("hooked")
    repo = root / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "test@example.com")
    _git(repo, "config", "user.name", "Test")
    _git(repo, "config", "commit.gpgsign", "false")
    declared = declared_hook()
    program, *rest = shlex.split(declared["entry"])
    assert program == "grader"
    local = {
        "id": declared["id"], "name": declared["name"], "language": "system",
        "entry": shlex.join([str(Path(sys.executable).with_name("grader")), *rest]),
        **{k: declared[k] for k in ("files", "types", "types_or", "exclude", "args") if k in declared},
    }
    config = {"repos": [{"repo": "local", "hooks": [local]}]}
    (repo / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    docx_from_markdown(repo / "good.docx", GOOD)
    platypus_pdf(repo / "bad.pdf", BAD_BLOCKS)
    (repo / "notes.md").write_text("# Notes\n\nNot a draft.\n", encoding="utf-8")
    _git(repo, "add", ".pre-commit-config.yaml")
    env = {"PRE_COMMIT_HOME": str(root / "cache"), "NO_COLOR": "1", "PRE_COMMIT_COLOR": "never",
           "PATH": os.environ.get("PATH", ""), "HOME": str(root), "LANG": "C.UTF-8",
           # as in the rest of the suite (conftest.py): estimated DOCX pages, a private page-count cache
           **{k: os.environ[k] for k in ("GRADER_RENDERER", "GRADER_CACHE_DIR") if k in os.environ}}
    return repo, env


def pre_commit(repo: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=repo, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=300, check=False)


def test_a_passing_draft_passes_the_hook(repo):
    path, env = repo
    run = pre_commit(path, env, "run", "grader", "--files", "good.docx")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Passed" in run.stdout


def test_a_failing_draft_fails_the_hook_with_a_clear_message(repo):
    path, env = repo
    run = pre_commit(path, env, "run", "grader", "--files", "bad.pdf", "good.docx")
    assert run.returncode == 1, run.stdout + run.stderr
    out = run.stdout
    assert "Failed" in out and "- hook id: grader" in out and "- exit code: 1" in out
    assert "bad.pdf · 1 page(s) · score" in out and "FAIL" in out
    assert "✗ Recommendation up front" in out and "→ Open the first paragraph with one decision" in out
    assert "good.docx" in out  # graded in the same run, and shown as passing
    assert "Traceback" not in out + run.stderr


def test_files_that_are_not_drafts_are_not_graded(repo):
    path, env = repo
    run = pre_commit(path, env, "run", "grader", "--files", "notes.md")
    assert run.returncode == 0 and "(no files to check)Skipped" in run.stdout


def test_the_hook_blocks_a_commit_of_a_failing_draft(repo):
    path, env = repo
    install = pre_commit(path, env, "install")
    assert install.returncode == 0, install.stdout + install.stderr
    _git(path, "add", "bad.pdf")
    blocked = subprocess.run(["git", "commit", "-q", "-m", "draft"], cwd=path, env=env, capture_output=True,
                             text=True, encoding="utf-8", timeout=300, check=False)
    assert blocked.returncode != 0
    assert "score" in blocked.stdout + blocked.stderr and "FAIL" in blocked.stdout + blocked.stderr
    _git(path, "reset", "-q", "bad.pdf")
    _git(path, "add", "good.docx")
    committed = subprocess.run(["git", "commit", "-q", "-m", "draft"], cwd=path, env=env, capture_output=True,
                               text=True, encoding="utf-8", timeout=300, check=False)
    assert committed.returncode == 0, committed.stdout + committed.stderr
