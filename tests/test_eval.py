"""Agreement with a careful human reviewer on the labelled evaluation set (tests/eval/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.evaluate import combine, evaluate, load_cases

CASES = Path(__file__).parent / "eval" / "cases"
TARGET = 0.97


SETS = sorted(p for p in (Path(__file__).parent / "eval").iterdir() if p.is_dir() and any(p.glob("*.toml")))
CRITERIA = sorted({c for folder in SETS for c in load_cases(folder)})


@pytest.fixture(scope="module")
def scores(rubric):
    return {s.criterion: s for s in combine([evaluate(folder, rubric) for folder in SETS])}


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


@pytest.mark.parametrize("criterion", CRITERIA)
def test_agreement_meets_target(scores, criterion):
    """Agreement over every labelled set together; `grader eval` shows each set on its own."""
    s = scores[criterion]
    misses = "\n".join(f"  {m.case}: label {m.label}, got {m.got} ({m.message})" for m in s.misses)
    assert s.agreement >= TARGET, f"{criterion}: {s.agreement:.1%} agreement\n{misses}"
