"""Golden-file helpers: compare rendered HTML with an expected file, dates and versions aside.

Two sets of expected files use them: ``reports/`` (the bundled samples, end to end, checked by
tests/test_samples.py) and ``tests/golden/html/`` (report states built in code, checked by
tests/test_golden.py). One command rewrites both: ``python scripts/update_golden.py``.
On a mismatch the actual page is written to ``tests/actual/`` so it can be opened or diffed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from grader import __version__
from grader.results import CriterionResult, Evidence, GradeResult, Opening

ROOT = Path(__file__).resolve().parent.parent.parent
HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "html"
ACTUAL = ROOT / "tests" / "actual"
UPDATE = "python scripts/update_golden.py"

_VOLATILE = (
    (re.compile(r'<span class="generated">[^<]*</span>'), '<span class="generated"></span>'),
    (re.compile(r"grader \d+\.\d+\.\d+[^\s<]*"), "grader VERSION"),
)


def normalise(html: str) -> str:
    """The page with what changes from run to run (the generation time, the grader version) removed."""
    for pattern, replacement in _VOLATILE:
        html = pattern.sub(replacement, html)
    return html


def check(actual: str, expected_file: Path) -> None:
    """Fail, with a short diff and the command to update, unless ``actual`` matches the expected file."""
    __tracebackhide__ = True
    if not expected_file.exists():
        _write_actual(expected_file.name, actual)
        raise AssertionError(f"missing {_rel(expected_file)} (actual written to tests/actual/); run {UPDATE}")
    expected = normalise(expected_file.read_text(encoding="utf-8"))
    got = normalise(actual)
    if got == expected:
        return
    out = _write_actual(expected_file.name, got)
    diff = difflib.unified_diff(expected.splitlines(), got.splitlines(), _rel(expected_file), _rel(out),
                                lineterm="", n=1)
    shown = "\n".join(list(diff)[:40])
    raise AssertionError(f"{_rel(expected_file)} differs (actual written to {_rel(out)}); "
                         f"if the change is intended, run {UPDATE}\n{shown}")


def _write_actual(name: str, text: str) -> Path:
    ACTUAL.mkdir(parents=True, exist_ok=True)
    out = ACTUAL / name
    out.write_text(text, encoding="utf-8")
    return out


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


# --- report states built in code ----------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    result: GradeResult


def _crit(id: str, title: str, passed: bool, weight: float, message: str, suggestion: str = "",
          evidence: tuple[Evidence, ...] = (), looked: str = "", severity: str = "error") -> CriterionResult:
    return CriterionResult(id, title, passed, message, suggestion, weight, evidence, looked, severity)


REC = "We should raise credit limits for returning customers with a clean repayment record."
EURO = "This would add about €2.3M in revenue a year."
DOLLAR = "Rolled out, that is roughly $3.1M in additional annual revenue."
RISK = "The main risk is higher fraud losses; we mitigate it with a staged rollout."


def _passing() -> GradeResult:
    crits = (
        _crit("recommendation-upfront", "Recommendation up front", True, 25, "A clear recommendation sits in page 1, ¶1.",
              evidence=(Evidence(REC, 1, 1, "page 1, ¶1"),)),
        _crit("euro-impact", "Impact quantified in euros", True, 20, "Impact in euros: '€2.3M' (page 1, ¶2).",
              evidence=(Evidence(EURO, 1, 2, "page 1, ¶2", highlight="€2.3M"),)),
        _crit("risk-mitigation", "One key risk, mitigated", True, 15, "A named risk and its mitigation (page 1, ¶3).",
              evidence=(Evidence(RISK, 1, 3, "page 1, ¶3"),)),
        _crit("page-limit", "Three pages or fewer", True, 10, "1 page(s), within the 3-page limit.",
              evidence=(Evidence("1 page(s), counted from the PDF", 1, 0, "page 1"),)),
    )
    return GradeResult(
        file="drafts/strong-credit-limits.pdf", rubric="klarna-take-home", rubric_title="Klarna data-science take-home",
        score=100.0, passed=True, pages=1, page_count_method="pdf", criteria=crits, word_count=412, figure_count=1,
        table_count=0, format="pdf",
        opening=(Opening(1, 1, REC + " It pays back within a quarter.", (REC,)),
                 Opening(2, 1, EURO, (EURO,)),
                 Opening(3, 1, RISK, (RISK,))),
        version=__version__,
    )


def _failing() -> GradeResult:
    crits = (
        _crit("recommendation-upfront", "Recommendation up front", True, 25, "A clear recommendation sits in page 1, ¶1.",
              evidence=(Evidence(REC, 1, 1, "page 1, ¶1"),)),
        _crit("euro-impact", "Impact quantified in euros", False, 20,
              "Found money in another currency: '$3.1M' (page 1, ¶2); give the euro figure.",
              'Add one back-of-envelope line: "… is worth about €2.3M in revenue a year."',
              evidence=(Evidence(DOLLAR, 1, 2, "page 1, ¶2", highlight="$3.1M"),),
              looked="all 12 sentences and table rows"),
        _crit("risk-mitigation", "One key risk, mitigated", False, 15, "No risk is named.",
              "Name the one risk that would stop you, and how you would contain it.",
              looked="all 12 sentences and table rows"),
        _crit("chart-restraint", "Fewer than eight charts", True, 3, "0 figure(s).",
              evidence=(Evidence("0 figure(s) or image(s)", 0, 0, "whole document"),)),
        _crit("simple-model", "Simple, explainable model", False, 2,
              "A gradient-boosted ensemble with no note on explainability.",
              "Say in one line how a decision is explained to a customer.", severity="warning"),
    )
    return GradeResult(
        file="drafts/weak-dollars.docx", rubric="klarna-take-home", rubric_title="Klarna data-science take-home",
        score=58.0, passed=False, pages=4, page_count_method="estimated", criteria=crits, word_count=1812,
        figure_count=0, table_count=2, format="docx",
        notes=("The page count is estimated from the DOCX's content.",),
        opening=(Opening(1, 1, REC, (REC,)),
                 Opening(2, 1, f"Context first. {DOLLAR} More context.", (DOLLAR,))),
        version=__version__,
    )


def _hostile() -> GradeResult:
    evil = "<script>alert(1)</script> \" onmouseover=\"x {{ 7*7 }}"
    crits = (
        _crit("recommendation-upfront", f"Recommendation {evil}", False, 25, f"Message {evil}", f"Fix {evil}",
              evidence=(Evidence(f"We should {evil} ship.", 1, 1, f"page 1, ¶1 {evil}", highlight=evil),),
              looked=f"everywhere {evil}"),
    )
    return GradeResult(
        file=f"drafts/{evil}.md", rubric="r", rubric_title=f"Rubric {evil}", score=0.0, passed=False, pages=1,
        page_count_method="markup", criteria=crits, notes=(f"Note {evil}",),
        opening=(Opening(1, 1, f"We should {evil} ship.", (f"We should {evil} ship.",)),), version=__version__,
    )


def _empty() -> GradeResult:
    return GradeResult(file="blank.md", rubric="r", rubric_title="R", score=0.0, passed=False, pages=0,
                       page_count_method="markup", criteria=(), version=__version__)


CASES = (Case("passing", _passing()), Case("failing-with-warning", _failing()), Case("hostile-text", _hostile()),
         Case("empty", _empty()))
