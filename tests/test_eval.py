"""Agreement with a careful human reviewer on the labelled evaluation set (tests/eval/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.evaluate import evaluate, load_cases

CASES = Path(__file__).parent / "eval" / "cases"
HOLDOUT = Path(__file__).parent / "eval" / "holdout"
TARGET = 0.97


@pytest.fixture(scope="module")
def scores(rubric):
    return {s.criterion: s for s in evaluate(CASES, rubric)}


def test_set_is_large_and_hard_enough():
    cases = load_cases(CASES)
    total = sum(len(v) for v in cases.values())
    hard = sum(bool(c.get("hard")) for v in cases.values() for c in v)
    assert total >= 300
    assert hard * 3 >= total
    for criterion, items in cases.items():
        labels = [c["label"] for c in items]
        assert set(labels) == {"pass", "fail"}, criterion
        assert len({c["id"] for c in items}) == len(items), f"duplicate ids in {criterion}"


@pytest.mark.parametrize("criterion", sorted(load_cases(CASES)))
def test_agreement_meets_target(scores, criterion):
    s = scores[criterion]
    misses = "\n".join(f"  {m.case}: label {m.label}, got {m.got} ({m.message})" for m in s.misses)
    assert s.agreement >= TARGET, f"{criterion}: {s.agreement:.1%} agreement\n{misses}"
