"""JUnit XML, the test-report format CI systems display (GitHub, GitLab, Jenkins, Azure).

One ``<testsuite>`` per document and one ``<testcase>`` per criterion:

- a criterion that passes is a passing test case, its message in ``<system-out>``;
- a criterion that fails is a ``<failure>`` whose ``message`` is the grader's one-line verdict and
  whose text adds the suggested fix and the evidence;
- a warning that fails (``severity = "warning"``) does not fail the draft, so it stays a passing
  test case and its message goes to ``<system-out>``, starting with ``warning:``;
- ``--fail-under`` adds a ``score`` test case that fails when the score is below it;
- a file that cannot be graded is a suite with one ``<error>`` test case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from ..results import CriterionResult, GradeResult

# XML 1.0 cannot hold most control characters; file names and quotes come from users' files.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Ungraded:
    """A file that could not be graded, and the one line saying why."""

    file: str
    message: str


def _clean(text: object) -> str:
    return _NOT_XML.sub("?", str(text))


def _sub(parent: ET.Element, tag: str, text: str = "", **attrs: object) -> ET.Element:
    el = ET.SubElement(parent, tag, {k: _clean(v) for k, v in attrs.items()})
    if text:
        el.text = _clean(text)
    return el


def _details(c: CriterionResult) -> str:
    lines = [c.message]
    if c.suggestion:
        lines.append(f"fix: {c.suggestion}")
    for e in c.evidence:
        lines.append(f"evidence ({e.where or f'page {e.page}'}): {e.text}")
    if c.looked and not c.evidence:
        lines.append(f"looked at: {c.looked}")
    return "\n".join(lines)


def _suite(root: ET.Element, result: GradeResult, fail_under: float | None) -> None:
    failures = sum(1 for c in result.criteria if not c.passed and c.severity == "error")
    tests = len(result.criteria)
    below = fail_under is not None and result.score < fail_under
    if fail_under is not None:
        tests += 1
        failures += below
    suite = _sub(root, "testsuite", name=result.file, tests=tests, failures=failures, errors=0, skipped=0)
    props = _sub(suite, "properties")
    for name, value in (("rubric", result.rubric), ("score", f"{result.score:g}"), ("passed", str(result.passed).lower()),
                        ("pages", result.pages), ("page_count_method", result.page_count_method)):
        _sub(props, "property", name=name, value=value)
    for c in result.criteria:
        case = _sub(suite, "testcase", classname=result.file, name=f"{c.id}: {c.title}")
        if not c.passed and c.severity == "error":
            _sub(case, "failure", _details(c), message=c.message, type=c.id)
        elif not c.passed:
            _sub(case, "system-out", "warning: " + _details(c))
        else:
            _sub(case, "system-out", _details(c))
    if fail_under is not None:
        case = _sub(suite, "testcase", classname=result.file, name=f"score: at least {fail_under:g}")
        if below:
            text = f"score {result.score:g}/100 is below --fail-under {fail_under:g}"
            _sub(case, "failure", text, message=text, type="fail-under")


def render_junit(results: Iterable[GradeResult | Ungraded], fail_under: float | None = None) -> str:
    """JUnit XML for graded documents and files that could not be graded."""
    root = ET.Element("testsuites", {"name": "grader"})
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for item in results:
        if isinstance(item, Ungraded):
            suite = _sub(root, "testsuite", name=item.file, tests=1, failures=0, errors=1, skipped=0)
            case = _sub(suite, "testcase", classname=item.file, name="read: the file can be graded")
            _sub(case, "error", item.message, message=item.message, type="ungradable")
        else:
            _suite(root, item, fail_under)
        suite = root[-1]
        for key in totals:
            totals[key] += int(suite.get(key, 0))
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
