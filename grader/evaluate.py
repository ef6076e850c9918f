"""Measure agreement with a careful human reviewer on a labelled set of cases.

Each ``<criterion-id>.toml`` in the cases folder holds ``[[case]]`` entries with ``id``, ``label``
("pass"/"fail"), ``hard``, ``note`` and ``text`` (mini-markdown). Each case is graded as a whole
document. "fail" is the positive class: precision and recall say how well the grader catches
what a reviewer would mark down.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .grading import grade_document
from .readers.text import parse_markdown
from .rubric import Rubric


@dataclass
class Disagreement:
    criterion: str
    case: str
    label: str
    got: str
    hard: bool
    note: str
    message: str
    evidence: str


@dataclass
class Score:
    criterion: str
    total: int = 0
    agree: int = 0
    tp: int = 0  # fail caught
    fp: int = 0  # passed draft failed
    fn: int = 0  # weak draft passed
    hard_total: int = 0
    hard_agree: int = 0
    misses: list[Disagreement] = field(default_factory=list)

    @property
    def agreement(self) -> float:
        return self.agree / self.total if self.total else 0.0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def load_cases(folder: Path) -> dict[str, list[dict]]:
    cases = {}
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as fh:
            cases[path.stem] = tomllib.load(fh).get("case", [])
    return cases


def evaluate(folder: Path, rubric: Rubric) -> list[Score]:
    known = {c.id for c in rubric.criteria}
    scores = []
    for criterion, cases in load_cases(folder).items():
        if criterion not in known:
            continue
        score = Score(criterion)
        for case in cases:
            doc = parse_markdown(case["text"], source=f"{criterion}/{case['id']}")
            result = next(c for c in grade_document(doc, rubric).criteria if c.id == criterion)
            got = "pass" if result.passed else "fail"
            label = case["label"]
            score.total += 1
            score.hard_total += bool(case.get("hard"))
            if got == label:
                score.agree += 1
                score.hard_agree += bool(case.get("hard"))
                score.tp += label == "fail"
            else:
                score.fp += got == "fail"
                score.fn += got == "pass"
                quoted = "; ".join(f"{e.where}: {e.text}" for e in result.evidence[:2])
                score.misses.append(Disagreement(criterion, case["id"], label, got, bool(case.get("hard")),
                                                 case.get("note", ""), result.message, quoted))
        scores.append(score)
    return scores


def combine(groups: list[list[Score]]) -> list[Score]:
    """Per-criterion totals over several sets."""
    out: dict[str, Score] = {}
    for scores in groups:
        for sc in scores:
            t = out.setdefault(sc.criterion, Score(sc.criterion))
            t.total += sc.total
            t.agree += sc.agree
            t.tp += sc.tp
            t.fp += sc.fp
            t.fn += sc.fn
            t.hard_total += sc.hard_total
            t.hard_agree += sc.hard_agree
            t.misses.extend(sc.misses)
    return [out[k] for k in sorted(out)]


def format_table(scores: list[Score]) -> str:
    rows = ["| criterion | cases | agreement | hard cases | precision (fail) | recall (fail) |",
            "|---|---:|---:|---:|---:|---:|"]
    for s in scores:
        rows.append(f"| `{s.criterion}` | {s.total} | {s.agreement:.1%} | {s.hard_agree}/{s.hard_total} "
                    f"| {s.precision:.1%} | {s.recall:.1%} |")
    return "\n".join(rows)
