from __future__ import annotations

import textwrap

import pytest

from grader.grading import grade_document
from grader.readers.text import parse_markdown
from grader.rubric import load_rubric


@pytest.fixture(autouse=True, scope="session")
def _estimated_pages(tmp_path_factory):
    """DOCX pages are estimated in the tests, so verdicts and golden reports do not depend on whether
    LibreOffice is installed (tests of rendering ask for it by name), and no test writes to the
    user's page-count cache."""
    patch = pytest.MonkeyPatch()
    patch.setenv("GRADER_RENDERER", "none")
    patch.setenv("GRADER_CACHE_DIR", str(tmp_path_factory.mktemp("grader-cache")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def rubric():
    return load_rubric()


@pytest.fixture(scope="session")
def grade_md(rubric):
    """Grade a mini-markdown document; returns {criterion id: CriterionResult}."""

    def run(text: str, rub=None):
        doc = parse_markdown(textwrap.dedent(text).strip() + "\n", source="case.md")
        result = grade_document(doc, rub or rubric)
        return {c.id: c for c in result.criteria}

    return run


@pytest.fixture(scope="session")
def verdict(grade_md):
    """The pass/fail of one criterion on a mini-markdown text."""

    def run(criterion: str, text: str) -> bool:
        return grade_md(text)[criterion].passed

    return run
